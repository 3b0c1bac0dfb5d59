"""``shared-sms audit``: every grant in the resource policies an account owns, who wrote it, and
what needs a look.

One row per principal of each statement. Flags: a ``*`` principal allowed without a condition,
a service principal allowed without ``aws:SourceAccount`` or ``aws:SourceArn``, an action that
does not apply to the resource's type, and a statement no custom resource manages any more
(its stack lost the logical id, or the logical id manages another ARN now). Statements stamped by
the function are traced back to their stack and logical id through CloudFormation (the marker
holds hashes only).
"""

from __future__ import annotations

import fnmatch
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from ..policy_checks import not_in_reference_message, principal_flag
from ..resource_types import ALL_TYPES, SmsResourceType
from .aws import explain
from .drift import _MARKER, POLICY_TYPE, live_policy
from .inventory import LISTINGS
from .progress import Progress
from .stacks import DENIED as _DENIED
from .stacks import PERMISSIONS as STACK_PERMISSIONS
from .stacks import code as _code
from .stacks import hex_of as _hex
from .stacks import list_resources
from .stacks import reason as _reason

NOT_SHARED_SMS = "not shared-sms"
NOT_FOR_TYPE = "action-not-for-type"
# An operation of the installed botocore model that the reference table lacks: synthesis warns
# (shared-sms:action-not-in-reference); whether it applies to the type is not known.
NOT_IN_REFERENCE = "action-not-in-reference"
STALE_MARKER = "forged-or-stale-marker"
_TYPES = {t.name: t for t in ALL_TYPES}


