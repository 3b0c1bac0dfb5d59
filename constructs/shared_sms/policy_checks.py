"""Synth-time checks of a resource policy, on the resolved (CloudFormation) JSON.

Pure functions over plain dicts so they can be tested with generated inputs.
Values that are still intrinsics (``{"Ref": ...}``, ``{"Fn::GetAtt": ...}``)
are only known at deploy time: they are skipped by the literal checks and
counted at their longest plausible length by the size check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .resource_types import SmsResourceType
from .tokens import is_intrinsic

MAX_POLICY_CHARS = 10_000
# The function stamps an ownership marker into every statement's Sid at deploy
# time (lambda/shared_sms_function/ownership.py): `"Sid":"",` plus
# SharedSms<8 hex>R<8 hex><index>; reserve room for it here.
SID_MARKER_RESERVE = 40

# Longest plausible values of intrinsics, for the size estimate.
_PSEUDO_LENGTHS = {
    "AWS::Partition": 10,
    "AWS::Region": 16,
    "AWS::AccountId": 12,
    "AWS::URLSuffix": 16,
    "AWS::StackName": 128,
}
_UNKNOWN_LENGTH = 256  # the longest ResourceArn the service accepts


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _estimate(value: Any) -> Any:
    """Replace intrinsics by placeholder strings of their longest plausible length."""
    if is_intrinsic(value):
        ((name, arg),) = value.items()
        if name == "Ref":
            return "x" * _PSEUDO_LENGTHS.get(arg, _UNKNOWN_LENGTH)
        if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            separator, parts = arg
            pieces = [_estimate(part) for part in _as_list(parts)]
            return str(separator).join(p if isinstance(p, str) else json.dumps(p) for p in pieces)
        return "x" * _UNKNOWN_LENGTH
    if isinstance(value, dict):
        return {key: _estimate(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_estimate(item) for item in value]
    return value


def estimated_policy_chars(document: dict[str, Any]) -> int:
    """Compact JSON length of the policy the function will write, at worst."""
    compact = json.dumps(_estimate(document), separators=(",", ":"), ensure_ascii=False)
    return len(compact) + SID_MARKER_RESERVE * len(_as_list(document.get("Statement")))


def _is_public(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(item == "*" for items in principal.values() for item in _as_list(items))
    return False


def check_policy(
    document: dict[str, Any],
    *,
    resource_type: SmsResourceType,
    resource_arn: Any,
    allow_public: bool,
) -> list[str]:
    """Return every problem with ``document`` as a resource policy of one resource."""
    errors: list[str] = []
    statements = _as_list(document.get("Statement"))
    if not statements:
        errors.append("the resource policy has no statements: add one, or do not create the policy")
    valid_actions = resource_type.sms_actions()
    for index, statement in enumerate(statements):
        where = f"statement {statement.get('Sid') or index}"
        errors.extend(_check_statement(statement, where, resource_type, valid_actions, resource_arn, allow_public))
    length = estimated_policy_chars(document)
    if length > MAX_POLICY_CHARS:
        errors.append(
            f"the resource policy would be about {length} characters, over the service's limit of "
            f"{MAX_POLICY_CHARS}: merge statements or share with fewer principals per resource"
        )
    return errors


def _check_statement(
    statement: dict[str, Any],
    where: str,
    resource_type: SmsResourceType,
    valid_actions: frozenset[str],
    resource_arn: Any,
    allow_public: bool,
) -> Iterable[str]:
    if "NotAction" in statement or "NotPrincipal" in statement or "NotResource" in statement:
        yield f"{where} uses NotAction, NotPrincipal or NotResource: list what is allowed explicitly instead"
    sid = statement.get("Sid")
    if isinstance(sid, str) and not sid.isalnum():
        yield f"{where}: sid {sid!r} must contain only letters and digits"
    for action in _as_list(statement.get("Action")):
        if is_intrinsic(action):
            continue
        if action not in valid_actions:
            yield (
                f"{where}: action {action!r} does not apply to a {resource_type.noun}; "
                f"use one of {', '.join(sorted(valid_actions))}"
            )
    for resource in _as_list(statement.get("Resource")):
        if isinstance(resource, str) and isinstance(resource_arn, str) and resource != resource_arn:
            yield (
                f"{where}: resource {resource!r} is not this {resource_type.noun} ({resource_arn}); "
                "a resource policy can only name the resource it is attached to"
            )
    principal = statement.get("Principal")
    if principal is None:
        yield f"{where} has no principal: a resource policy statement must name who it allows"
    elif (
        _is_public(principal)
        and statement.get("Effect", "Allow") == "Allow"
        and not statement.get("Condition")
        and not allow_public
    ):
        yield (
            f"{where} allows every AWS account (principal '*') with no condition: add a condition "
            "such as aws:PrincipalOrgID, or pass allow_public=True if that is really intended"
        )
