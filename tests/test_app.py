"""The example app, synthesized by the real npm CDK CLI, checked by cfn-lint and cdk-nag."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from cdk_nag import AwsSolutionsChecks

from tests.harness.cdk_cli import cdk_synth


@pytest.fixture(scope="module")
def cloud_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cdk_synth(tmp_path_factory.mktemp("cdk.out"), consumerAccount="999988887777")


def _template(outdir: Path, stack: str) -> dict[str, Any]:
    return json.loads((outdir / f"{stack}.template.json").read_text())


def test_producer_shares_with_consumer_from_context_override(cloud_assembly: Path) -> None:
    producer = _template(cloud_assembly, "SmsProducer")
    policies = [r for r in producer["Resources"].values() if r["Type"] == "Custom::SmsResourcePolicy"]
    assert len(policies) == 4  # number, sender ID, opt-out list, pool
    assert all("999988887777" in json.dumps(p["Properties"]["Policy"]) for p in policies)
    assert sum("sns.amazonaws.com" in json.dumps(p["Properties"]["Policy"]) for p in policies) == 2


def test_consumer_role_may_send_through_shared_arns_once_verified_shared(cloud_assembly: Path) -> None:
    consumer = _template(cloud_assembly, "SmsConsumer")
    (policy,) = [
        r
        for r in consumer["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy" and "NotificationSender" in json.dumps(r["Properties"]["Roles"])
    ]
    resources = {s["Resource"] for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert any(":phone-number/" in r for r in resources) and any(":sender-id/" in r for r in resources)
    checks = [r for r in consumer["Resources"].values() if r["Type"] == "Custom::SmsSharedResourceCheck"]
    assert sorted(c["Properties"]["ResourceArn"] for c in checks) == sorted(resources)
    assert not [r for r in consumer["Resources"].values() if r["Type"] == "Custom::SmsResourcePolicy"]


def test_cfn_lint_finds_no_errors(cloud_assembly: Path) -> None:
    templates = sorted(str(p) for p in cloud_assembly.glob("*.template.json"))
    run = subprocess.run(
        [shutil.which("cfn-lint") or "cfn-lint", "--", *templates],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_cdk_nag_passes_the_example_app(cloud_assembly: Path) -> None:
    report = json.loads((cloud_assembly / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []


def test_cdk_nag_plugin_does_fail_a_violating_stack(tmp_path: Path) -> None:
    """Control for the test above: the same plugin set-up rejects an outdated runtime."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Outdated")
    lambda_.Function(
        stack,
        "Old",
        runtime=lambda_.Runtime.PYTHON_3_9,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c): pass"),
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert any(v["ruleName"] == "AwsSolutions-L1" for p in report["pluginReports"] for v in p["violations"])


def test_cdk_nag_passes_a_stack_with_four_hundred_policies(tmp_path: Path) -> None:
    from aws_cdk import aws_iam as iam

    from shared_sms import PhoneNumber

    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Big", env=cdk.Environment(account="111122223333", region="us-east-1"))
    for index in range(400):
        arn = f"arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-{index:032x}"
        PhoneNumber.from_phone_number_arn(stack, f"N{index}", arn).share_with(iam.AccountPrincipal("444455556666"))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on any unacknowledged error
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert [v for p in report["pluginReports"] for v in p.get("violations", [])] == []
    template = json.loads((tmp_path / "Big.template.json").read_text())
    assert '"Resource": "*"' not in json.dumps(template)
