"""``shared-sms policy diff`` with CloudFormation readable, on apps the local CloudFormation driver
deployed through the function (tests/harness/deploy.py) and the CloudFormation emulator serving
what it deployed: the CLI takes each policy's exact ownership marker from its stack's StackId,
and the ARN of a policy known at deploy time only from its custom resource's PhysicalResourceId.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from shared_sms import OnExistingPolicy, OptOutList, PhoneNumber, ResourcePolicy
from shared_sms.cli import main
from shared_sms_function.ownership import Owner
from tests.cli.test_policy_diff import ROW, lines_under, notes_under, rows
from tests.conftest import CONSUMER, OWNER, REGION, access_key_for, attached, client_for, new_phone_number
from tests.fakes.cloudformation import CloudFormationEmulator, from_local_driver
from tests.harness.cloudformation import InProcessLambda
from tests.harness.deploy import LocalCloudFormation, StackOperationError

POLICY_TYPE = "Custom::SmsResourcePolicy"
ENV = cdk.Environment(account=OWNER, region=REGION)


@pytest.fixture()
def driver(function: Any, sink: Any, emulator: Any, local_drivers: Any) -> LocalCloudFormation:
    """The stacks deployed with the in-process function, which asks the session's CloudFormation
    about them (the CLI asks ``cfn``)."""

    def owner_only(account: str) -> None:  # the function's client already acts as the owner
        assert account == OWNER

    deployed = LocalCloudFormation(
        sink=sink, lambdas=InProcessLambda(function.handler, owner_only), client_for=lambda a: client_for(a, emulator)
    )
    local_drivers.add(deployed)
    return deployed


@pytest.fixture()
def cfn(driver: LocalCloudFormation) -> Iterator[CloudFormationEmulator]:
    """CloudFormation as the driver left it."""
    with CloudFormationEmulator(from_local_driver(driver)) as server:
        yield server


@pytest.fixture()
def diff(
    monkeypatch: pytest.MonkeyPatch, emulator: Any, cfn: CloudFormationEmulator, capsys: pytest.CaptureFixture[str]
) -> Any:
    """``shared-sms policy diff --app <app> <options>`` as the owner: (exit status, stdout lines, stderr)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": access_key_for(OWNER),
        "AWS_SECRET_ACCESS_KEY": "emulated",
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": emulator.url,
        "AWS_ENDPOINT_URL_CLOUDFORMATION": cfn.url,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)

    def run(app: Path, *options: str) -> tuple[int, list[str], str]:
        status = main(["policy", "diff", "--app", str(app), *options])
        out, err = capsys.readouterr()
        return status, out.splitlines(), err

    return run


def _policies(driver: LocalCloudFormation, stack: str) -> dict[str, tuple[str, str]]:
    """ARN -> (stack id, logical id) of the policies the driver deployed in ``stack``."""
    deployed = driver.stacks[stack]
    return {
        resource.physical_id: (deployed.stack_id, logical_id)
        for logical_id, resource in deployed.resources.items()
        if resource.type == POLICY_TYPE
    }


# -- policies whose ARN is known at deploy time only ----------------------------------------------


def _created_app(outdir: Path) -> Path:
    """A stack that creates an opt-out list and a phone number and shares both: both policies'
    ResourceArn (and the Resource of their statements) is an Fn::GetAtt of the created resource."""
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Created", env=ENV)
    consumer = iam.AccountPrincipal(CONSUMER)
    OptOutList(stack, "OptOuts", opt_out_list_name="created-opt-outs").share_with(consumer)
    number = PhoneNumber(
        stack,
        "Number",
        iso_country_code="US",
        number_type="SIMULATOR",
        number_capabilities=["SMS"],
        help_message="Example Corp support. Reply STOP to opt out.",
        stop_message="You are unsubscribed.",
    )
    number.share_with(consumer)
    number.allow_service("sns.amazonaws.com")
    app.synth()
    return outdir


def test_policies_of_resources_created_in_the_app_are_compared_at_their_deployed_arns(
    driver: LocalCloudFormation, diff: Any, owner_client: Any, tmp_path: Path
) -> None:
    assembly = _created_app(tmp_path / "out")
    template = json.loads((assembly / "Created.template.json").read_text())
    arns = [r["Properties"]["ResourceArn"] for r in template["Resources"].values() if r["Type"] == POLICY_TYPE]
    assert len(arns) == 2 and all("Fn::GetAtt" in arn for arn in arns)  # not known before deployment
    driver.deploy(assembly, "Created")
    deployed = _policies(driver, "Created")
    assert len(deployed) == 2

    status, out, err = diff(assembly)

    assert (status, rows(out), err) == (0, dict.fromkeys(deployed, "in sync"), ""), out
    for arn, (_, logical_id) in deployed.items():
        (row,) = [line for line in out if line.startswith(f"in sync: {arn} ")]
        assert f"(stack Created / {logical_id}, region {REGION})" in row

    # Resolved, they are compared: a changed statement is drift, diffed against the policy's own marker.
    number = next(arn for arn in deployed if ":phone-number/" in arn)
    live = attached(owner_client, number)
    assert live is not None
    live["Statement"] = [s for s in live["Statement"] if "Service" not in s["Principal"]]  # SNS's grant removed
    owner_client.put_resource_policy(ResourceArn=number, Policy=json.dumps(live))
    status, out, _ = diff(assembly)
    assert (status, rows(out)[number]) == (1, "drift")
    assert f"+++ live (marked {Owner.of(*deployed[number]).marker})" in lines_under(out, number)
    assert any(line.startswith("-") and "sns.amazonaws.com" in line for line in lines_under(out, number))

    # Without CloudFormation they cannot be resolved: skipped, and a gate that compared nothing fails.
    status, out, err = diff(assembly, "--no-cloudformation")
    assert status == 2 and [line.split(":", 1)[0] for line in out if line.startswith(ROW)] == ["skipped"] * 2
    assert "could be compared" in err


