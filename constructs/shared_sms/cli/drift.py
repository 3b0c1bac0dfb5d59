"""``shared-sms policy get`` and ``policy diff``: live policies against synthesized templates.

Which live statements are "ours": the function stamps each statement it writes with
``SharedSms<8 hex of StackId>R<8 hex of StackId|LogicalId><n>``. The StackId holds a UUID that
only CloudFormation knows. When CloudFormation can be read (stacks.py), the CLI computes each
policy's exact marker: the policy is in sync when the statements with that marker equal the
template by meaning, and a drift is diffed against them. Without CloudFormation it groups the
live statements by marker instead (one group per custom resource that wrote them): the policy is
in sync when a group no other row took equals it, and which stack wrote that group is not known,
so a row never says the statements are its own stack's. Either way the other statements (another
stack's, this stack's construct under an old id, and those without a marker: the console, a
person, RAM) are "not ours": listed, never drift.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .assembly import POLICY_TYPE as POLICY_TYPE  # audit reads it here
from .assembly import Declared
from .aws import CliError, explain
from .function_modules import equivalence, ownership
from .stacks import PERMISSIONS, Located

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
    notes: list[str] = field(default_factory=list)  # one line each: what the status alone does not say


@dataclass(frozen=True)
class Peer:
    """Another declared policy on the same ARN: its stack's display name and its policy."""

    stack: str
    policy: dict[str, Any]


def diff_one(
    client_for: Any,
    declared: Declared,
    claimed: set[tuple[str, str]] | None = None,
    located: Located | None = None,
    writers: dict[str, str] | None = None,
    peers: Sequence[Peer] = (),
) -> Outcome:
    """``client_for(arn)``: the client of the ARN's own region. ``located``: the policy's stack as
    CloudFormation has it (its marker is then exact); None: not known, and the statements are
    matched by marker group: ``claimed`` holds the (ARN, group) pairs earlier rows of the run took
    (a group is one declared policy's at most, so two stacks writing equal statements cannot both
    be in sync on one writer's statements) and ``peers`` the other declared policies on this ARN.
    ``writers``: marker key -> ``stack <name> / <logical id>`` of the stacks CloudFormation showed."""
    if declared.arn is None or declared.policy is None:
        return Outcome(SKIPPED)
    try:
        live = live_policy(client_for(declared.arn), declared.arn)
    except (BotoCoreError, ClientError, CliError, ValueError) as error:  # one resource: the run goes on
        return Outcome(ERROR, error=explain(error))
    groups, unmarked = _by_writer(equivalence.statements_of(live))
    template = equivalence.statements_of(declared.policy)
    if located is not None:
        return _exact(declared, live, groups, unmarked, template, located, writers or {})
    return _by_group(declared, live, groups, unmarked, template, set() if claimed is None else claimed, peers)


def own_keys(stack_id: str, logical_id: str) -> set[str]:
    """The marker keys (as ``_by_writer`` groups them) of the statements a policy of this stack and
    logical id writes: the current form and the legacy one, which the function still counts as its own."""
    owner = ownership.Owner.of(stack_id, logical_id)
    return {f"{owner.stack}R{owner.resource}", owner.legacy}


def _exact(
    declared: Declared,
    live: dict[str, Any] | None,
    groups: dict[str, list[Statement]],
    unmarked: list[Statement],
    template: list[Statement],
    located: Located,
    writers: dict[str, str],
) -> Outcome:
    """The policy's own statements are those with its exact marker (CloudFormation told the StackId)."""
    assert declared.arn is not None and declared.policy is not None
    stack, notes = located.stack, []
    if stack is None:
        mine_keys: set[str] = set()
        notes.append(
            f"CloudFormation has no {located.missing} in {located.region}: not deployed, "
            "so no statement here is this policy's"
        )
    else:
        mine_keys = own_keys(stack.stack_id, declared.logical_id)
        physical = stack.physical_id(declared.logical_id)
        if not physical:
            notes.append(f"stack {located.name} has no {declared.logical_id} yet: not deployed")
        elif physical != declared.arn:
            notes.append(f"{declared.logical_id} manages {physical} now: this ARN is not deployed yet")
        if stack.in_progress:
            notes.append(f"stack {located.name} is {stack.status}: compare again when it is done")
    mine = [statement for key, group in groups.items() if key in mine_keys for statement in group]
    not_ours = unmarked + [s for key, group in groups.items() if key not in mine_keys for s in group]
    in_sync = equivalence.same_statements(_unmarked(mine), template) and _same_version(live, declared.policy)
    if stack is not None and in_sync:
        # Statements of this stack's other logical ids are kept in every mode: not foreign.
        foreign = unmarked + [
            s for key, group in groups.items() if key not in mine_keys and _stack_of(key) != stack.hash for s in group
        ]
        return Outcome(IN_SYNC, not_ours=not_ours, notes=notes + _mode_note(declared.mode, len(foreign)))
    for key, group in groups.items():
        if key not in mine_keys and equivalence.same_statements(_unmarked(group), template):
            writer = writers.get(key) or f"marked {ownership.MARKER_PREFIX}{key}"
            notes.append(f"equal statements are live, written by {writer}: another writer's, not this policy's")
    marker = f"live (marked {ownership.Owner.of(stack.stack_id, declared.logical_id).marker})" if stack else "live"
    lines = difflib.unified_diff(
        _pretty(template), _pretty(_unmarked(mine)), fromfile=f"template ({declared.stack})", tofile=marker
    )
    return Outcome(DRIFT, list(lines), not_ours, notes=notes)


