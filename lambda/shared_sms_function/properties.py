"""Typed views of the CloudFormation event: the envelope and the resource's properties."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import PolicyError

SMS_VOICE_ARN = re.compile(
    r"^arn:aws[a-z-]*:sms-voice:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<type>pool|phone-number|opt-out-list|sender-id)/[A-Za-z0-9_/-]+$"
)
MAX_POLICY_CHARS = 10_000
REQUEST_TYPES = ("Create", "Update", "Delete")
MERGE, FAIL, REPLACE = "MERGE", "FAIL", "REPLACE"
ON_EXISTING_POLICY = (MERGE, FAIL, REPLACE)
ENVELOPE_KEYS = ("RequestType", "ResponseURL", "StackId", "RequestId", "LogicalResourceId", "ResourceType")


def envelope_problem(event: Any) -> str | None:
    """What makes ``event`` unusable as a custom-resource request, or None."""
    if not isinstance(event, dict):
        return f"the event is a {type(event).__name__}, not a CloudFormation custom resource request"
    missing = [key for key in ENVELOPE_KEYS if not isinstance(event.get(key), str) or not event.get(key)]
    if missing:
        return f"the event is missing or has non-string {', '.join(missing)}"
    if not event["ResponseURL"].startswith("https://"):
        return "ResponseURL must be an https URL (CloudFormation's pre-signed S3 URL)"
    if event["RequestType"] not in REQUEST_TYPES:
        return f"unknown RequestType {event['RequestType']!r}: expected Create, Update or Delete"
    if event["RequestType"] != "Create" and not isinstance(event.get("PhysicalResourceId"), str):
        return f"a {event['RequestType']} event needs a string PhysicalResourceId"
    if not isinstance(event.get("ResourceProperties", {}), dict):
        return "ResourceProperties must be an object"
    return None


def is_sms_voice_arn(value: object) -> bool:
    return isinstance(value, str) and SMS_VOICE_ARN.match(value) is not None


@dataclass(frozen=True)
class PolicyProperties:
    """The properties of one ``Custom::SmsResourcePolicy``."""

    resource_arn: str
    policy: dict[str, Any]
    on_existing_policy: str
    """MERGE (the default: keep what others wrote), FAIL (refuse it) or REPLACE (overwrite it)."""
    allow_public: bool = False
    """``AllowPublic``: the construct's ``allow_public`` (a public principal without a caller condition)."""
    allow_unconditioned_service: bool = False
    """``AllowUnconditionedService``: the construct's ``allow_unconditioned_service``."""

    def rule_problems(self) -> list[str]:
        """What synthesis's rules (the same code: lambda/shared_sms_rules/, copied from
        constructs/shared_sms/policy_checks.py) find in the policy this event would write.
        Deploy-time values (parameters, SSM, other stacks' exports) are only known here."""
        from shared_sms_rules.policy_checks import check_policy
        from shared_sms_rules.resource_types import ALL_TYPES

        resource_type = next(t for t in ALL_TYPES if t.arn_regex.match(self.resource_arn))
        return check_policy(
            self.policy,
            resource_type=resource_type,
            resource_arn=self.resource_arn,
            allow_public=self.allow_public,
            allow_unconditioned_service=self.allow_unconditioned_service,
        )

    @classmethod
    def from_properties(cls, properties: dict[str, Any]) -> PolicyProperties:
        arn = properties.get("ResourceArn")
        if not is_sms_voice_arn(arn):
            raise PolicyError(
                f"ResourceArn must be an sms-voice pool, phone-number, opt-out-list or sender-id ARN, got {arn!r:.120}"
            )
        raw_policy = properties.get("Policy")
        if isinstance(raw_policy, dict):
            # The form of a policy with deploy-time values: CloudFormation puts each value in as a
            # JSON value, so a value cannot add JSON of its own (text spliced into a string could).
            raw_policy = json.dumps(raw_policy, separators=(",", ":"))
        if not isinstance(raw_policy, str):
            raise PolicyError(f"Policy must be the policy as a JSON string or object, got {type(raw_policy).__name__}")
        if len(raw_policy) > MAX_POLICY_CHARS:
            raise PolicyError(f"Policy is {len(raw_policy)} characters; the service accepts at most {MAX_POLICY_CHARS}")
        try:
            policy = json.loads(raw_policy)
        except ValueError as error:
            raise PolicyError(f"Policy is not valid JSON: {error}") from None
        if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), list) or not policy["Statement"]:
            raise PolicyError("Policy must be a JSON object with a non-empty Statement list")
        if not all(isinstance(statement, dict) for statement in policy["Statement"]):
            raise PolicyError("every entry of the policy's Statement list must be an object")
        mode = properties.get("OnExistingPolicy", MERGE)
        if mode not in ON_EXISTING_POLICY:
            raise PolicyError(f"OnExistingPolicy must be MERGE, FAIL or REPLACE, got {mode!r:.40}")
        return cls(
            resource_arn=str(arn),
            policy=policy,
            on_existing_policy=mode,
            allow_public=_flag(properties, "AllowPublic"),
            allow_unconditioned_service=_flag(properties, "AllowUnconditionedService"),
        )


def _flag(properties: dict[str, Any], name: str) -> bool:
    """A boolean property (CloudFormation passes scalars as strings)."""
    value = properties.get(name, "false")
    if value not in (True, False, "true", "false"):
        raise PolicyError(f"{name} must be true or false, got {value!r:.40}")
    return value in (True, "true")
