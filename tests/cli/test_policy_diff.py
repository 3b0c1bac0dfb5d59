"""``shared-sms policy diff`` and ``policy get`` as a CI gate runs them: on `cdk synth` output of
a staged, two-region app (tests/cli/staged_app.py), against the emulator through real boto3.

The live state is what a deployment leaves: the template's statements stamped with the marker
of their stack and logical id by the function's own ``Owner``, and a CloudFormation emulator that
has those stacks (the CLI reads their StackIds to compute the markers). The test finds the
policies by globbing every template file, not through manifests as the CLI does, so the two do
not share a blind spot.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import botocore.handlers
import pytest
from aws_cdk import aws_iam as iam

from shared_sms import OptOutList
from shared_sms.cli import main
from shared_sms.cli.aws import partition_of
from shared_sms_function.equivalence import statements_of
from shared_sms_function.ownership import MARKER, Owner
from tests.cli import staged_app
from tests.cli.staged_app import COUNTRY, OPT_OUT_LIST, SENDER_ID, STACKS, opt_out_list_arn, sender_id_arn
from tests.conftest import CONSUMER, OWNER, access_key_for, client_for, new_phone_number
from tests.fakes.cloudformation import CloudFormationEmulator, StackRecord
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

    @property
    def stack_name(self) -> str:
        return self.stack_id.split("/")[1]


def _stem(template_file: Path) -> str:
    """A top-level stack's name: its artifact id, the template file's stem."""
    return template_file.name.removesuffix(".template.json")


def template_policies(assembly: Path, stack_name: Callable[[Path], str] = _stem) -> dict[str, Deployed]:
    """Every policy with a literal ARN in every template file under the assembly, nested ones
    included; each stack's id names it as ``stack_name(template file)`` says."""
    return {
        policy.arn: policy
        for template_file in sorted(assembly.rglob("*.template.json"))
        for policy in policies_in(template_file, stack_name(template_file))
    }


