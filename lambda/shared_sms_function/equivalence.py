"""Policies compared by meaning, as Terraform's ``awspolicyequivalence`` does (README,
"Equivalence"): equivalent policies have equal normal forms. Statements may be one object
or a list, in any order; Action/NotAction/Resource/NotResource, principal and condition
values are sets (one element equals a plain string); an account id equals its ``:root``
ARN; condition values compare as strings; Effect ignores case; Version, Id, Sid must match.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

SET_KEYS = ("Action", "NotAction", "Resource", "NotResource")
PRINCIPAL_KEYS = ("Principal", "NotPrincipal")
_ROOT_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):root$")


def canonical(value: Any) -> str:
    """Compact JSON with sorted keys."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def statements_of(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The statements of a policy, whether ``Statement`` is a list or a single object."""
    if not policy:
        return []
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return []
    return [s for s in statements if isinstance(s, dict)]


def normalize_statement(statement: dict[str, Any]) -> dict[str, Any]:
    normal: dict[str, Any] = {}
    for key, value in statement.items():
        if key in SET_KEYS:
            values = _string_set(value)
            if values:
                normal[key] = values
        elif key in PRINCIPAL_KEYS:
            normal[key] = _principal(value)
        elif key == "Condition" and isinstance(value, dict):
            condition = {
                operator: {k: _string_set(v) for k, v in block.items()} if isinstance(block, dict) else block
                for operator, block in value.items()
            }
            if condition:
                normal[key] = condition
        elif key == "Effect" and isinstance(value, str):
            normal[key] = value.capitalize()
        elif key == "Sid" and value in ("", None):
            continue
        else:
            normal[key] = value
    return normal


def normalize(policy: dict[str, Any] | None) -> dict[str, Any]:
    """The normal form: equal for equivalent policies (``{}`` for no policy)."""
    if not policy:
        return {}
    normal = {k: v for k, v in policy.items() if k != "Statement"}
    statements = [normalize_statement(s) for s in statements_of(policy)]
    normal["Statement"] = sorted(statements, key=canonical)
    return normal


def equivalent(first: dict[str, Any] | None, second: dict[str, Any] | None) -> bool:
    return normalize(first) == normalize(second)


def same_statements(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> bool:
    """Whether two lists hold the same statements by meaning, in any order."""
    return sorted(map(canonical, map(normalize_statement, first))) == sorted(
        map(canonical, map(normalize_statement, second))
    )


def sha256_of(policy: dict[str, Any]) -> str:
    """SHA-256 of the normal form: the same whatever layout the service returns."""
    return hashlib.sha256(canonical(normalize(policy)).encode()).hexdigest()


def _string_set(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return sorted({_as_string(v) for v in values if v is not None})


def _as_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return canonical(value)


def _principal(value: Any) -> Any:
    if not isinstance(value, dict):
        return value  # "*" stays "*"
    normal = {}
    for kind, members in value.items():
        accounts = {_account_of(m) if kind == "AWS" else m for m in _string_set(members)}
        if accounts:
            normal[kind] = sorted(accounts)
    return normal


def _account_of(principal: str) -> str:
    """An account's root ARN and its bare id are one principal."""
    match = _ROOT_ARN.match(principal)
    return match.group(1) if match else principal
