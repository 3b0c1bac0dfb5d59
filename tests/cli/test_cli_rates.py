"""The command line at the request rates AWS documents (1 request per second per operation, account
and Region: tests/fakes/sms_voice/rates.py) while another caller takes half of each operation's rate:
``ls``, ``policy get``, ``policy diff`` and ``audit`` must get every answer through the throttling,
with no error row. Each estate is set up at no rate; each request at the rate costs about two
seconds, so the estates stay small, and botocore's retry quota shrinks with them (``RETRY_QUOTA``):
what runs dry over hundreds of resources runs dry over a dozen.

And the progress bar: drawn on stderr only, only on a terminal, never with ``--quiet``.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared_sms.cli import main
from tests.cli.test_policy_diff import stack_records, template_policies
from tests.conftest import CONSUMER, OWNER, REGION, access_key_for, new_phone_number, share
from tests.fakes.cloudformation import CloudFormationEmulator

ESTATE = 12
"""Owned resources with a policy: a third phone numbers, the rest opt-out lists."""
OPT_OUT_LISTS = [f"list-{index:02d}" for index in range(ESTATE) if index % 3]
ROW = ("in sync: ", "drift: ", "error: ", "skipped: ")


def _opt_out_list_arn(name: str) -> str:
    return f"arn:aws:sms-voice:{REGION}:{OWNER}:opt-out-list/{name}"


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An app whose stack shares each opt-out list of the estate with the consumer."""
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    from shared_sms import OptOutList

    outdir = tmp_path_factory.mktemp("rates")
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Lists", env=cdk.Environment(account=OWNER, region=REGION))
    for name in OPT_OUT_LISTS:
        arn = _opt_out_list_arn(name)
        OptOutList.from_opt_out_list_arn(stack, name, arn).share_with(iam.AccountPrincipal(CONSUMER))
    app.synth()
    return outdir


@pytest.fixture()
def cfn() -> Iterator[CloudFormationEmulator]:
    with CloudFormationEmulator(lambda: []) as server:
        yield server


