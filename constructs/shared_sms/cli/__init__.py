"""The ``shared-sms`` command line (also ``python -m shared_sms``).

Exit status: 0 success (``policy diff``: in sync; ``audit``: nothing flagged), 1 drift or flags, 2 error
(``policy diff`` and ``audit``: also when one resource could not be read; the rest are still reported).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..resource_types import ALL_TYPES
from . import progress
from .assembly import POLICY_TYPE
from .aws import CliError, RegionalClients, client, explain, partition_and_region

if TYPE_CHECKING:
    from .assembly import Declared
    from .drift import Peer
    from .stacks import Located

EXIT_OK, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2
EXIT_FLAGGED = EXIT_DRIFT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shared-sms", description="Inspect shared SMS Voice V2 resources.")
    parser.add_argument(
        "--region",
        help="AWS region (default: from the environment or profile); `policy` reads each ARN in the ARN's "
        "region and takes this one only for environment-agnostic stacks",
    )
    parser.add_argument("--profile", help="AWS profile from ~/.aws/config")
    commands = parser.add_subparsers(dest="command", required=True)

    ls = commands.add_parser("ls", help="list pools, phone numbers, sender IDs and opt-out lists")
    ls.add_argument("--owner", choices=["self", "shared", "all"], default="all")
    ls.add_argument(
        "--type",
        choices=[t.name for t in ALL_TYPES],
        action="append",
        dest="types",
        help="only this type (repeatable; default: all four)",
    )
    ls.add_argument("--output", choices=["table", "json"], default="table")
    _quiet(ls)

    policy = commands.add_parser("policy", help="read or compare resource policies")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    get = policy_commands.add_parser("get", help="print the policy attached to an ARN")
    get.add_argument("arn")
    diff = policy_commands.add_parser("diff", help="compare synthesized policies with the live ones")
    diff.add_argument("--app", default="cdk.out", type=Path, help="the cloud assembly directory (default: cdk.out)")
    diff.add_argument(
        "--no-cloudformation",
        action="store_true",
        help="do not ask CloudFormation for the stacks' ids and the policies' ARNs: match statements by marker "
        "group, without knowing which stack wrote them, and skip policies whose ARN is known at deploy time only",
    )
    diff.add_argument(
        "--strict",
        action="store_true",
        help="a gate that trusts nothing it did not compare: exit 1 also when a statement this app did not "
        "write is one `audit` flags (a public or unconditioned grant added by hand), or when a policy was skipped",
    )
    _quiet(diff)

    audit = commands.add_parser("audit", help="list every grant on the resources the account owns; flag risky ones")
    audit.add_argument("--output", choices=["table", "json", "mermaid"], default="table")
    audit.add_argument(
        "--no-stack-names", action="store_true", help="show shared-sms markers as hashes: do not ask CloudFormation"
    )
    _quiet(audit)
    return parser


def _quiet(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar on stderr (it is only drawn on a terminal anyway)"
    )


def _check_arn(arn: str) -> None:
    for resource_type in ALL_TYPES:
        if resource_type.arn_regex.match(arn):
            return
    formats = "; ".join(t.arn_format for t in ALL_TYPES)
    raise CliError(f"invalid ARN {arn!r}: expected one of {formats}")


def _run(args: argparse.Namespace) -> int:
    if args.command == "policy":
        return _policy(args)
    sms = client(args.region, args.profile)
    if args.command == "ls":
        from .inventory import list_rows, render

        types = args.types or [t.name for t in ALL_TYPES]
        render(list_rows(sms, args.owner, types, progress.wanted(args.quiet)), args.output)
        return EXIT_OK
    from .audit import audit
    from .audit import render as render_grants

    stacks = None if args.no_stack_names else lambda: client(args.region, args.profile, "cloudformation")
    grants = audit(sms, stacks, warn=sys.stderr, show_progress=progress.wanted(args.quiet))
    render_grants(grants, args.output)
    if any(grant.error for grant in grants):
        return EXIT_ERROR
    return EXIT_FLAGGED if any(grant.flags for grant in grants) else EXIT_OK


def _policy(args: argparse.Namespace) -> int:
    """Each ARN is read in its own region; --region only stands in for an environment-agnostic stack's."""
    from .assembly import declared_policies
    from .audit import flags_of
    from .drift import DRIFT, ERROR, diff_one, live_policy
    from .function_modules import equivalence
    from .stacks import locate

    clients = RegionalClients(args.region, args.profile)
    if args.policy_command == "get":
        _check_arn(args.arn)
        policy = live_policy(clients.for_arn(args.arn), args.arn)
        print(json.dumps(policy, indent=2) if policy else f"no resource policy is attached to {args.arn}")
        return EXIT_OK
    status = EXIT_OK
    declared_all = declared_policies(args.app, clients.default_region)
    if args.no_cloudformation or not declared_all:
        located: list[Any] = [None] * len(declared_all)
    else:
        located = locate(declared_all, clients.cloudformation, sys.stderr)
    declared_all = [_deployed_arn(declared, where) for declared, where in zip(declared_all, located, strict=True)]
    context = _Context.of(declared_all, located)
    with progress.Progress(progress.wanted(args.quiet)) as bar:
        bar.expect(sum(1 for declared in declared_all if declared.policy is not None))
        for declared, where_deployed in zip(declared_all, located, strict=True):
            outcome = diff_one(
                clients.for_arn, declared, context.claimed, where_deployed, context.writers, context.peers(declared)
            )
            where = f"stack {declared.stack} / {declared.logical_id}"
            if declared.arn is None or declared.policy is None:
                bar.write(f"{outcome.status}: {where} ({declared.why_unresolved})\n", sys.stdout)
                if args.strict:
                    status = max(status, EXIT_DRIFT)
                continue
            bar.step()
            error = f": {outcome.error}" if outcome.error else ""
            region = partition_and_region(declared.arn)[1]
            lines = [f"{outcome.status}: {declared.arn} ({where}, region {region}){error}\n"]
            lines += [f"  note: {note}\n" for note in outcome.notes]
            lines += outcome.diff
            flagged = False
            for statement in outcome.not_ours:
                lines.append(f"  not ours: {equivalence.canonical(statement)}\n")
                flags = flags_of(declared.arn, statement)
                if flags:
                    lines.append(f"    flagged: {'; '.join(flags)}\n")
                    flagged = True
            bar.write("".join(lines), sys.stdout)
            if flagged and args.strict:
                status = max(status, EXIT_DRIFT)
            status = max(status, {DRIFT: EXIT_DRIFT, ERROR: EXIT_ERROR}.get(outcome.status, EXIT_OK))
    if not declared_all:
        print(f"no {POLICY_TYPE} in {args.app}", file=sys.stderr)
    elif all(declared.policy is None for declared in declared_all):
        # A gate that compared nothing must not pass: say why every policy was skipped.
        print(f"shared-sms: error: no policy of {args.app} could be compared (every one was skipped)", file=sys.stderr)
        return EXIT_ERROR
    return status


