"""``shared-sms policy diff`` and ``policy get`` as a CI gate runs them: on `cdk synth` output of
a staged, two-region app (tests/cli/staged_app.py), against the emulator through real boto3.

The live state is what a deployment leaves: the template's statements stamped with the marker
of their stack and logical id by the function's own ``Owner``. The test finds the policies by
globbing every template file, not through manifests as the CLI does, so the two do not share a
blind spot.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import botocore.handlers
import pytest
from aws_cdk import aws_iam as iam

from shared_sms import OptOutList
from shared_sms.cli import main
from shared_sms_function.equivalence import statements_of
from shared_sms_function.ownership import MARKER, Owner
from tests.cli import staged_app
from tests.cli.staged_app import COUNTRY, OPT_OUT_LIST, SENDER_ID, STACKS, opt_out_list_arn, sender_id_arn
from tests.conftest import CONSUMER, OWNER, access_key_for, client_for, new_phone_number
from tests.harness.cdk_cli import cdk_synth

ROW = ("in sync: ", "drift: ", "error: ", "skipped: ")


@dataclass(frozen=True)
class Deployed:
    """One Custom::SmsResourcePolicy as a template states it, and the statements the function writes for it."""

    arn: str
    stack_id: str
    logical_id: str
    policy: dict[str, Any]

    def stamped(self) -> list[dict[str, Any]]:
        return Owner.of(self.stack_id, self.logical_id).stamp(statements_of(self.policy))


def template_policies(assembly: Path) -> dict[str, Deployed]:
    """Every policy with a literal ARN in every template file under the assembly, nested ones included."""
    found = {}
    for template_file in sorted(assembly.rglob("*.template.json")):
        for logical_id, resource in json.loads(template_file.read_text())["Resources"].items():
            props = resource.get("Properties", {})
            if resource["Type"] == "Custom::SmsResourcePolicy" and isinstance(props["ResourceArn"], str):
                arn = props["ResourceArn"]
                stack_id = f"arn:aws:cloudformation:{region_of(arn)}:{OWNER}:stack/{template_file.name}/uuid"
                found[arn] = Deployed(arn, stack_id, logical_id, json.loads(props["Policy"]))
    return found


def region_of(arn: str) -> str:
    return arn.split(":")[3]


def regional(emulator: Any, region: str, account: str = OWNER) -> Any:
    return client_for(account, emulator, region=region)


def put(emulator: Any, arn: str, statements: list[dict[str, Any]], account: str = OWNER) -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    regional(emulator, region_of(arn), account).put_resource_policy(ResourceArn=arn, Policy=policy)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The staged app synthesized by the pinned CDK CLI."""
    return cdk_synth(tmp_path_factory.mktemp("staged") / "cdk.out", app=Path(staged_app.__file__))


@pytest.fixture()
def deployed(emulator: Any, staged: Path) -> dict[str, Deployed]:
    """The staged app after deployment: in each region the owner's opt-out list and sender ID,
    each with its stack's statements."""
    for region in STACKS:
        sms = regional(emulator, region)
        sms.create_opt_out_list(OptOutListName=OPT_OUT_LIST)
        sms.request_sender_id(SenderId=SENDER_ID, IsoCountryCode=COUNTRY)
    policies = template_policies(staged)
    assert set(policies) == {arn(region) for region in STACKS for arn in (opt_out_list_arn, sender_id_arn)}
    for policy in policies.values():
        put(emulator, policy.arn, policy.stamped())
    return policies


@pytest.fixture()
def cli_as_owner(monkeypatch: pytest.MonkeyPatch, emulator: Any) -> list[tuple[str, str]]:
    """The CLI's environment with owner credentials and no region anywhere; returns the
    (ResourceArn, region) of every GetResourcePolicy sent, the region read from the SigV4
    credential scope of the signed request (a handler every new botocore session registers)."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key_for(OWNER))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulated")
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", emulator.url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    signed: list[tuple[str, str]] = []

    def record(request: Any, **_: Any) -> None:
        scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", request.headers["Authorization"].decode())
        assert scope is not None
        signed.append((json.loads(request.body)["ResourceArn"], scope[1]))

    hook = ("before-send.pinpoint-sms-voice-v2.GetResourcePolicy", record)
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS, hook])
    return signed


def diff(capsys: pytest.CaptureFixture[str], app: Path, *args: str) -> tuple[int, list[str]]:
    status = main([*args, "policy", "diff", "--app", str(app)])
    return status, capsys.readouterr().out.splitlines()


def rows(out: list[str]) -> dict[str, str]:
    """ARN (or stack / logical id of a skipped policy) -> the row's status."""
    found = {}
    for line in out:
        if line.startswith(ROW):
            status, rest = line.split(": ", 1)
            found[rest.split(" ", 1)[0]] = status
    return found