@pytest.fixture()
def estate(
    emulator: Any, owner_client: Any, assembly: Path, monkeypatch: pytest.MonkeyPatch, cfn: CloudFormationEmulator
) -> list[str]:
    """The owner's resources, each with a policy: the opt-out lists with the statements a deployment
    of ``assembly`` left (in sync, and its stack in CloudFormation), the numbers shared by hand. The
    CLI's environment acts as the owner, with no AWS_MAX_ATTEMPTS: the CLI's own retry settings are
    under test."""
    arns = []
    for index in range(ESTATE):
        if index % 3:
            arns.append(owner_client.create_opt_out_list(OptOutListName=f"list-{index:02d}")["OptOutListArn"])
        else:
            arns.append(new_phone_number(owner_client))
            share(owner_client, arns[-1])
    deployed = template_policies(assembly)
    assert set(deployed) == {_opt_out_list_arn(name) for name in OPT_OUT_LISTS}
    for policy in deployed.values():
        statements = {"Version": "2012-10-17", "Statement": policy.stamped()}
        owner_client.put_resource_policy(ResourceArn=policy.arn, Policy=json.dumps(statements))
    records = stack_records(deployed.values())
    cfn.stacks = lambda: records
    for name, value in {
        "AWS_ACCESS_KEY_ID": access_key_for(OWNER),
        "AWS_SECRET_ACCESS_KEY": "emulated",
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": emulator.url,
        "AWS_ENDPOINT_URL_CLOUDFORMATION": cfn.url,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    return arns


RETRY_QUOTA = 500 * ESTATE // 150
"""botocore's retry quota, scaled to the estate. Each client has 500; a retry after a throttle
takes 5 and a call that needed no retry gives 1 back (a call retried into success gives its last
5 back). Over a long run a client whose calls need two or more retries each runs dry, and from
then on every throttled call is an error: at these rates the standard retries did so after about
35 of 150 resources (measured, audit over 150: 96 error rows with 5 or with 10 attempts). The
estate stands for those 150 resources with 12/150 of the quota, so that a test of a few dozen
seconds shows what a run of minutes does."""


def _at_documented_rates(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS's rate for every operation (1/s, one token of burst), half of it taken by another
    caller; the retry quota of a long run (``RETRY_QUOTA``)."""
    from botocore.retries import quota, standard

    assert standard.quota is quota  # where botocore makes each client's quota
    monkeypatch.setattr(quota, "RetryQuota", functools.partial(quota.RetryQuota, RETRY_QUOTA))
    emulator.rates.reset()
    emulator.rates.at(1, background_rps=0.5)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


# -- at the documented rates -----------------------------------------------------------------------


def test_ls_reads_every_policy_at_the_documented_rates(
    emulator: Any, estate: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _at_documented_rates(emulator, monkeypatch)

    status, out, err = _run(capsys, "ls", "--owner", "self", "--output", "json")

    assert (status, err) == (0, "")
    rows = json.loads(out)
    assert sorted(row["arn"] for row in rows) == sorted(estate)
    assert {row["policy"] for row in rows} == {"attached"}
    assert emulator.throttled > 0, "the rates were never reached: this test proves nothing"


def test_policy_get_on_each_resource_at_the_documented_rates(
    emulator: Any, estate: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _at_documented_rates(emulator, monkeypatch)

    # One run each, as a script calling the CLI in a loop: a new client, and a new quota, each time.
    for arn in estate:
        status, out, err = _run(capsys, "policy", "get", arn)
        assert (status, err) == (0, ""), arn
        assert arn in {statement["Resource"] for statement in json.loads(out)["Statement"]}

    assert emulator.throttled > 0


def test_audit_reads_every_policy_at_the_documented_rates(
    emulator: Any, estate: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _at_documented_rates(emulator, monkeypatch)

    status, out, err = _run(capsys, "audit", "--output", "json", "--no-stack-names")

    assert err == ""
    rows = json.loads(out)
    assert [row for row in rows if row["error"]] == []
    assert {row["resource"] for row in rows} == set(estate)
    assert status == 0  # nothing flagged, nothing unreadable
    assert emulator.throttled > 0


def test_policy_diff_compares_every_policy_at_the_documented_rates(
    emulator: Any,
    estate: list[str],
    assembly: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _at_documented_rates(emulator, monkeypatch)

    status, out, err = _run(capsys, "policy", "diff", "--app", str(assembly))

    assert err == ""
    rows = [line for line in out.splitlines() if line.startswith(ROW)]
    assert rows == [line for line in rows if line.startswith("in sync: ")] and len(rows) == len(OPT_OUT_LISTS), out
    assert status == 0
    assert emulator.throttled > 0


# -- the progress bar ------------------------------------------------------------------------------


def _commands(assembly: Path) -> list[list[str]]:
    """The commands that read many policies, each with output a program parses."""
    return [
        ["ls", "--owner", "self", "--output", "json"],
        ["audit", "--output", "json", "--no-stack-names"],
        ["policy", "diff", "--app", str(assembly)],
    ]


def _parseable(command: list[str], out: str) -> None:
    """stdout holds the command's output and nothing else."""
    if command[0] == "policy":
        lines = out.splitlines()
        assert lines and all(line.startswith("in sync: ") for line in lines), out
    else:
        assert len(json.loads(out)) >= ESTATE


def test_no_progress_is_drawn_without_a_terminal_or_with_quiet(
    estate: list[str], assembly: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for command in _commands(assembly):
        assert not sys.stderr.isatty()  # pytest's capture
        status, out, err = _run(capsys, *command)
        assert (status, err) == (0, ""), command
        _parseable(command, out)

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    for command in _commands(assembly):
        for quiet in ("--quiet", "-q"):
            status, out, err = _run(capsys, *command, quiet)
            assert (status, err) == (0, ""), command
            _parseable(command, out)


def test_on_a_terminal_the_bar_is_drawn_on_stderr_and_stdout_stays_parseable(
    estate: list[str], assembly: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    for command in _commands(assembly):
        status, out, err = _run(capsys, *command)

        assert status == 0, err
        _parseable(command, out)
        assert "reading policies" in err and "reading policies" not in out, command
        total = len(OPT_OUT_LISTS) if command[0] == "policy" else ESTATE
        assert f"/{total} [" in err, err  # a bar counting to every policy known
        assert err.endswith("\r") and "\n" not in err, "the bar is cleared: the next line starts clean"