def test_a_deploy_time_arn_of_a_stack_not_deployed_is_skipped_and_says_so(
    driver: LocalCloudFormation, diff: Any, tmp_path: Path
) -> None:
    assembly = _created_app(tmp_path / "out")

    status, out, _ = diff(assembly)

    assert status == 2
    skipped = [line for line in out if line.startswith("skipped: ")]
    assert len(skipped) == 2 and all("CloudFormation has no stack Created: not deployed" in line for line in skipped)


# -- two stacks writing equal statements -----------------------------------------------------------


def _number_app(outdir: Path, arn: str, stacks: dict[str, str], *accounts: str) -> Path:
    """Stacks each sharing the number ``arn`` with ``accounts`` (the consumer by default) under
    their OnExistingPolicy ``stacks[name]``."""
    app = cdk.App(outdir=str(outdir))
    for name, mode in stacks.items():
        stack = cdk.Stack(app, name, env=ENV)
        number = PhoneNumber.from_phone_number_arn(stack, "Number", arn)
        ResourcePolicy(stack, "Policy", resource=number, on_existing_policy=OnExistingPolicy(mode))
        number.share_with(*(iam.AccountPrincipal(account) for account in accounts or (CONSUMER,)))
    app.synth()
    return outdir


def test_when_one_of_two_stacks_lost_its_equal_statements_the_row_of_that_stack_drifts(
    driver: LocalCloudFormation, cfn: CloudFormationEmulator, diff: Any, owner_client: Any, tmp_path: Path
) -> None:
    """Alpha and Beta grant the same; Alpha's statements were lost (another writer's stale Put):
    Alpha drifted, not Beta, whose statements are in place and whose redeploy would change nothing."""
    number = new_phone_number(owner_client)
    assembly = _number_app(tmp_path / "out", number, {"Alpha": "MERGE", "Beta": "MERGE"})
    for stack in ("Alpha", "Beta"):
        driver.deploy(assembly, stack)
    alpha, beta = (Owner.of(*_policies(driver, stack)[number]) for stack in ("Alpha", "Beta"))
    live = attached(owner_client, number)
    assert live is not None
    live["Statement"] = [s for s in live["Statement"] if alpha.marker not in s["Sid"]]
    owner_client.put_resource_policy(ResourceArn=number, Policy=json.dumps(live))

    status, out, err = diff(assembly)

    assert err == ""
    statuses = [
        (line.split(":", 1)[0], line.split("(stack ", 1)[1].split(" /")[0]) for line in out if line.startswith(ROW)
    ]
    assert (status, statuses) == (1, [("drift", "Alpha"), ("in sync", "Beta")]), out
    alpha_lines = out[: next(i for i, line in enumerate(out) if line.startswith("in sync: "))]
    assert f"  note: equal statements are live, written by stack Beta / {_policy_id(driver, 'Beta')}: another " in (
        "\n".join(alpha_lines)
    )
    assert f"+++ live (marked {alpha.marker})" in alpha_lines
    assert any(beta.marker in line and line.startswith("  not ours: ") for line in alpha_lines)


def _policy_id(driver: LocalCloudFormation, stack: str) -> str:
    return next(lid for lid, r in driver.stacks[stack].resources.items() if r.type == POLICY_TYPE)