def policies_in(template_file: Path, stack_name: str) -> list[Deployed]:
    """The policies with a literal ARN of one template, deployed as stack ``stack_name``."""
    found = []
    for logical_id, resource in json.loads(template_file.read_text())["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "Custom::SmsResourcePolicy" and isinstance(props["ResourceArn"], str):
            arn = props["ResourceArn"]
            account = arn.split(":")[4]  # a policy is written by a stack of the resource's account and region
            stack_id = f"arn:aws:cloudformation:{region_of(arn)}:{account}:stack/{stack_name}/{STACK_UUID}"
            found.append(Deployed(arn, stack_id, logical_id, json.loads(props["Policy"])))
    return found


STACK_UUID = "0f9e8d7c-0000-4000-8000-000000000001"


def stack_records(policies: Iterable[Deployed]) -> list[StackRecord]:
    """The stacks CloudFormation has after deploying ``policies``: each policy's custom resource,
    whose physical id is its ARN."""
    stacks: dict[str, StackRecord] = {}
    for policy in policies:
        record = stacks.setdefault(policy.stack_id, (policy.stack_name, policy.stack_id, []))
        record[2].append((policy.logical_id, "Custom::SmsResourcePolicy", policy.arn))
    return list(stacks.values())


def staged_stack_name(template_file: Path) -> str:
    """The staged app's stacks are named Stage-Stack in CloudFormation (ProdVirginiaCF5E66DE -> Prod-Virginia)."""
    return next(f"Prod-{name}" for name in STACKS.values() if template_file.name.startswith(f"Prod{name}"))


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
def cfn() -> Iterator[CloudFormationEmulator]:
    """CloudFormation, with no stacks until a test deploys some (``cfn.stacks``)."""
    with CloudFormationEmulator(lambda: []) as server:
        yield server


def serve(cfn: CloudFormationEmulator, policies: Iterable[Deployed]) -> None:
    """CloudFormation has the stacks of ``policies`` too, as deployed (a stack deployed again: as now)."""
    records = {record[1]: record for record in [*cfn.stacks(), *stack_records(policies)]}
    cfn.stacks = lambda: list(records.values())


@pytest.fixture()
def deployed(emulator: Any, staged: Path, cfn: CloudFormationEmulator) -> dict[str, Deployed]:
    """The staged app after deployment: in each region the owner's opt-out list and sender ID,
    each with its stack's statements; CloudFormation has both stacks."""
    for region in STACKS:
        sms = regional(emulator, region)
        sms.create_opt_out_list(OptOutListName=OPT_OUT_LIST)
        sms.request_sender_id(SenderId=SENDER_ID, IsoCountryCode=COUNTRY)
    policies = template_policies(staged, staged_stack_name)
    assert set(policies) == {arn(region) for region in STACKS for arn in (opt_out_list_arn, sender_id_arn)}
    for policy in policies.values():
        put(emulator, policy.arn, policy.stamped())
    serve(cfn, policies.values())
    return policies


@pytest.fixture()
def cli_as_owner(monkeypatch: pytest.MonkeyPatch, emulator: Any, cfn: CloudFormationEmulator) -> list[tuple[str, str]]:
    """The CLI's environment with owner credentials and no region anywhere, CloudFormation at the
    emulator; returns the (ResourceArn, region) of every GetResourcePolicy sent, the region read
    from the SigV4 credential scope of the signed request (a handler every new botocore session
    registers)."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key_for(OWNER))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulated")
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", cfn.url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    signed: list[tuple[str, str]] = []

    def record(request: Any, **_: Any) -> None:
        scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", request.headers["Authorization"].decode())
        assert scope is not None
        signed.append((json.loads(request.body)["ResourceArn"], scope[1]))

    hook = ("before-send.pinpoint-sms-voice-v2.GetResourcePolicy", record)
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS, hook])
    return signed


def diff(
    capsys: pytest.CaptureFixture[str], app: Path, *args: str, options: tuple[str, ...] = ()
) -> tuple[int, list[str]]:
    """``shared-sms <args> policy diff --app <app> <options>``: (exit status, stdout lines)."""
    status = main([*args, "policy", "diff", "--app", str(app), *options])
    return status, capsys.readouterr().out.splitlines()


def notes_under(out: list[str], arn: str) -> list[str]:
    return [line.removeprefix("  note: ") for line in lines_under(out, arn) if line.startswith("  note: ")]


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


# Newer botocores know the aws-eusc partition; the floor's (1.35.26, tests/versions/floors.txt) does not.
EUSC_KNOWN = partition_of("eusc-de-east-1") == "aws-eusc"


def _token_arn_app(outdir: Path) -> None:
    """Stacks whose policy ARN is built from the pseudo parameters: in the aws-eusc (when botocore
    knows it) and aws-cn partitions, and one environment-agnostic stack (deployed where --region says)."""
    app = cdk.App(outdir=str(outdir))
    envs = {"Eusc": "eusc-de-east-1", "China": "cn-north-1", "Agnostic": None}
    if not EUSC_KNOWN:
        del envs["Eusc"]
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
    if not EUSC_KNOWN:
        del expected[f"arn:aws-eusc:sms-voice:eusc-de-east-1:{OWNER}:opt-out-list/Eusc"]
    assert set(rows(out)) == set(expected), out
    assert sorted(cli_as_owner) == sorted(expected.items())
    assert status == 2  # nothing was created: each is an error row

    region, partition = ("eusc-de-east-1", "aws-eusc") if EUSC_KNOWN else ("cn-north-1", "aws-cn")
    wrong = f"arn:aws:sms-voice:{region}:{OWNER}:opt-out-list/Eusc"
    assert main(["policy", "get", wrong]) == 2
    assert f"region {region} is in partition {partition}, not aws" in capsys.readouterr().err


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
    tmp_path: Path,
    emulator: Any,
    cfn: CloudFormationEmulator,
    cli_as_owner: list[tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _two_account_app(tmp_path)
    policies = template_policies(tmp_path)
    owner, consumer = regional(emulator, "us-east-1"), regional(emulator, "us-east-1", CONSUMER)
    for name in ("released", "kept"):
        owner.create_opt_out_list(OptOutListName=name)
    consumer.create_opt_out_list(OptOutListName="theirs")
    for policy in policies.values():
        put(emulator, policy.arn, policy.stamped(), policy.arn.split(":")[4])
    serve(cfn, policies.values())
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
    # CloudFormation gives the StackId: the diff is against this policy's own marker (nothing is left there).
    own = Owner.of(deployed[arn].stack_id, deployed[arn].logical_id).marker
    assert f"+++ live (marked {own})" in lines_under(out, arn)
    # Without it, against the closest marker group, whoever wrote it.
    status, out = diff(capsys, staged, options=("--no-cloudformation",))
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


def _deploy_policies(emulator: Any, cfn: CloudFormationEmulator, assembly: Path, stacks: list[str]) -> list[Deployed]:
    """What deploying ``stacks`` leaves: the function's statements, and the stacks in CloudFormation."""
    policies = [policy for stack in stacks for policy in policies_in(assembly / f"{stack}.template.json", stack)]
    for policy in policies:
        put(emulator, policy.arn, policy.stamped())
    serve(cfn, policies)
    return policies


def test_two_stacks_with_equal_statements_are_not_both_in_sync_when_one_was_deployed(
    emulator: Any,
    cfn: CloudFormationEmulator,
    cli_as_owner: list[tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    number = new_phone_number(regional(emulator, "us-east-1"))
    assembly = _number_app(tmp_path / "out", {"TeamA": "MERGE", "TeamB": "MERGE"}, number)
    _deploy_policies(emulator, cfn, assembly, ["TeamA"])  # TeamB was never deployed
    for options in ((), ("--no-cloudformation",)):
        status, out = diff(capsys, assembly, options=options)
        statuses = [line.split(":", 1)[0] for line in out if line.startswith(ROW)]
        assert sorted(statuses) == ["drift", "in sync"] and status == 1, (options, out)
        assert sum("stack TeamB" in line for line in out if line.startswith("drift: ")) == 1, out


def test_policies_in_nested_stacks_are_compared(
    emulator: Any,
    cfn: CloudFormationEmulator,
    cli_as_owner: list[tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    number = new_phone_number(regional(emulator, "us-east-1"))
    assembly = _number_app(tmp_path / "out", {"Parent": "MERGE"}, number, nested=True)
    status, out = diff(capsys, assembly)  # nothing deployed yet
    assert rows(out) == {number: "drift"} and status == 1
    assert any("stack Parent/Sharing" in line for line in out)
    assert notes_under(out, number) == [
        "CloudFormation has no stack Parent in us-east-1: not deployed, so no statement here is this policy's"
    ]

    # Deployed: CloudFormation names the nested stack's StackId as its parent's resource.
    (nested_template,) = assembly.glob("*.nested.template.json")
    (policy,) = policies_in(nested_template, "Parent-SharingNestedStack-1A2B3C")
    put(emulator, number, policy.stamped())
    parent_id = f"arn:aws:cloudformation:us-east-1:{OWNER}:stack/Parent/{STACK_UUID}"
    (nested_id,) = [logical_id for logical_id, *_ in _resources_of(assembly / "Parent.template.json")]
    parent = ("Parent", parent_id, [(nested_id, "AWS::CloudFormation::Stack", policy.stack_id)])
    nested = stack_records([policy])
    cfn.stacks = lambda: [parent, *nested]
    status, out = diff(capsys, assembly)
    assert (status, rows(out), notes_under(out, number)) == (0, {number: "in sync"}, []), out
    assert cfn.call_count("ListStackResources") == 2  # the parent's, then the nested stack's


def _resources_of(template_file: Path, kind: str = "AWS::CloudFormation::Stack") -> list[tuple[str, dict[str, Any]]]:
    resources = json.loads(template_file.read_text())["Resources"].items()
    return [(logical_id, resource) for logical_id, resource in resources if resource["Type"] == kind]


def test_statements_others_wrote_on_a_fail_or_replace_policy_are_a_note_not_drift(
    emulator: Any,
    cfn: CloudFormationEmulator,
    cli_as_owner: list[tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """FAIL and REPLACE act on statements they did not write only when the policy gets an event,
    and an unchanged policy gets none (tests/cli/test_policy_diff_cloudformation.py redeploys one):
    no deployment fails on them or removes them, so they are no drift, only a note. Statements of
    the same stack's other logical ids are kept in every mode: not even that."""
    sms = regional(emulator, "us-east-1")
    for mode in ("REPLACE", "FAIL", "MERGE"):
        number = new_phone_number(sms)
        assembly = _number_app(tmp_path / mode, {"Owner": mode}, number)
        (policy,) = _deploy_policies(emulator, cfn, assembly, ["Owner"])
        renamed = {"Effect": "Allow", "Principal": {"AWS": CONSUMER}, "Action": "sms-voice:SendTextMessage"}
        same_stack = Owner.of(policy.stack_id, "PolicyBeforeARename").stamp([{**renamed, "Resource": number}])
        by_hand = {"Sid": "ByHand", "Effect": "Allow", "Principal": "*", "Action": "sms-voice:*", "Resource": number}
        for options in ((), ("--no-cloudformation",)):
            put(emulator, number, [*policy.stamped(), *same_stack])
            status, out = diff(capsys, assembly, options=options)
            assert (status, rows(out), notes_under(out, number)) == (0, {number: "in sync"}, []), (mode, options, out)

            put(emulator, number, [*policy.stamped(), *same_stack, by_hand])
            status, out = diff(capsys, assembly, options=options)
            assert (status, rows(out)) == (0, {number: "in sync"}), (mode, options, out)
            not_ours = [json.loads(line.split(": ", 1)[1]) for line in lines_under(out, number) if "not ours" in line]
            assert sorted(s["Sid"] for s in not_ours) == sorted(["ByHand", *(s["Sid"] for s in same_stack)])
            notes = notes_under(out, number)
            if mode == "MERGE":
                assert notes == []
            else:
                fate = "fails on them" if mode == "FAIL" else "removes them"
                (note,) = notes
                assert note.startswith(f"on_existing_policy={mode}: 1 statement this stack did not write; ")
                assert "no deployment acts on them while this policy is unchanged" in note and fate in note


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
