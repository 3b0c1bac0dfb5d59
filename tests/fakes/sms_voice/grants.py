"""What a resource policy grants another account: with RAM, the only way across accounts.

IAM's evaluation, as far as cross-account calls need it: an ``Allow`` statement whose principal
covers the account (its id, an ARN in it, or ``*``) and whose ``Action`` matches (wildcards,
case-insensitive), unless a ``Deny`` statement matches too. Not modelled: conditions (a statement
with one counts as if it held), ``NotAction``/``NotPrincipal`` (such statements grant nothing),
and the caller's own identity policies (every emulated caller may do everything in its account).
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any


def shared_with(policy_text: str, account: str) -> bool:
    """Whether any Allow statement names ``account``: what lists a resource with Owner="SHARED"."""
    return any(_covers(s, "Principal", account) for s in _statements(policy_text, "Allow"))


def grants(policy_text: str, account: str, action: str) -> bool:
    """Whether the policy lets ``account`` call ``action`` (``sms-voice:DescribePools``) on its resource."""

    def matches(statement: dict[str, Any]) -> bool:
        patterns = statement.get("Action", [])
        patterns = patterns if isinstance(patterns, list) else [patterns]
        return _covers(statement, "Principal", account) and any(
            fnmatchcase(action.lower(), str(p).lower()) for p in patterns
        )

    denied = any(matches(s) for s in _statements(policy_text, "Deny"))
    return not denied and any(matches(s) for s in _statements(policy_text, "Allow"))


def _statements(policy_text: str, effect: str) -> list[dict[str, Any]]:
    try:
        policy = json.loads(policy_text)
    except ValueError:
        return []
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    statements = statements if isinstance(statements, list) else [statements]
    return [s for s in statements if isinstance(s, dict) and s.get("Effect") == effect]


def _covers(statement: dict[str, Any], key: str, account: str) -> bool:
    principal = statement.get(key)
    if principal == "*":
        return True
    entries = principal.get("AWS", []) if isinstance(principal, dict) else []
    for entry in entries if isinstance(entries, list) else [entries]:
        if entry == "*" or re.fullmatch(rf"(arn:aws[a-z-]*:iam::)?{account}(:.*)?", str(entry)):
            return True
    return False
