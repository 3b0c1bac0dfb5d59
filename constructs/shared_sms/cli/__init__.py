"""The ``shared-sms`` command line (also ``python -m shared_sms``).

Exit status: 0 success (``policy diff``: in sync; ``audit``: nothing flagged), 1 drift or flags, 2 error
(``policy diff`` and ``audit``: also when one resource could not be read; the rest are still reported).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..resource_types import ALL_TYPES
from . import progress
from .assembly import POLICY_TYPE
from .aws import CliError, RegionalClients, client, explain, partition_and_region

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
    from .drift import DRIFT, ERROR, diff_one, live_policy
    from .function_modules import equivalence

    clients = RegionalClients(args.region, args.profile)
    if args.policy_command == "get":
        _check_arn(args.arn)
        policy = live_policy(clients.for_arn(args.arn), args.arn)
        print(json.dumps(policy, indent=2) if policy else f"no resource policy is attached to {args.arn}")
        return EXIT_OK
    status = EXIT_OK
    declared_all = declared_policies(args.app, clients.default_region)
    claimed: set[tuple[str, str]] = set()
    with progress.Progress(progress.wanted(args.quiet)) as bar:
        bar.expect(sum(1 for declared in declared_all if declared.arn is not None))
        for declared in declared_all:
            outcome = diff_one(clients.for_arn, declared, claimed)
            where = f"stack {declared.stack} / {declared.logical_id}"
            if declared.arn is None:
                bar.write(f"{outcome.status}: {where} ({declared.why_unresolved})\n", sys.stdout)
                continue
            bar.step()
            error = f": {outcome.error}" if outcome.error else ""
            region = partition_and_region(declared.arn)[1]
            lines = [f"{outcome.status}: {declared.arn} ({where}, region {region}){error}\n", *outcome.diff]
            lines += [f"  not ours: {equivalence.canonical(statement)}\n" for statement in outcome.not_ours]
            bar.write("".join(lines), sys.stdout)
            status = max(status, {DRIFT: EXIT_DRIFT, ERROR: EXIT_ERROR}.get(outcome.status, EXIT_OK))
    if not declared_all:
        print(f"no {POLICY_TYPE} in {args.app}", file=sys.stderr)
    elif all(declared.arn is None for declared in declared_all):
        # A gate that compared nothing must not pass: say why every policy was skipped.
        print(f"shared-sms: error: no policy of {args.app} could be compared (every one was skipped)", file=sys.stderr)
        return EXIT_ERROR
    return status


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
