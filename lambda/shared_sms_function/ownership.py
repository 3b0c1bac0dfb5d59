"""How a policy written by this function is recognized as its own.

The rule: every statement the function writes gets a Sid ending in
``SharedSms<12 hex><n>``, where the 12 hex digits are the start of
SHA-256("<StackId>|<LogicalResourceId>") and n is the statement's index.
A policy is *owned* by a custom resource when at least one of its statements
carries that resource's marker. So:

- Delete removes the policy only when it is owned: a policy another stack has
  since written with REPLACE carries that stack's marker, not ours, and stays;
- a hand-edited policy that kept one of our statements is still ours and is
  deleted with the stack;
- a policy whose Sids were all rewritten by hand is treated as foreign and left
  in place, with a warning in the function's log.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

MARKER_PREFIX = "SharedSms"
MARKER_HEX = 12


def canonical(policy: dict[str, Any]) -> str:
    """Compact JSON with sorted keys: equal for policies that differ only in layout."""
    return json.dumps(policy, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(policy: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(policy).encode()).hexdigest()


@dataclass(frozen=True)
class Owner:
    """The custom resource (stack + logical id) on whose behalf a policy is written."""

    marker: str

    @classmethod
    def of(cls, stack_id: str, logical_resource_id: str) -> Owner:
        digest = hashlib.sha256(f"{stack_id}|{logical_resource_id}".encode()).hexdigest()
        return cls(marker=f"{MARKER_PREFIX}{digest[:MARKER_HEX]}")

    def stamp(self, policy: dict[str, Any]) -> dict[str, Any]:
        """The policy with this owner's marker in every statement's Sid."""
        stamped = copy.deepcopy(policy)
        for index, statement in enumerate(stamped["Statement"]):
            base = _ANY_MARKER.sub("", str(statement.get("Sid") or ""))
            statement["Sid"] = f"{base}{self.marker}{index}"
        return stamped

    def owns(self, policy: dict[str, Any]) -> bool:
        statements = policy.get("Statement")
        if isinstance(statements, dict):
            statements = [statements]
        if not isinstance(statements, list):
            return False
        own = re.compile(re.escape(self.marker) + r"\d+$")
        return any(isinstance(s, dict) and own.search(str(s.get("Sid") or "")) for s in statements)


_ANY_MARKER = re.compile(MARKER_PREFIX + f"[0-9a-f]{{{MARKER_HEX}}}\\d+$")