def _by_group(
    declared: Declared,
    live: dict[str, Any] | None,
    groups: dict[str, list[Statement]],
    unmarked: list[Statement],
    template: list[Statement],
    claimed: set[tuple[str, str]],
    peers: Sequence[Peer],
) -> Outcome:
    """Without CloudFormation: a group no earlier row took that equals the template; which stack
    wrote it is not known."""
    assert declared.arn is not None and declared.policy is not None

    def equal(group: list[Statement]) -> bool:
        return equivalence.same_statements(_unmarked(group), template)

    free = {key: group for key, group in groups.items() if (declared.arn, key) not in claimed}
    taken = [key for key, group in groups.items() if key not in free and equal(group)]
    rivals = sorted(
        {
            p.stack
            for p in peers
            if p.stack != declared.stack and equivalence.same_statements(equivalence.statements_of(p.policy), template)
        }
    )
    # Ours: a free group equal to the template, else the closest one (which group is ours is unknown).
    ours = next((key for key, group in free.items() if equal(group)), None)
    in_sync = ours is not None and _same_version(live, declared.policy)
    if ours is None and free:
        ours = max(free, key=lambda key: _likeness(_unmarked(free[key]), template))
    if ours is not None:
        claimed.add((declared.arn, ours))
    not_ours = unmarked + [s for key, group in groups.items() if key != ours for s in group]
    notes = []
    if in_sync:
        assert ours is not None
        copies = sum(1 for group in groups.values() if equal(group))
        if rivals and copies < 1 + len(rivals):
            notes.append(
                f"{_names(rivals)} declare{'s' if len(rivals) == 1 else ''} equal statements and fewer copies are "
                f"live: without CloudFormation, whether those marked {ownership.MARKER_PREFIX}{ours} are this "
                f"stack's is not known ({_READ})"
            )
        # If the group is this stack's, groups with the same stack part are this stack's other logical
        # ids: kept in every mode, not foreign (a legacy marker has no stack part: all others are).
        own_stack = _stack_of(ours)
        foreign = unmarked + [
            s
            for key, group in groups.items()
            if key != ours and (not own_stack or _stack_of(key) != own_stack)
            for s in group
        ]
        return Outcome(IN_SYNC, not_ours=not_ours, notes=notes + _mode_note(declared.mode, len(foreign)))
    if taken:
        copies = sum(1 for group in groups.values() if equal(group))
        counted = (
            f"count for the row of {_names(rivals)}; {copies} cop{'y is' if copies == 1 else 'ies are'} live for "
            f"{1 + len(rivals)} stacks declaring them, so one lacks its statements, and only CloudFormation tells "
            f"which ({_READ})"
            if rivals
            else "are another row's"
        )
        notes.append(
            f"in sync with another stack's statements: those marked {ownership.MARKER_PREFIX}{taken[0]} equal this "
            f"template but {counted}"
        )
    live_ours = _unmarked(groups[ours]) if ours is not None else []
    closest = f", the closest of {len(groups)} shared-sms groups" if len(groups) > 1 else ""
    where = "live" if ours is None else f"live (marked {ownership.MARKER_PREFIX}{ours}{closest})"
    lines = difflib.unified_diff(
        _pretty(template), _pretty(live_ours), fromfile=f"template ({declared.stack})", tofile=where
    )
    return Outcome(DRIFT, list(lines), not_ours, notes=notes)


def _mode_note(mode: str, foreign: int) -> list[str]:
    """FAIL and REPLACE act on statements others wrote only when an event comes, and an unchanged
    policy gets none: they are no drift, but the next change will meet them."""
    if mode not in ("FAIL", "REPLACE") or not foreign:
        return []
    count = f"{foreign} statement{'s' if foreign != 1 else ''} this stack did not write"
    fate = "that changes its statements fails on them" if mode == "FAIL" else "that changes this policy removes them"
    return [
        f"on_existing_policy={mode}: {count}; no deployment acts on them while this policy is unchanged "
        f"(it gets no event), and the next deployment {fate}"
    ]


_READ = f"CloudFormation is read with {PERMISSIONS}"


def _stack_of(key: str) -> str:
    """The stack part of a marker key ("" for the legacy form, which has none)."""
    return key.split("R", 1)[0] if "R" in key else ""


def _names(stacks: list[str]) -> str:
    return "stack " + ", ".join(stacks) if len(stacks) == 1 else "stacks " + ", ".join(stacks)


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
