"""The emulator's accounts, resources and resource policies, and the operations on them."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .ram import Ram
from .realism import DEFAULT_POLICIES, equivalent_rewrite, sns_default_policy

ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):sms-voice:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<type>pool|phone-number|opt-out-list|sender-id)/(?P<id>.+)$"
)


class ServiceError(Exception):
    """An error answered as ``{"__type": code, "message": ..., **fields}``."""

    def __init__(self, code: str, message: str, status: int = 400, **fields: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.fields = code, message, status, fields


def validation(message: str, reason: str, **fields: Any) -> ServiceError:
    return ServiceError("ValidationException", message, Reason=reason, **fields)


@dataclass
class Resource:
    type: str
    id: str
    arn: str
    account: str
    region: str
    info: dict[str, Any]


@dataclass
class PolicyVersion:
    text: str | None  # None: deleted
    created: float
    visible_at: float


@dataclass
class Caller:
    account: str
    region: str


@dataclass
class State:
    """Everything the emulator knows; one lock, as the real service is per-resource atomic."""

    no_policy_style: str = "not-found"
    """How Get answers a resource without a policy: 'not-found' (404 of type policy) or 'empty' ('{}')."""
    visibility_delay_s: Callable[[], float] = lambda: 0.0
    normalize_policies: bool = False
    """Store and return an equivalent rewrite of every policy (realism.py)."""
    default_policy: str | None = None
    """'sns': requested numbers and sender IDs start with the console's SNS policy (realism.py)."""
    resources: dict[str, Resource] = field(default_factory=dict)
    policies: dict[str, list[PolicyVersion]] = field(default_factory=dict)
    ram: Ram = field(default_factory=Ram)
    """Resource shares and the organization (ram.py); the other way across accounts."""
    calls: dict[str, int] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    issued: int = 0

    def new_id(self) -> str:
        """32 hex digits like the service's ids, but counted: runs after a reset repeat their ARNs."""
        self.issued += 1
        return f"{self.issued:032x}"

    # -- helpers -------------------------------------------------------------------------
    def _arn(self, caller: Caller, kind: str, ident: str) -> str:
        return f"arn:aws:sms-voice:{caller.region}:{caller.account}:{kind}/{ident}"

    def _add(self, caller: Caller, kind: str, ident: str, info: dict[str, Any]) -> Resource:
        arn = self._arn(caller, kind, ident)
        if arn in self.resources:
            raise ServiceError(
                "ConflictException",
                f"{kind} {ident} already exists",
                Reason="RESOURCE_ALREADY_EXISTS",
                ResourceType=kind,
                ResourceId=ident,
            )
        resource = Resource(kind, ident, arn, caller.account, caller.region, info)
        self.resources[arn] = resource
        return resource

    def _find(self, caller: Caller, kind: str, ident: str) -> Resource:
        arn = ident if ident.startswith("arn:") else self._arn(caller, kind, ident)
        resource = self.resources.get(arn)
        if resource is None or resource.type != kind:
            raise ServiceError(
                "ResourceNotFoundException", f"{kind} {ident} not found", ResourceType=kind, ResourceId=ident
            )
        return resource

    def visible_policy(self, arn: str, now: float | None = None) -> PolicyVersion | None:
        now = time.time() if now is None else now
        for version in reversed(self.policies.get(arn, [])):
            if version.visible_at <= now:
                return version if version.text is not None else None
        return None

    def _policy_target(self, caller: Caller, arn: str) -> Resource:
        match = ARN.match(arn)
        if match is None:
            raise validation(f"{arn} is not a valid resource ARN", "INVALID_ARN")
        resource = self.resources.get(arn)
        if resource is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"resource {arn} not found",
                ResourceType=match["type"],
                ResourceId=match["id"],
            )
        if resource.account != caller.account:
            raise validation(f"{arn} is not owned by account {caller.account}", "RESOURCE_NOT_ACCESSIBLE")
        return resource

    # -- creating resources ----------------------------------------------------------------
    def create_opt_out_list(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        name = body["OptOutListName"]
        r = self._add(caller, "opt-out-list", name, {"OptOutListName": name, "CreatedTimestamp": time.time()})
        return {"OptOutListArn": r.arn, **r.info}

    def request_phone_number(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        ident = f"phone-{self.new_id()}"
        info = {
            "PhoneNumberId": ident,
            "PhoneNumber": f"+1206555{len(self.resources) % 10000:04d}",
            "Status": "ACTIVE",
            "IsoCountryCode": body["IsoCountryCode"],
            "MessageType": body["MessageType"],
            "NumberCapabilities": body["NumberCapabilities"],
            "NumberType": body["NumberType"],
            "MonthlyLeasingPrice": "1.00",
            "TwoWayEnabled": False,
            "SelfManagedOptOutsEnabled": False,
            "OptOutListName": body.get("OptOutListName", "Default"),
            "DeletionProtectionEnabled": body.get("DeletionProtectionEnabled", False),
            "CreatedTimestamp": time.time(),
        }
        r = self._add(caller, "phone-number", ident, info)
        self._attach_default_policy(r)
        return {"PhoneNumberArn": r.arn, **info}

    def request_sender_id(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        ident = f"{body['SenderId']}/{body['IsoCountryCode']}"
        info = {
            "SenderId": body["SenderId"],
            "IsoCountryCode": body["IsoCountryCode"],
            "MessageTypes": body.get("MessageTypes", ["TRANSACTIONAL"]),
            "MonthlyLeasingPrice": "0.00",
            "DeletionProtectionEnabled": body.get("DeletionProtectionEnabled", False),
            "Registered": False,
        }
        r = self._add(caller, "sender-id", ident, info)
        self._attach_default_policy(r)
        return {"SenderIdArn": r.arn, **info}

    def create_pool(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        identity = body["OriginationIdentity"]
        if not any(identity in (r.arn, r.id) for r in self.resources.values() if r.account == caller.account):
            raise ServiceError(
                "ResourceNotFoundException",
                f"origination identity {identity} not found",
                ResourceType="phone-number",
                ResourceId=identity,
            )
        ident = f"pool-{self.new_id()}"
        info = {
            "PoolId": ident,
            "Status": "ACTIVE",
            "MessageType": body["MessageType"],
            "TwoWayEnabled": False,
            "SelfManagedOptOutsEnabled": False,
            "OptOutListName": "Default",
            "SharedRoutesEnabled": False,
            "DeletionProtectionEnabled": body.get("DeletionProtectionEnabled", False),
            "CreatedTimestamp": time.time(),
        }
        r = self._add(caller, "pool", ident, info)
        return {"PoolArn": r.arn, **info}

    def _attach_default_policy(self, resource: Resource) -> None:
        if self.default_policy is None:
            return
        if self.default_policy not in DEFAULT_POLICIES:
            raise ValueError(f"unknown default policy {self.default_policy!r}: one of {DEFAULT_POLICIES}")
        now = time.time()
        text = sns_default_policy(resource.arn, resource.account)
        self.policies.setdefault(resource.arn, []).append(PolicyVersion(text, now, now))

    def delete(self, caller: Caller, kind: str, ident: str) -> dict[str, Any]:
        resource = self._find(caller, kind, ident)
        del self.resources[resource.arn]
        self.policies.pop(resource.arn, None)
        for share in self.ram.shares.values():  # RAM drops a deleted resource from its shares
            if resource.arn in share.resources:
                share.resources.remove(resource.arn)
        return {_ARN_KEY[kind]: resource.arn, **resource.info}

    # -- resource policies -------------------------------------------------------------------
    def put_resource_policy(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        resource = self._policy_target(caller, body["ResourceArn"])
        try:
            parsed = json.loads(body["Policy"])
        except ValueError:
            raise validation("the policy is not valid JSON", "CANNOT_PARSE") from None
        if not isinstance(parsed, dict) or "Statement" not in parsed:
            raise validation("the policy has no Statement", "CANNOT_PARSE")
        now = time.time()
        stored = equivalent_rewrite(body["Policy"]) if self.normalize_policies else body["Policy"]
        self.policies.setdefault(resource.arn, []).append(PolicyVersion(stored, now, now + self.visibility_delay_s()))
        return {"ResourceArn": resource.arn, "Policy": stored, "CreatedTimestamp": now}

    def get_resource_policy(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        resource = self._policy_target(caller, body["ResourceArn"])
        version = self.visible_policy(resource.arn)
        if version is None:
            if self.no_policy_style == "empty":
                return {"ResourceArn": resource.arn, "Policy": "{}"}
            raise ServiceError(
                "ResourceNotFoundException",
                f"no policy on {resource.arn}",
                ResourceType="policy",
                ResourceId=resource.arn,
            )
        return {"ResourceArn": resource.arn, "Policy": version.text, "CreatedTimestamp": version.created}

    def delete_resource_policy(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        resource = self._policy_target(caller, body["ResourceArn"])
        # Writes see every earlier write; only reads lag behind them.
        versions = self.policies.get(resource.arn, [])
        version = versions[-1] if versions and versions[-1].text is not None else None
        if version is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"no policy on {resource.arn}",
                ResourceType="policy",
                ResourceId=resource.arn,
            )
        now = time.time()  # like a Put, a Delete shows after the read-after-write lag
        self.policies[resource.arn].append(PolicyVersion(None, now, now + self.visibility_delay_s()))
        return {"ResourceArn": resource.arn, "Policy": version.text, "CreatedTimestamp": version.created}

    # -- describing, with Owner=SELF|SHARED -----------------------------------------------------
    def describe(self, caller: Caller, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        ids_key, list_key = _DESCRIBE[kind]
        owner = body.get("Owner")
        ids = body.get(ids_key)
        if owner and ids:
            raise validation(f"Owner cannot be used together with {ids_key}", "PARAMETERS_CANNOT_BE_USED_TOGETHER")
        if ids:
            found = [self._find(caller, kind, _ident(kind, i)) for i in ids]
        else:
            found = [
                r
                for r in self.resources.values()
                if r.type == kind and r.region == caller.region and self._visible_to(r, caller, owner or "SELF")
            ]
        found = [r for r in found if _matches(r, body.get("Filters", []))]
        found.sort(key=lambda r: r.arn)
        start = _offset(body.get("NextToken"))
        size = body.get("MaxResults", 100)
        page = found[start : start + size]
        answer: dict[str, Any] = {list_key: [{_ARN_KEY[kind]: r.arn, **r.info} for r in page]}
        if start + size < len(found):
            answer["NextToken"] = base64.b64encode(str(start + size).encode()).decode()
        return answer

    def _visible_to(self, resource: Resource, caller: Caller, owner: str) -> bool:
        if owner == "SELF":
            return resource.account == caller.account
        if resource.account == caller.account:
            return False
        if caller.account in self.ram.accounts_with_access(resource.arn):
            return True
        version = self.visible_policy(resource.arn)
        return version is not None and caller.account in _allowed_accounts(version.text or "{}")


_ARN_KEY = {
    "pool": "PoolArn",
    "phone-number": "PhoneNumberArn",
    "sender-id": "SenderIdArn",
    "opt-out-list": "OptOutListArn",
}
_DESCRIBE = {
    "pool": ("PoolIds", "Pools"),
    "phone-number": ("PhoneNumberIds", "PhoneNumbers"),
    "sender-id": ("SenderIds", "SenderIds"),
    "opt-out-list": ("OptOutListNames", "OptOutLists"),
}


def _ident(kind: str, value: Any) -> str:
    if kind == "sender-id" and isinstance(value, dict):
        return f"{value['SenderId']}/{value['IsoCountryCode']}"
    return str(value)


_FILTER_KEYS = {
    "status": "Status",
    "message-type": "MessageType",
    "two-way-enabled": "TwoWayEnabled",
    "self-managed-opt-outs-enabled": "SelfManagedOptOutsEnabled",
    "opt-out-list-name": "OptOutListName",
    "shared-routes-enabled": "SharedRoutesEnabled",
    "deletion-protection-enabled": "DeletionProtectionEnabled",
    "two-way-channel-arn": "TwoWayChannelArn",
    "iso-country-code": "IsoCountryCode",
    "number-capability": "NumberCapabilities",
    "number-type": "NumberType",
    "sender-id": "SenderId",
    "registered": "Registered",
}


def _matches(resource: Resource, filters: list[dict[str, Any]]) -> bool:
    """Every filter must match one of its values (booleans compare as 'true'/'false')."""
    for flt in filters:
        key = _FILTER_KEYS[flt["Name"]]
        value = resource.info.get(key)
        if key == "MessageType" and "MessageTypes" in resource.info:
            value = resource.info["MessageTypes"]
        values = value if isinstance(value, list) else [value]
        rendered = {str(v).lower() if isinstance(v, bool) else str(v) for v in values}
        if not rendered & set(flt["Values"]):
            return False
    return True


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.b64decode(token).decode())
    except ValueError:
        raise validation("NextToken is not one this service issued", "INVALID_NEXT_TOKEN") from None


def _allowed_accounts(policy_text: str) -> set[str]:
    try:
        policy = json.loads(policy_text)
    except ValueError:
        return set()
    accounts: set[str] = set()
    statements = policy.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal", {})
        aws = principal.get("AWS", []) if isinstance(principal, dict) else []
        for entry in aws if isinstance(aws, list) else [aws]:
            match = re.search(r"(\d{12})", str(entry))
            if match:
                accounts.add(match.group(1))
    return accounts
