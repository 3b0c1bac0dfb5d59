"""``shared-sms policy get`` and ``policy diff``: live policies against synthesized templates."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from .aws import CliError

POLICY_TYPE = "Custom::SmsResourcePolicy"
# The function stamps statement Sids with SharedSms<8 hex>R<8 hex><index> (earlier SharedSms<12 hex><index>).
# A copy of lambda/shared_sms_function/ownership.py's MARKER (the CLI cannot import the function's
# asset); tests/cli/test_cli.py keeps the two equal.
_MARKER = re.compile(
    r"SharedSms(?:(?P<stack>[0-9a-f]{8})R(?P<resource>[0-9a-f]{8})|(?P<legacy>[0-9a-f]{12}))(?P<index>\d+)$"
)


def live_policy(client: Any, arn: str) -> dict[str, Any] | None:
    try:
        text = client.get_resource_policy(ResourceArn=arn).get("Policy")
    except ClientError as error:
        info = error.response
        if info.get("Error", {}).get("Code") == "ResourceNotFoundException" and info.get("ResourceType") == "policy":
            return None
        raise
    policy = json.loads(text) if text else None
    return policy or None


def without_markers(policy: dict[str, Any]) -> dict[str, Any]:
    """The policy as the template states it: ownership markers removed from Sids."""
    statements = []
    for statement in policy.get("Statement", []):
        statement = dict(statement)
        sid = _MARKER.sub("", str(statement.get("Sid", "")))
        if sid:
            statement["Sid"] = sid
        else:
            statement.pop("Sid", None)
        statements.append(statement)
    return {**policy, "Statement": statements}


def pretty(policy: dict[str, Any] | None) -> list[str]:
    if policy is None:
        return ["(no policy)\n"]
    return [line + "\n" for line in json.dumps(policy, indent=2, sort_keys=True).splitlines()]


@dataclass(frozen=True)
class Declared:
    stack: str
    logical_id: str
    arn: str | None
    policy: dict[str, Any] | None
    why_unresolved: str = ""


class _UnresolvableError(Exception):
    pass


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _resolve(value: Any, pseudo: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_resolve(item, pseudo) for item in value]
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        if name == "Ref" and arg in pseudo:
            return pseudo[arg]
        if name == "Fn::Join":
            separator, parts = arg
            return separator.join(str(_resolve(part, pseudo)) for part in parts)
        raise _UnresolvableError(f"{name} {json.dumps(arg)[:60]}")
    if isinstance(value, dict):
        return {key: _resolve(item, pseudo) for key, item in value.items()}
    return value


def declared_policies(app_dir: Path) -> list[Declared]:
    """Every Custom::SmsResourcePolicy in a cloud assembly, resolved where the template allows."""
    manifest_file = app_dir / "manifest.json"
    if not manifest_file.is_file():
        raise CliError(f"{app_dir} is not a cloud assembly (no manifest.json): run `cdk synth` first or pass --app")
    manifest = json.loads(manifest_file.read_text())
    found: list[Declared] = []
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        account, region = artifact.get("environment", "aws://unknown/unknown")[len("aws://") :].split("/")
        pseudo = {"AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": _partition(region)}
        pseudo = {k: v for k, v in pseudo.items() if "unknown" not in v}
        template = json.loads((app_dir / artifact["properties"]["templateFile"]).read_text())
        for logical_id, resource in template.get("Resources", {}).items():
            if resource.get("Type") != POLICY_TYPE:
                continue
            props = resource.get("Properties", {})
            try:
                arn = _resolve(props.get("ResourceArn"), pseudo)
                policy = json.loads(_resolve(props.get("Policy"), pseudo))
            except _UnresolvableError as unknown:
                found.append(Declared(name, logical_id, None, None, f"depends on a deploy-time value ({unknown})"))
                continue
            found.append(Declared(name, logical_id, arn, policy))
    return found


def diff_one(client: Any, declared: Declared) -> tuple[str, list[str]]:
    """('in sync' | 'drift' | 'skipped', diff lines) for one declared policy."""
    if declared.arn is None or declared.policy is None:
        return "skipped", []
    live = live_policy(client, declared.arn)
    live_view = without_markers(live) if live is not None else None
    if live_view is not None and json.dumps(live_view, sort_keys=True) == json.dumps(declared.policy, sort_keys=True):
        return "in sync", []
    lines = list(
        difflib.unified_diff(
            pretty(declared.policy), pretty(live_view), fromfile=f"template ({declared.stack})", tofile="live"
        )
    )
    return "drift", lines
