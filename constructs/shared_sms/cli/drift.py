"""``shared-sms policy get`` and ``policy diff``: live policies against synthesized templates.

Which live statements are "ours": the function stamps each statement it writes with
``SharedSms<8 hex of StackId>R<8 hex of StackId|LogicalId><n>``. The StackId holds a UUID that
only CloudFormation knows, so offline the CLI cannot recompute a resource's marker. It groups the
live statements by marker instead (one group per custom resource that wrote them): the declared
policy is in sync when one group equals it by meaning. The other groups (another stack, or this
stack's construct under an old id) and statements without a marker (the console, a person, RAM)
are "not ours": listed, never drift. With no equal group the policy drifted; the diff is against
the closest group, or against nothing when no group is left.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .assembly import POLICY_TYPE as POLICY_TYPE  # audit reads it here
from .assembly import Declared
from .aws import CliError, explain
from .function_modules import equivalence, ownership

_MARKER = ownership.MARKER
IN_SYNC, DRIFT, ERROR, SKIPPED = "in sync", "drift", "error", "skipped"
Statement = dict[str, Any]


def live_policy(client: Any, arn: str) -> dict[str, Any] | None:
    try:
        text = client.get_resource_policy(ResourceArn=arn).get("Policy")
    except ClientError as error:
        info = error.response
        if info.get("Error", {}).get("Code") == "ResourceNotFoundException" and info.get("ResourceType") == "policy":
            return None
        raise
    policy = json.loads(text) if text else None
    if policy is not None and not isinstance(policy, dict):
        raise ValueError(f"the policy on {arn} is not a JSON object")
    return policy or None


@dataclass(frozen=True)
class Outcome:
    status: str  # IN_SYNC, DRIFT, ERROR or SKIPPED
    diff: list[str] = field(default_factory=list)
    not_ours: list[Statement] = field(default_factory=list)
    error: str = ""


def diff_one(client_for: Any, declared: Declared, claimed: set[tuple[str, str]] | None = None) -> Outcome:
    """``client_for(arn)``: the client of the ARN's own region. ``claimed``: the (ARN, writer)
    groups earlier rows of the run took as theirs; a group is one declared policy's at most, so
    two stacks writing equal statements cannot both be in sync on one writer's statements."""
    if declared.arn is None or declared.policy is None:
        return Outcome(SKIPPED)
    try:
        live = live_policy(client_for(declared.arn), declared.arn)
    except (BotoCoreError, ClientError, CliError, ValueError) as error:  # one resource: the run goes on
        return Outcome(ERROR, error=explain(error))
    claimed = set() if claimed is None else claimed
    groups, unmarked = _by_writer(equivalence.statements_of(live))
    free = {key: group for key, group in groups.items() if (declared.arn, key) not in claimed}
    template = equivalence.statements_of(declared.policy)
    # Ours: a free group equal to the template, else the closest one (which group is ours is unknown).
    ours = next((key for key, group in free.items() if equivalence.same_statements(_unmarked(group), template)), None)
    in_sync = ours is not None and _same_version(live, declared.policy)
    if ours is None and free:
        ours = max(free, key=lambda key: _likeness(_unmarked(free[key]), template))
    if ours is not None:
        claimed.add((declared.arn, ours))
    not_ours = unmarked + [s for key, group in groups.items() if key != ours for s in group]
    if in_sync and not_ours and declared.mode in ("REPLACE", "FAIL"):
        # The next deployment removes them (REPLACE) or fails on them (FAIL): the gate must say so.
        fate = "removes them" if declared.mode == "REPLACE" else "fails on them"
        note = f"on_existing_policy={declared.mode}: the next deployment {fate}\n"
        return Outcome(DRIFT, [note], not_ours)
    if in_sync:
        return Outcome(IN_SYNC, not_ours=not_ours)
    live_ours = _unmarked(groups[ours]) if ours is not None else []
    closest = f", the closest of {len(groups)} shared-sms groups" if len(groups) > 1 else ""
    where = "live" if ours is None else f"live (marked {ownership.MARKER_PREFIX}{ours}{closest})"
    lines = difflib.unified_diff(
        _pretty(template), _pretty(live_ours), fromfile=f"template ({declared.stack})", tofile=where
    )
    return Outcome(DRIFT, list(lines), not_ours)


def _by_writer(statements: Iterable[Statement]) -> tuple[dict[str, list[Statement]], list[Statement]]:
    """Statements by the marker of the resource that wrote them; those without a marker."""
    groups: dict[str, list[Statement]] = {}
    unmarked: list[Statement] = []
    for statement in statements:
        match = _MARKER.search(str(statement.get("Sid") or ""))
        if match is None:
            unmarked.append(statement)
        else:
            groups.setdefault(match["legacy"] or f"{match['stack']}R{match['resource']}", []).append(statement)
    return groups, unmarked


def _unmarked(statements: list[Statement]) -> list[Statement]:
    """As the template states them: the function's marker removed from each Sid."""
    return [{**statement, "Sid": ownership.user_sid(statement)} for statement in statements]


def _same_version(live: Any, declared: dict[str, Any]) -> bool:
    """The function's equivalence requires the same Version (an absent one is 2008-10-17 to IAM)."""
    return (live or {}).get("Version") == declared.get("Version")


def _likeness(live: list[Statement], template: list[Statement]) -> float:
    return difflib.SequenceMatcher(None, _pretty(live), _pretty(template)).ratio()


def _pretty(statements: list[Statement]) -> list[str]:
    """The normal form, one JSON value a line: a diff shows changes of meaning, not of layout."""
    if not statements:
        return ["(no statements of a shared-sms resource)\n"]
    normal = equivalence.normalize({"Statement": statements})
    # Ordered by Sid, principal and effect before the rest: a statement whose actions changed keeps
    # its place, and the diff shows the actions, not a moved block.
    normal["Statement"].sort(key=lambda s: [equivalence.canonical(s.get(key)) for key in _ORDER])
    return [line + "\n" for line in json.dumps(normal, indent=2, sort_keys=True).splitlines()]


_ORDER = ("Sid", "Principal", "NotPrincipal", "Effect", "Resource", "NotResource", "Condition", "Action", "NotAction")
