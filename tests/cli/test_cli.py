"""The shared-sms command line against the emulator with two accounts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from shared_sms import PhoneNumber
from shared_sms.cli import main
from shared_sms.cli.assembly import declared_policies
from shared_sms.cli.drift import _MARKER
from tests.conftest import CONSUMER, OWNER, REGION, access_key_for, new_phone_number, share
from tests.fakes.cloudformation import CloudFormationEmulator
from tests.harness.cloudformation import STACK_ID, CustomResource


def _as(monkeypatch: pytest.MonkeyPatch, emulator: Any, account: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key_for(account))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulated")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", emulator.url)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture()
def shared_estate(owner_client: Any, phone_number_arn: str, opt_out_list_arn: str) -> set[str]:
    """The owner shares a pool, a number and an opt-out list; a second number stays private."""
    # IsoCountryCode: required by the floor's botocore (tests/versions), optional in newer ones.
    pool = owner_client.create_pool(
        OriginationIdentity=phone_number_arn, IsoCountryCode="US", MessageType="TRANSACTIONAL"
    )["PoolArn"]
    new_phone_number(owner_client)  # stays private
    for arn in (pool, phone_number_arn, opt_out_list_arn):
        share(owner_client, arn)
    return {pool, phone_number_arn, opt_out_list_arn}


def _ls(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    assert main(["ls", "--output", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_consumer_ls_shared_lists_exactly_what_was_shared(
    monkeypatch: pytest.MonkeyPatch, emulator: Any, shared_estate: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, emulator, CONSUMER)
    rows = _ls(capsys, "--owner", "shared")
    assert {r["arn"] for r in rows} == shared_estate
    assert {r["owner"] for r in rows} == {"shared"} and {r["policy"] for r in rows} == {"-"}
    assert _ls(capsys, "--owner", "self") == []


def test_owner_ls_marks_which_resources_carry_a_policy(
    monkeypatch: pytest.MonkeyPatch, emulator: Any, shared_estate: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, emulator, OWNER)
    rows = _ls(capsys, "--owner", "self", "--type", "phone-number")
    assert sorted(r["policy"] for r in rows) == ["attached", "none"]
    assert main(["ls", "--owner", "self"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["TYPE", "OWNER", "ARN", "ID", "STATUS", "POLICY"] and len(table) == 5


def test_ls_pages_through_more_than_a_hundred_resources(
    monkeypatch: pytest.MonkeyPatch, emulator: Any, owner_client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for index in range(120):
        owner_client.create_opt_out_list(OptOutListName=f"list-{index:03d}")
    _as(monkeypatch, emulator, OWNER)
    emulator.state.calls.clear()
    assert len(_ls(capsys, "--owner", "self", "--type", "opt-out-list")) == 120
    assert emulator.call_count("DescribeOptOutLists") == 2


def test_policy_get_prints_the_policy_or_says_none(
    monkeypatch: pytest.MonkeyPatch,
    emulator: Any,
    owner_client: Any,
    phone_number_arn: str,
    opt_out_list_arn: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    share(owner_client, phone_number_arn)
    _as(monkeypatch, emulator, OWNER)
    assert main(["policy", "get", phone_number_arn]) == 0
    assert json.loads(capsys.readouterr().out)["Statement"][0]["Resource"] == phone_number_arn
    assert main(["policy", "get", opt_out_list_arn]) == 0
    assert capsys.readouterr().out.strip() == f"no resource policy is attached to {opt_out_list_arn}"


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (lambda m: m.delenv("AWS_REGION"), ["ls"], "no AWS region set"),
        (lambda m: m.delenv("AWS_ACCESS_KEY_ID"), ["ls"], "no AWS credentials found"),
        (lambda m: None, ["policy", "get", "arn:aws:sns:us-east-1:111122223333:topic"], "invalid ARN"),
        (
            lambda m: m.setenv("AWS_ACCESS_KEY_ID", "AKIA0000" + CONSUMER),
            ["policy", "get", "OWNED"],
            "RESOURCE_NOT_ACCESSIBLE",
        ),
    ],
)
def test_fails_with_one_clear_line_and_status_two(
    monkeypatch: pytest.MonkeyPatch,
    emulator: Any,
    opt_out_list_arn: str,
    capsys: pytest.CaptureFixture[str],
    setup: Any,
    args: list[str],
    message: str,
) -> None:
    _as(monkeypatch, emulator, OWNER)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    setup(monkeypatch)
    assert main([opt_out_list_arn if a == "OWNED" else a for a in args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("shared-sms: error: ") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_throttling_after_retries_is_one_line(
    monkeypatch: pytest.MonkeyPatch, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, emulator, OWNER)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    emulator.faults.throttle_next = 50
    assert main(["ls", "--type", "pool"]) == 2
    assert "kept throttling" in capsys.readouterr().err


def _synth_producer(outdir: Path, arn: str, *accounts: str) -> None:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Producer", env=cdk.Environment(account=OWNER, region=REGION))
    PhoneNumber.from_phone_number_arn(stack, "Number", arn).share_with(*[iam.AccountPrincipal(a) for a in accounts])
    app.synth()


def test_policy_diff_reports_in_sync_then_drift_after_out_of_band_put(
    monkeypatch: pytest.MonkeyPatch,
    emulator: Any,
    function: Any,
    sink: Any,
    owner_client: Any,
    phone_number_arn: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _synth_producer(tmp_path, phone_number_arn, CONSUMER)
    (declared,) = declared_policies(tmp_path)
    stack_id = STACK_ID.replace("/SmsProducer/", "/Producer/")
    deployed = CustomResource(handler=function.handler, sink=sink, logical_id=declared.logical_id, stack_id=stack_id)
    answer = deployed.create(ResourceArn=declared.arn, Policy=json.dumps(declared.policy))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    _as(monkeypatch, emulator, OWNER)
    resources = [(declared.logical_id, "Custom::SmsResourcePolicy", phone_number_arn)]
    with CloudFormationEmulator(lambda: [("Producer", stack_id, resources)]) as cfn:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", cfn.url)

        assert main(["policy", "diff", "--app", str(tmp_path)]) == 0
        assert capsys.readouterr().out.startswith(f"in sync: {phone_number_arn}")

        share(owner_client, phone_number_arn)  # someone replaces it by hand
        assert main(["policy", "diff", "--app", str(tmp_path)]) == 1
        out = capsys.readouterr().out
        assert out.startswith(f"drift: {phone_number_arn}") and "--- template (Producer)" in out and "+++ live" in out


def test_policy_diff_without_a_cloud_assembly_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    _as(monkeypatch, emulator, OWNER)
    assert main(["policy", "diff", "--app", str(tmp_path / "missing")]) == 2
    assert "not a cloud assembly" in capsys.readouterr().err


def test_console_script_and_module_entry_points_run_without_the_cdk(
    monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    _as(monkeypatch, emulator, CONSUMER)
    script = Path(sys.executable).with_name("shared-sms")
    for command in ([str(script)], [sys.executable, "-m", "shared_sms"]):
        run = subprocess.run(
            [*command, "ls", "--owner", "shared"], capture_output=True, text=True, env=dict(os.environ), timeout=60
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.startswith("TYPE") and "Node" not in run.stderr


def test_policy_diff_loads_neither_the_cdk_nor_jsii(
    monkeypatch: pytest.MonkeyPatch, emulator: Any, tmp_path: Path
) -> None:
    _as(monkeypatch, emulator, OWNER)
    (tmp_path / "manifest.json").write_text('{"version": "55.0.0", "artifacts": {}}')
    check = (
        "import sys; from shared_sms.cli import main; status = main(['policy', 'diff', '--app', sys.argv[1]]); "
        "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs')))"
    )
    run = subprocess.run(
        [sys.executable, "-c", check, str(tmp_path)], capture_output=True, text=True, env=dict(os.environ), timeout=60
    )
    assert run.stdout == "0 []\n", run.stderr


def test_the_cli_judges_policies_with_the_functions_own_modules() -> None:
    """One implementation of the equivalence and the marker: the files of the function's code asset."""
    from shared_sms.cli.function_modules import equivalence, ownership
    from shared_sms.function_code import function_code_dir

    folder = function_code_dir() / "shared_sms_function"
    assert Path(equivalence.__file__) == folder / "equivalence.py"
    assert Path(ownership.__file__) == folder / "ownership.py"
    assert _MARKER is ownership.MARKER