@dataclass(frozen=True)
class Grant:
    """One principal of one statement in one resource's policy, or why that policy could not be read."""

    resource: str
    type: str
    sid: str = ""
    effect: str = ""
    principal_type: str = ""  # "*", "AWS", "Service", ...; "not AWS" etc. from a NotPrincipal
    principal: str = ""
    actions: tuple[str, ...] = ()  # "not <action>" from a NotAction
    conditions: dict[str, Any] = field(default_factory=dict)
    written_by: str = NOT_SHARED_SMS
    flags: tuple[str, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class Marker:
    """The hashes in a statement's ownership marker (``stack`` is empty in the legacy form)."""

    stack: str
    resource: str

    def unresolved(self, why: str = "") -> str:
        where = f"stack {self.stack}, resource {self.resource}" if self.stack else f"resource {self.resource}"
        return f"shared-sms ({where}{f'; {why}' if why else ''})"


@dataclass(frozen=True)
class Writer:
    """Who wrote the statements of one marker, as CloudFormation has it now."""

    label: str  # written_by
    manages: str | None = None  # the ARN the logical id manages now (its PhysicalResourceId)
    gone: bool = False  # its stack no longer has the logical id, or the stack is gone
    busy: str = ""  # the stack's status while an operation runs (its cleanup may not have run yet)

    def on(self, arn: str) -> tuple[str, bool]:
        """(written_by, orphaned) for a statement of this writer on ``arn``."""
        moved = self.manages is not None and self.manages != arn
        label = f"{self.label} (which manages {_short(self.manages)} now)" if moved and self.manages else self.label
        if not (moved or self.gone):
            return label, False
        if self.busy:  # a replacement or removal in progress: its cleanup may still remove the statement
            return f"{label} (stack {self.busy}: its cleanup may still remove it)", False
        return label, True


def audit(sms: Any, cloudformation: Callable[[], Any] | None, warn: TextIO, show_progress: bool = False) -> list[Grant]:
    """Every grant on every resource the account owns; ``cloudformation`` makes the client that names
    the stacks behind markers (None: show the hashes). Problems reading go to ``warn``, one line each.
    ``show_progress``: a bar on stderr counts the policies read."""
    found: list[tuple[Grant, Marker | None]] = []
    with Progress(show_progress) as progress:
        for listing in LISTINGS:
            for page in sms.get_paginator(listing.operation).paginate(Owner="SELF"):
                progress.expect(len(page[listing.items_key]))
                for item in page[listing.items_key]:
                    arn = item[listing.arn_key]
                    try:
                        policy = live_policy(sms, arn)
                    except (ClientError, ValueError) as error:  # denied, released meanwhile: the run goes on
                        found.append((Grant(arn, listing.type, error=explain(error)), None))
                        progress.write(f"shared-sms: error: cannot read the policy of {arn}: {explain(error)}\n", warn)
                    else:
                        found += grants_of(arn, _TYPES[listing.type], policy)
                    progress.step()
    markers = {marker for _, marker in found if marker is not None}
    names: dict[Marker, Writer] = {}
    if markers and cloudformation is not None:
        try:
            names = stack_names(cloudformation(), markers)
        except (BotoCoreError, ClientError) as error:
            hint = f": allow {STACK_PERMISSIONS} to see them" if _code(error) in _DENIED else ""
            warn.write(
                f"shared-sms: warning: stack names are missing, CloudFormation could not be read ({_reason(error)})"
                f"{hint}\n"
            )
    return [grant if marker is None else _written(grant, names.get(marker), marker) for grant, marker in found]


def _written(grant: Grant, writer: Writer | None, marker: Marker) -> Grant:
    if writer is None:
        return replace(grant, written_by=marker.unresolved())
    label, orphaned = writer.on(grant.resource)
    return replace(grant, written_by=label, flags=grant.flags + ((STALE_MARKER,) if orphaned else ()))


def grants_of(
    arn: str, resource_type: SmsResourceType, policy: dict[str, Any] | None
) -> Iterator[tuple[Grant, Marker | None]]:
    statements = (policy or {}).get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        sid = str(statement.get("Sid") or "")
        effect = str(statement.get("Effect", ""))
        conditions = statement.get("Condition") or {}
        if "NotAction" in statement:
            actions = tuple(f"not {a}" for a in _as_list(statement["NotAction"]))
            wrong = []  # what a NotAction leaves allowed is not written down to check
        else:
            actions = tuple(str(a) for a in _as_list(statement.get("Action")))
            # A Deny only narrows access: an action it names that does not apply harms nothing.
            wrong = [
                f"{NOT_IN_REFERENCE if not_in_reference_message(a, resource_type.noun) else NOT_FOR_TYPE}: {a}"
                for a in actions
                if effect == "Allow" and not _applies(a, resource_type)
            ]
        negated = "NotPrincipal" in statement
        match = _MARKER.search(sid)
        marker = Marker(match["stack"] or "", match["resource"] or match["legacy"]) if match else None
        for kind, principal in _principals(statement.get("NotPrincipal" if negated else "Principal")):
            flags = list(wrong)
            if effect == "Allow":  # a Deny narrows access whoever it names
                # The synth-time rule itself (policy_checks.principal_flag): synthesis refuses these.
                flag = principal_flag(kind, principal, conditions, negated=negated)
                if flag:
                    flags.append(flag)
            kind = f"not {kind}" if negated else kind
            grant = Grant(
                arn, resource_type.name, sid, effect, kind, principal, actions, conditions, flags=tuple(flags)
            )
            yield grant, marker


def flags_of(arn: str, statement: dict[str, Any]) -> list[str]:
    """What ``audit`` flags in one statement on ``arn`` (its marker aside): ``policy diff --strict``."""
    resource_type = next((t for t in ALL_TYPES if t.arn_regex.match(arn)), None)
    if resource_type is None:
        return []
    found = [flag for grant, _ in grants_of(arn, resource_type, {"Statement": [statement]}) for flag in grant.flags]
    return list(dict.fromkeys(found))


def stack_names(cloudformation: Any, markers: set[Marker]) -> dict[Marker, Writer]:
    """Who wrote each marker's statements ('stack <name> / <logical id>') and which ARN that
    resource manages now, from the account's stacks in this region. A marker whose stack is gone,
    or whose stack no longer has its logical id, is ``gone``: no custom resource will remove it."""
    wanted = {marker.stack for marker in markers}
    names: dict[Marker, Writer] = {}
    complete = True  # every stack was listed: a legacy marker found in none is gone
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            stack_id, stack_name = stack["StackId"], stack["StackName"]
            status = str(stack.get("StackStatus", ""))
            busy = status if status.endswith("_IN_PROGRESS") else ""
            stack_hash = _hex(stack_id, 8)
            if stack_hash not in wanted and "" not in wanted:  # a legacy marker could be from any stack
                continue
            for marker in markers:  # known stack; the resource may be gone from it since (renamed, moved)
                if marker.stack == stack_hash:
                    label = f"stack {stack_name} / a resource not in it ({marker.resource})"
                    names[marker] = Writer(label, gone=True, busy=busy)
            try:
                resources = list_resources(cloudformation, stack_id)
            except ClientError as error:  # one stack (being deleted, not readable): the others still count
                if _code(error) in _DENIED:
                    raise
                complete = False
                for marker in markers:
                    if marker.stack == stack_hash:
                        names[marker] = Writer(marker.unresolved(f"stack {stack_name}: {_reason(error)}"))
                continue
            for logical_id, (kind, physical_id) in resources.items():
                if kind != POLICY_TYPE:
                    continue
                key = f"{stack_id}|{logical_id}"
                for marker in (Marker(stack_hash, _hex(key, 8)), Marker("", _hex(key, 12))):
                    if marker in markers:
                        label = f"stack {stack_name} / {logical_id}"
                        names[marker] = Writer(label, manages=physical_id or None, busy=busy)
    unknown = "no such stack in this account and region"
    return {
        # A stack missing from a complete DescribeStacks is deleted; a legacy marker names no stack.
        marker: names.get(marker) or Writer(marker.unresolved(unknown), gone=bool(marker.stack) or complete)
        for marker in markers
    }


def render(grants: list[Grant], output: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if output == "json":
        json.dump([asdict(grant) for grant in grants], out, indent=2)
        out.write("\n")
    elif output == "mermaid":
        out.write("\n".join(mermaid(grants)) + "\n")
    else:
        _table(grants, out)


def mermaid(grants: list[Grant]) -> list[str]:
    """account -> resource -> principal as a ``graph LR`` that GitHub renders: quoted labels,
    ids r1, p1 ...; a flagged grant's edge carries a warning label and a red stroke."""
    lines = ["graph LR"]
    account = grants[0].resource.split(":")[4] if grants else "(no resource policies)"
    lines.append(f'  account["{_label("account " + account)}"]')
    resources: dict[str, str] = {}
    principals: dict[str, str] = {}
    edges, flagged, unreadable = 0, [], []
    for grant in grants:
        if grant.resource not in resources:
            node = resources[grant.resource] = f"r{len(resources) + 1}"
            text = _short(grant.resource) + (f" (policy unreadable: {grant.error})" if grant.error else "")
            lines += [f'  {node}["{_label(text)}"]', f"  account --> {node}"]
            edges += 1
        if grant.error:
            unreadable.append(resources[grant.resource])
            continue
        who = _who(grant)
        if who not in principals:
            principals[who] = f"p{len(principals) + 1}"
            lines.append(f'  {principals[who]}["{_label(who)}"]')
        text = f"{grant.effect} {', '.join(grant.actions)}"
        if grant.flags:
            text = f"⚠ {text}: {'; '.join(grant.flags)}"
            flagged.append(str(edges))
        lines.append(f'  {resources[grant.resource]} -->|"{_label(text)}"| {principals[who]}')
        edges += 1
    if flagged:
        lines.append(f"  linkStyle {','.join(flagged)} stroke:#d00,stroke-width:2px")
    if unreadable:
        lines += ["  classDef unreadable stroke:#d00,stroke-dasharray:4", f"  class {','.join(unreadable)} unreadable"]
    return lines


def _table(grants: list[Grant], out: TextIO) -> None:
    header = ("RESOURCE", "EFFECT", "PRINCIPAL", "ACTIONS", "CONDITIONS", "WRITTEN BY", "FLAGS")
    rows = [header] + [
        (
            _short(g.resource),
            g.effect,
            _who(g),
            ", ".join(g.actions),
            _conditions(g.conditions),
            g.written_by if not g.error else "",
            "; ".join(g.flags) if not g.error else f"error: {g.error}",
        )
        for g in grants
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n")
    read = [g for g in grants if not g.error]
    out.write(
        f"{len(read)} grants on {len({g.resource for g in read})} resources, "
        f"{sum(1 for g in read if g.flags)} flagged, {len(grants) - len(read)} policies unreadable\n"
    )


def _applies(action: str, resource_type: SmsResourceType) -> bool:
    """Whether the action (IAM wildcards * and ?, any case) names an action valid on the type."""
    pattern = action.lower().replace("[", "[[]")  # a bracket is a bracket in IAM
    return any(fnmatch.fnmatchcase(valid.lower(), pattern) for valid in resource_type.sms_actions())


def _principals(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [(str(kind), str(item)) for kind, items in value.items() for item in _as_list(items)]
    if value == "*":
        return [("*", "*")]
    return [("AWS" if value else "", str(value or ""))]


def _conditions(conditions: dict[str, Any]) -> str:
    return "; ".join(
        f"{operator} {key}={','.join(str(v) for v in _as_list(value))}"
        for operator, block in conditions.items()
        for key, value in (block.items() if isinstance(block, dict) else [("?", block)])
    )


def _who(grant: Grant) -> str:
    if grant.principal_type in ("*", ""):
        return grant.principal
    return f"{grant.principal_type}:{grant.principal}"


def _short(arn: str) -> str:
    """pool/pool-..., phone-number/phone-...: the account and region are the same on every row."""
    return arn.split(":", 5)[-1]


def _label(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for what would end or break it)."""
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("|", "#124;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
