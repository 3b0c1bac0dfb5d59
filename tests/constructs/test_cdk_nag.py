"""cdk-nag, major 2 (an Aspect that reads ``cdk_nag`` metadata) or 3 (a validation plugin that reads
CDK's acknowledgments), whichever is installed: the library's own wildcards are acknowledged, on its
own policies and for its own findings only, and a user's ``Resource: "*"`` is still an error."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from shared_sms import PhoneNumber
from shared_sms.policy_function import MAX_LISTED_ARNS_PER_TYPE
from tests.constructs.helpers import CONSUMER, NUMBER_ARN, OWNER, REGION

NAG_MAJOR = int(version("cdk-nag").split(".")[0])
ENV = cdk.Environment(account=OWNER, region=REGION)
FOLDED = f"Resource::arn:<AWS::Partition>:sms-voice:{REGION}:{OWNER}:phone-number/*"


def _number_arn(index: int) -> str:
    return f"arn:aws:sms-voice:{REGION}:{OWNER}:phone-number/phone-{index:032x}"


def _library_stack(app: cdk.App, id: str) -> cdk.Stack:
    """Both of the library's wildcards: a check's Describe* on "*", and a type folded into its pattern."""
    stack = cdk.Stack(app, id, env=ENV)
    PhoneNumber.from_phone_number_arn(stack, "Shared", NUMBER_ARN.replace(OWNER, CONSUMER), verify_shared=True)
    for index in range(MAX_LISTED_ARNS_PER_TYPE + 1):
        number = PhoneNumber.from_phone_number_arn(stack, f"N{index}", _number_arn(index))
        number.share_with(iam.AccountPrincipal(CONSUMER))
    return stack


def _users_wildcard(stack: cdk.Stack) -> None:
    role = iam.Role(stack, "AppRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))


def _nag_errors(app: cdk.App, outdir: Path) -> set[tuple[str, str]]:
    """(construct path, finding) of every error of the installed cdk-nag's AwsSolutions pack."""
    if NAG_MAJOR < 3:
        cdk.Aspects.of(app).add(AwsSolutionsChecks())
        assembly = app.synth()
        return {
            (message.id.lstrip("/"), str(message.entry.data).split(": ", 1)[0])
            for stack in assembly.stacks
            for message in stack.messages
            if message.level.name == "ERROR" and str(message.entry.data).startswith("AwsSolutions-")
        }
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((outdir / "validation-report.json").read_text())
    return {
        (construct["constructPath"], violation["ruleName"])
        for plugin in report["pluginReports"]
        for violation in plugin.get("violations", [])
        for construct in violation.get("violatingConstructs", [])
    }


def test_the_librarys_wildcards_are_acknowledged_and_a_users_own_are_still_errors(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    library = _library_stack(app, "Library")
    _users_wildcard(library)  # in the same stack as the library's acknowledged wildcards
    _users_wildcard(cdk.Stack(app, "Other", env=ENV))
    assert _nag_errors(app, tmp_path) == {
        ("Library/AppRole/DefaultPolicy/Resource", "AwsSolutions-IAM5[Resource::*]"),
        ("Other/AppRole/DefaultPolicy/Resource", "AwsSolutions-IAM5[Resource::*]"),
    }


def _nag_metadata(template: Template) -> dict[str, Any]:
    return {
        logical_id: resource["Metadata"]["cdk_nag"]
        for logical_id, resource in template.to_json()["Resources"].items()
        if "cdk_nag" in resource.get("Metadata", {})
    }


def test_cdk_nag_2_metadata_names_only_the_librarys_policies_and_their_findings() -> None:
    """What cdk-nag 2 reads, whichever major is installed: one suppression per wildcard the
    library grants, each on the policy that grants it and for that finding only."""
    stack = _library_stack(cdk.App(), "Library")
    _users_wildcard(stack)
    suppressions = _nag_metadata(Template.from_stack(stack))
    runtime_ids = [k for k in suppressions if k.startswith("SharedSmsPolicyFunctionRuntime")]
    grants_ids = [k for k in suppressions if k.startswith("SharedSmsPolicyFunctionGrants")]
    assert len(runtime_ids) == len(grants_ids) == 1, suppressions
    (runtime_id,), (grants_id,) = runtime_ids, grants_ids
    assert set(suppressions) == {runtime_id, grants_id}, "nothing of the user's is suppressed"
    for logical_id, finding in ((runtime_id, "Resource::*"), (grants_id, FOLDED)):
        (rule,) = suppressions[logical_id]["rules_to_suppress"]
        assert rule["id"] == "AwsSolutions-IAM5" and rule["applies_to"] == [finding]
        assert len(rule["reason"]) >= 10