def lines_under(out: list[str], arn: str) -> list[str]:
    """The lines after the row of ``arn`` up to the next row."""
    start = next(i for i, line in enumerate(out) if line.startswith(ROW) and f": {arn} " in line)
    following = out[start + 1 :]
    return following[: next((i for i, line in enumerate(following) if line.startswith(ROW)), len(following))]


# -- item 1: stages ---------------------------------------------------------------------------------
def test_policy_diff_reads_the_stacks_inside_a_stage(
    deployed: dict[str, Deployed],
    staged: Path,
    cli_as_owner: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # today's CLI needs one; this test is about stages
    status, out = diff(capsys, staged)
    assert rows(out) == dict.fromkeys(deployed, "in sync")
    assert status == 0
    for name in STACKS.values():
        assert sum(f"(stack Prod/{name} / " in line for line in out) == 2


# -- item 2: regions and partitions -----------------------------------------------------------------
def test_policy_diff_on_a_staged_two_region_app_reads_each_policy_in_its_own_region(
    deployed: dict[str, Deployed], staged: Path, cli_as_owner: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = diff(capsys, staged)  # no --region, no AWS_REGION, no profile: every stack names its region
    assert status == 0, out
    assert sorted(cli_as_owner) == sorted((arn, region_of(arn)) for arn in deployed)
    for arn in deployed:
        (row,) = [line for line in out if line.startswith(f"in sync: {arn} ")]
        assert row.endswith(f", region {region_of(arn)})")


def test_policy_get_reads_the_arn_in_its_own_region(
    deployed: dict[str, Deployed],
    cli_as_owner: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    arn = opt_out_list_arn("eu-west-1")
    assert main(["policy", "get", arn]) == 0
    assert json.loads(capsys.readouterr().out)["Statement"] == deployed[arn].stamped()
    assert cli_as_owner == [(arn, "eu-west-1")]


def _token_arn_app(outdir: Path) -> None:
    """Stacks whose policy ARN is built from the pseudo parameters: in the aws-eusc and aws-cn
    partitions, and one environment-agnostic stack (deployed where --region says)."""
    app = cdk.App(outdir=str(outdir))
    envs = {"Eusc": "eusc-de-east-1", "China": "cn-north-1", "Agnostic": None}
    for name, region in envs.items():
        stack = cdk.Stack(app, name, env=cdk.Environment(account=OWNER, region=region) if region else None)
        arn = f"arn:{cdk.Aws.PARTITION}:sms-voice:{cdk.Aws.REGION}:{OWNER}:opt-out-list/{name}"
        OptOutList.from_opt_out_list_arn(stack, "OptOuts", arn, owned=True).share_with(iam.AccountPrincipal(CONSUMER))
    app.synth()


def test_arns_follow_botocores_partitions_and_the_stacks_region(
    tmp_path: Path, emulator: Any, cli_as_owner: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    _token_arn_app(tmp_path)
    status, out = diff(capsys, tmp_path, "--region", "us-west-2")  # the agnostic stack's region, as cdk deploy
    expected = {
        f"arn:aws-eusc:sms-voice:eusc-de-east-1:{OWNER}:opt-out-list/Eusc": "eusc-de-east-1",
        f"arn:aws-cn:sms-voice:cn-north-1:{OWNER}:opt-out-list/China": "cn-north-1",
        f"arn:aws:sms-voice:us-west-2:{OWNER}:opt-out-list/Agnostic": "us-west-2",
    }
    assert set(rows(out)) == set(expected), out
    assert sorted(cli_as_owner) == sorted(expected.items())
    assert status == 2  # nothing was created: each is an error row

    wrong = f"arn:aws:sms-voice:eusc-de-east-1:{OWNER}:opt-out-list/Eusc"
    assert main(["policy", "get", wrong]) == 2
    assert "region eusc-de-east-1 is in partition aws-eusc, not aws" in capsys.readouterr().err


# -- item 3: equivalence ----------------------------------------------------------------------------
def test_policy_diff_counts_an_equivalent_rewrite_as_in_sync_and_diffs_normal_forms(
    emulator: Any,
    deployed: dict[str, Deployed],
    staged: Path,
    cli_as_owner: list[tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator.state.normalize_policies = True  # the service stores an equivalent rewrite
    for policy in deployed.values():
        put(emulator, policy.arn, policy.stamped())
    stored = regional(emulator, "eu-west-1").get_resource_policy(ResourceArn=opt_out_list_arn("eu-west-1"))
    assert isinstance(json.loads(stored["Policy"])["Statement"], dict)  # one statement comes back as an object
    status, out = diff(capsys, staged)
    assert (status, rows(out)) == (0, dict.fromkeys(deployed, "in sync")), out

    sender = deployed[sender_id_arn("eu-west-1")]
    ours = sender.stamped()
    shared = next(s for s in ours if "Principal" in s and "AWS" in s["Principal"])
    dropped = min(shared["Action"])  # a real change: one action fewer (the first in the normal form)
    shared["Action"].remove(dropped)
    put(emulator, sender.arn, ours)
    status, out = diff(capsys, staged)
    assert status == 1 and rows(out)[sender.arn] == "drift"
    changes = [line for line in lines_under(out, sender.arn) if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changes == [f'-        "{dropped}",']  # the normal forms differ in that line only


# -- item 4: an unreadable resource is a row --------------------------------------------------------
def _two_account_app(outdir: Path) -> None:
    app = cdk.App(outdir=str(outdir))
    for account, names, grantee in ((OWNER, ("released", "kept"), CONSUMER), (CONSUMER, ("theirs",), OWNER)):
        stack = cdk.Stack(app, f"Stack{account}", env=cdk.Environment(account=account, region="us-east-1"))
        for name in names:
            arn = f"arn:aws:sms-voice:us-east-1:{account}:opt-out-list/{name}"
            OptOutList.from_opt_out_list_arn(stack, name, arn).share_with(iam.AccountPrincipal(grantee))
    app.synth()


def test_policy_diff_reports_unreadable_resources_as_rows_and_goes_on(
    tmp_path: Path, emulator: Any, cli_as_owner: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    _two_account_app(tmp_path)
    policies = template_policies(tmp_path)
    owner, consumer = regional(emulator, "us-east-1"), regional(emulator, "us-east-1", CONSUMER)
    for name in ("released", "kept"):
        owner.create_opt_out_list(OptOutListName=name)
    consumer.create_opt_out_list(OptOutListName="theirs")
    for policy in policies.values():
        put(emulator, policy.arn, policy.stamped(), policy.arn.split(":")[4])
    owner.delete_opt_out_list(OptOutListName="released")

    status, out = diff(capsys, tmp_path)
    released, kept, theirs = (
        f"arn:aws:sms-voice:us-east-1:{account}:opt-out-list/{name}"
        for account, name in ((OWNER, "released"), (OWNER, "kept"), (CONSUMER, "theirs"))
    )
    assert rows(out) == {released: "error", kept: "in sync", theirs: "error"}, out
    assert [line.startswith("error: ") for line in out if line.startswith(ROW)] == [True, False, True]
    assert "ResourceNotFoundException" in next(line for line in out if released in line)
    assert "RESOURCE_NOT_ACCESSIBLE" in next(line for line in out if theirs in line)
    assert status == 2

    put(emulator, kept, [{"Effect": "Allow", "Principal": "*", "Action": "sms-voice:*", "Resource": kept}])
    status, out = diff(capsys, tmp_path)
    assert rows(out)[kept] == "drift" and status == 2  # the worst status wins


# -- item 5: statements that are not ours -----------------------------------------------------------
def test_statements_others_wrote_beside_ours_are_listed_as_not_ours_and_are_no_drift(
    emulator: Any,
    deployed: dict[str, Deployed],
    staged: Path,
    cli_as_owner: list[tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    arn = opt_out_list_arn("eu-west-1")
    ours = deployed[arn].stamped()
    partner = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::777788889999:root"}, "Resource": arn}
    another_stack = Owner.of("arn:aws:cloudformation:eu-west-1:111122223333:stack/Other/uuid", "Policy").stamp(
        [{**partner, "Action": "sms-voice:DescribeOptOutLists"}]
    )
    console = {**partner, "Sid": "Console", "Action": "sms-voice:PutOptedOutNumber"}
    put(emulator, arn, [console, *another_stack, *ours])

    status, out = diff(capsys, staged)
    assert status == 0 and rows(out) == dict.fromkeys(deployed, "in sync"), out
    not_ours = [line for line in lines_under(out, arn) if line.startswith("  not ours: ")]
    assert [json.loads(line.split(": ", 1)[1]) for line in not_ours] == [console, *another_stack]
    assert sum(line.startswith("  not ours: ") for line in out) == 2

    put(emulator, arn, [console, *another_stack])  # someone removed ours
    status, out = diff(capsys, staged)
    assert status == 1 and rows(out)[arn] == "drift"
    marker = MARKER.search(another_stack[0]["Sid"])
    assert marker is not None
    assert f"+++ live (marked SharedSms{marker['stack']}R{marker['resource']})" in lines_under(out, arn)


# -- review fixes: what a gate must not let through ----------------------------------------------------
def _number_app(outdir: Path, stacks: dict[str, str], arn: str, nested: bool = False) -> Path:
    """Stacks of one account that each share the same number with the consumer, with ``mode``
    as their OnExistingPolicy; with ``nested``, inside a cdk.NestedStack."""
    from shared_sms import OnExistingPolicy, PhoneNumber, ResourcePolicy

    app = cdk.App(outdir=str(outdir))
    for name, mode in stacks.items():
        stack = cdk.Stack(app, name, env=cdk.Environment(account=OWNER, region="us-east-1"))
        scope = cdk.NestedStack(stack, "Sharing") if nested else stack
        number = PhoneNumber.from_phone_number_arn(scope, "Number", arn)
        ResourcePolicy(scope, "Policy", resource=number, on_existing_policy=OnExistingPolicy(mode))
        number.share_with(iam.AccountPrincipal(CONSUMER))
    app.synth()
    return outdir


def _deploy_policies(emulator: Any, assembly: Path, stacks: list[str]) -> None:
    """What the function writes for the policies of ``stacks`` (nested templates included)."""
    for template_file in sorted(assembly.rglob("*.template.json")):
        if not any(template_file.name.startswith(stack) for stack in stacks):
            continue
        for logical_id, resource in json.loads(template_file.read_text())["Resources"].items():
            if resource["Type"] == "Custom::SmsResourcePolicy":
                props = resource["Properties"]
                stack_id = f"arn:aws:cloudformation:us-east-1:{OWNER}:stack/{template_file.name}/uuid"
                statements = Owner.of(stack_id, logical_id).stamp(statements_of(json.loads(props["Policy"])))
                put(emulator, props["ResourceArn"], statements)


def test_two_stacks_with_equal_statements_are_not_both_in_sync_when_one_was_deployed(
    emulator: Any, cli_as_owner: list[tuple[str, str]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    number = new_phone_number(regional(emulator, "us-east-1"))
    assembly = _number_app(tmp_path / "out", {"TeamA": "MERGE", "TeamB": "MERGE"}, number)
    _deploy_policies(emulator, assembly, ["TeamA"])  # TeamB was never deployed
    status, out = diff(capsys, assembly)
    statuses = [line.split(":", 1)[0] for line in out if line.startswith(ROW)]
    assert sorted(statuses) == ["drift", "in sync"] and status == 1


def test_policies_in_nested_stacks_are_compared(
    emulator: Any, cli_as_owner: list[tuple[str, str]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    number = new_phone_number(regional(emulator, "us-east-1"))
    assembly = _number_app(tmp_path / "out", {"Parent": "MERGE"}, number, nested=True)
    status, out = diff(capsys, assembly)  # nothing deployed yet
    assert rows(out) == {number: "drift"} and status == 1
    assert any("stack Parent/Sharing" in line for line in out)


def test_statements_the_next_deployment_removes_or_refuses_are_drift(
    emulator: Any, cli_as_owner: list[tuple[str, str]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sms = regional(emulator, "us-east-1")
    for mode in ("REPLACE", "FAIL", "MERGE"):
        number = new_phone_number(sms)
        assembly = _number_app(tmp_path / mode, {"Owner": mode}, number)
        _deploy_policies(emulator, assembly, ["Owner"])
        live = json.loads(sms.get_resource_policy(ResourceArn=number)["Policy"])["Statement"]
        by_hand = {"Sid": "ByHand", "Effect": "Allow", "Principal": "*", "Action": "sms-voice:*", "Resource": number}
        put(emulator, number, [*live, by_hand])
        _, out = diff(capsys, assembly)
        assert rows(out) == {number: "in sync" if mode == "MERGE" else "drift"}, out
        assert any("not ours" in line and "ByHand" in line for line in out)


def test_a_gate_that_could_compare_nothing_fails_and_says_why(
    cli_as_owner: list[tuple[str, str]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from shared_sms import PhoneNumber

    app = cdk.App(outdir=str(tmp_path / "out"))
    stack = cdk.Stack(app, "Agnostic")  # no region anywhere: --region is not given either
    arn = f"arn:{cdk.Aws.PARTITION}:sms-voice:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:phone-number/phone-1"
    PhoneNumber.from_phone_number_arn(stack, "Number", arn).share_with(iam.AccountPrincipal(CONSUMER))
    app.synth()
    assert main(["policy", "diff", "--app", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert "pass --region or set AWS_REGION" in captured.out
    assert "could be compared" in captured.err