def _deployed_arn(declared: Declared, located: Located | None) -> Declared:
    """A policy whose ARN is known at deploy time only, resolved from CloudFormation where it can be."""
    from .assembly import with_deployed_arn

    if declared.policy is not None or located is None:
        return declared
    physical = located.physical_id(declared.logical_id)
    if located.stack is not None and physical:
        return with_deployed_arn(declared, physical, located.stack.stack_id)
    where = located.missing or f"{declared.logical_id} in stack {located.name}"
    return replace(declared, why_unresolved=f"{declared.why_unresolved}; CloudFormation has no {where}: not deployed")


@dataclass
class _Context:
    """What each row of ``policy diff`` needs of the others."""

    claimed: set[tuple[str, str]]
    """(ARN, marker group) taken: by the rows whose exact marker CloudFormation gave, then by the rows before."""
    writers: dict[str, str]
    """Marker key -> ``stack <name> / <logical id>`` for every stack CloudFormation showed."""
    by_arn: dict[str, list[Peer]]

    @classmethod
    def of(cls, declared_all: list[Declared], located: list[Located | None]) -> _Context:
        from .drift import Peer, own_keys

        claimed: set[tuple[str, str]] = set()
        writers: dict[str, str] = {}
        by_arn: dict[str, list[Peer]] = {}
        for declared, where in zip(declared_all, located, strict=True):
            if where is not None and where.stack is not None:
                writers.update(where.stack.writers())
                if declared.arn is not None:
                    claimed |= {(declared.arn, key) for key in own_keys(where.stack.stack_id, declared.logical_id)}
            if declared.arn is not None and declared.policy is not None:
                by_arn.setdefault(declared.arn, []).append(Peer(declared.stack, declared.policy))
        return cls(claimed, writers, by_arn)

    def peers(self, declared: Declared) -> list[Peer]:
        return [peer for peer in self.by_arn.get(declared.arn or "", []) if peer.stack != declared.stack]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("shared-sms: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as error:  # every failure is one line, never a traceback
        print(f"shared-sms: error: {explain(error)}", file=sys.stderr)
        return EXIT_ERROR
