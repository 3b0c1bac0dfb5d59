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


def diff_one(client_for: Any, declared: Declared) -> Outcome:
    """``client_for(arn)``: the client of the ARN's own region."""
    if declared.arn is None or declared.policy is None:
        return Outcome(SKIPPED)
    try:
        live = live_policy(client_for(declared.arn), declared.arn)
    except (BotoCoreError, ClientError, CliError, ValueError) as error:  # one resource: the run goes on
        return Outcome(ERROR, error=explain(error))
    groups, unmarked = _by_writer(equivalence.statements_of(live))
    template = equivalence.statements_of(declared.policy)
    # Ours: a group equal to the template, else the closest one (which group is ours is unknown).
    ours = next((key for key, group in groups.items() if equivalence.same_statements(_unmarked(group), template)), None)
    in_sync = ours is not None
    if ours is None and groups:
        ours = max(groups, key=lambda key: _likeness(_unmarked(groups[key]), template))
    not_ours = unmarked + [s for key, group in groups.items() if key != ours for s in group]
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