def test_without_cloudformation_equal_statements_are_not_claimed_for_either_stack(
    driver: LocalCloudFormation, cfn: CloudFormationEmulator, diff: Any, owner_client: Any, tmp_path: Path
) -> None:
    number = new_phone_number(owner_client)
    assembly = _number_app(tmp_path / "out", number, {"Alpha": "MERGE", "Beta": "MERGE"})
    for stack in ("Alpha", "Beta"):
        driver.deploy(assembly, stack)
    alpha = Owner.of(*_policies(driver, "Alpha")[number])
    live = attached(owner_client, number)
    assert live is not None
    live["Statement"] = [s for s in live["Statement"] if alpha.marker not in s["Sid"]]
    owner_client.put_resource_policy(ResourceArn=number, Policy=json.dumps(live))
    cfn.denied.add("DescribeStacks")

    status, out, err = diff(assembly)

    (warning,) = err.splitlines()
    assert warning.startswith(f"shared-sms: warning: CloudFormation could not be read in {REGION} (DescribeStacks")
    assert "allow cloudformation:DescribeStacks and cloudformation:ListStackResources" in warning
    assert status == 1 and rows(out) == {number: "drift"}  # the second row of the same ARN wins in rows()
    first, second = (i for i, line in enumerate(out) if line.startswith(ROW))
    assert out[first].startswith("in sync: ") and "(stack Alpha /" in out[first]
    assert out[second].startswith("drift: ") and "(stack Beta /" in out[second]
    (alpha_note,) = [line for line in out[first:second] if line.startswith("  note: ")]
    assert "stack Beta declares equal statements and fewer copies are live" in alpha_note
    assert "whether those marked SharedSms" in alpha_note and "are this stack's is not known" in alpha_note
    beta_notes = [line for line in out[second:] if line.startswith("  note: ")]
    assert len(beta_notes) == 1 and beta_notes[0].startswith("  note: in sync with another stack's statements: ")
    assert "1 copy is live for 2 stacks declaring them, so one lacks its statements" in beta_notes[0]


# -- FAIL and REPLACE: what a deployment really does with statements others wrote ------------------


def test_a_fail_policy_beside_foreign_statements_is_in_sync_because_no_deployment_acts_on_them(
    driver: LocalCloudFormation, diff: Any, owner_client: Any, tmp_path: Path
) -> None:
    """The note's claims, checked against the driver and the function: redeploying the unchanged
    app sends no event and leaves the statement; changing the policy's statements fails on it."""
    number = new_phone_number(owner_client)
    assembly = _number_app(tmp_path / "v1", number, {"Strict": "FAIL"})
    driver.deploy(assembly, "Strict")
    live = attached(owner_client, number)
    assert live is not None
    by_hand = {"Sid": "ByHand", "Effect": "Allow", "Principal": {"AWS": "777788889999"}, "Resource": number}
    live["Statement"].append({**by_hand, "Action": "sms-voice:SendTextMessage"})
    owner_client.put_resource_policy(ResourceArn=number, Policy=json.dumps(live))

    status, out, _ = diff(assembly)
    assert (status, rows(out)) == (0, {number: "in sync"}), out
    (note,) = notes_under(out, number)
    assert "on_existing_policy=FAIL: 1 statement this stack did not write" in note

    events = len(driver.events)
    driver.deploy(assembly, "Strict")  # nothing changed: no event, nothing acts on the statement
    assert len(driver.events) == events
    assert "ByHand" in {s.get("Sid") for s in (attached(owner_client, number) or {})["Statement"]}
    assert diff(assembly)[0] == 0

    changed = _number_app(tmp_path / "v2", number, {"Strict": "FAIL"}, CONSUMER, "999988887777")
    with pytest.raises(StackOperationError, match="1 statement this stack did not write"):
        driver.deploy(changed, "Strict")  # the next deployment that changes its statements fails on it


# -- --strict: a gate that trusts nothing it did not compare (issue 23) ------------------------------


def test_strict_fails_on_a_flagged_statement_added_by_hand_and_on_a_skipped_policy(
    driver: LocalCloudFormation, diff: Any, owner_client: Any, tmp_path: Path
) -> None:
    number = new_phone_number(owner_client)
    app = cdk.App(outdir=str(tmp_path / "out"))
    stack = cdk.Stack(app, "Gate", env=ENV)
    PhoneNumber.from_phone_number_arn(stack, "Imported", number).share_with(iam.AccountPrincipal(CONSUMER))
    OptOutList(stack, "OptOuts", opt_out_list_name="gate-opt-outs").share_with(iam.AccountPrincipal(CONSUMER))
    app.synth()
    assembly = tmp_path / "out"
    driver.deploy(assembly, "Gate")
    assert diff(assembly)[0] == 0 and diff(assembly, "--strict")[0] == 0, "in sync, nothing flagged or skipped"

    # Someone opens the number to everyone by hand: not ours, so no drift; audit flags it.
    live = attached(owner_client, number)
    assert live is not None
    public = {"Sid": "ByHand", "Effect": "Allow", "Principal": "*", "Action": "sms-voice:*", "Resource": number}
    owner_client.put_resource_policy(
        ResourceArn=number, Policy=json.dumps({**live, "Statement": [*live["Statement"], public]})
    )
    status, out, _ = diff(assembly)
    assert status == 0 and any(line.startswith("    flagged: ") for line in lines_under(out, number)), out
    assert diff(assembly, "--strict")[0] == 1

    owner_client.put_resource_policy(ResourceArn=number, Policy=json.dumps(live))
    # Without CloudFormation the created list's policy cannot be resolved: skipped.
    status, out, _ = diff(assembly, "--no-cloudformation")
    assert status == 0 and any(line.startswith("skipped: ") for line in out), out
    assert diff(assembly, "--no-cloudformation", "--strict")[0] == 1
