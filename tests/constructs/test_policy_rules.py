"""Issue 22: synthesis says what a deployment (or `shared-sms audit`) would say about a policy.

Each test is a user's app: service principals need a source condition (the audit's own rule),
a public principal needs a condition that really names a caller, and an operation newer than
the Service Authorization Reference table is a warning, not an error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template

from shared_sms import PhoneNumber, Pool, ResourcePolicy
from shared_sms.cli.audit import grants_of
from shared_sms.resource_types import PHONE_NUMBER
from shared_sms.sms_voice_actions import ALL_ACTIONS
from tests.constructs.helpers import CONSUMER, NUMBER_ARN, OWNER, POOL_ARN, new_stack, policies

ROLE_PATTERN = f"arn:aws:iam::{CONSUMER}:role/sender-*"


def operations_not_in_reference() -> list[str]:
    """The operations the action table lacks, as generated with it (sms_voice_actions.py)."""
    from shared_sms.sms_voice_actions import OPERATIONS_NOT_IN_REFERENCE

    return sorted(OPERATIONS_NOT_IN_REFERENCE)


def installed_operations_not_in_reference() -> list[str]:
    """Operations of the installed botocore's SMS Voice V2 model that the action table lacks."""
    from botocore.loaders import create_loader

    model = create_loader().load_service_model("pinpoint-sms-voice-v2", "service-2")
    listed = {action.lower() for action in ALL_ACTIONS}
    return sorted(name for name in model["operations"] if name.lower() not in listed)


def _synth_error(stack: cdk.Stack) -> str:
    with pytest.raises(Exception) as failure:
        Template.from_stack(stack)
    return str(failure.value)


# --- service principals: one rule for synthesis and audit ---------------------------------------


def test_share_with_a_service_principal_fails_synthesis_and_names_allow_service() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.share_with(iam.ServicePrincipal("sns.amazonaws.com"))
    message = _synth_error(stack)
    assert "allows the service sns.amazonaws.com without an aws:SourceAccount, aws:SourceArn" in message
    assert "allow_service('sns.amazonaws.com'" in message


def test_grant_to_a_service_principal_fails_synthesis() -> None:
    stack = new_stack()
    pool = Pool.from_pool_arn(stack, "Pool", POOL_ARN)
    pool.grant(iam.ServicePrincipal("pinpoint.amazonaws.com"), "sms-voice:SendTextMessage")
    assert "allows the service pinpoint.amazonaws.com without" in _synth_error(stack)


@pytest.mark.parametrize("value", ["*", "1*", ""])
def test_a_source_condition_that_names_no_account_is_no_condition(value: str) -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"],
            principals=[iam.ServicePrincipal("sns.amazonaws.com")],
            conditions={"StringLike": {"aws:SourceAccount": value}},
        )
    )
    assert "allows the service sns.amazonaws.com without" in _synth_error(stack)


def test_a_service_with_a_source_arn_or_allow_service_or_the_opt_in_synthesizes() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.allow_service("sns.amazonaws.com")
    number.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"],
            principals=[iam.ServicePrincipal("pinpoint.amazonaws.com")],
            conditions={"ArnLike": {"aws:SourceArn": f"arn:aws:mobiletargeting:us-east-1:{OWNER}:apps/*"}},
        )
    )
    pool = Pool.from_pool_arn(stack, "Pool", POOL_ARN)
    ResourcePolicy(stack, "PoolPolicy", resource=pool, allow_unconditioned_service=True)
    pool.share_with(iam.ServicePrincipal("sns.amazonaws.com"))
    Template.from_stack(stack).resource_count_is("Custom::SmsResourcePolicy", 2)


def test_audit_flags_exactly_the_statements_synthesis_refuses() -> None:
    """The audit and synthesis apply one function: what one accepts the other does not flag."""
    cases: list[tuple[Any, dict[str, Any]]] = [
        ({"Service": "sns.amazonaws.com"}, {}),
        ({"Service": "sns.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": OWNER}}),
        ({"Service": "sns.amazonaws.com"}, {"StringLike": {"aws:SourceAccount": "*"}}),
        ("*", {"ArnLike": {"aws:PrincipalArn": ROLE_PATTERN}}),
        ("*", {"StringLike": {"aws:PrincipalOrgID": "o-*"}}),
        ("*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
    ]
    for principal, condition in cases:
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": principal,
            "Action": "sms-voice:SendTextMessage",
            "Resource": NUMBER_ARN,
        }
        if condition:
            statement["Condition"] = condition
        stack = new_stack()
        number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
        number.add_to_resource_policy(iam.PolicyStatement.from_json(statement))
        try:
            Template.from_stack(stack)
            refused = False
        except Exception:
            refused = True
        ((grant, _),) = grants_of(NUMBER_ARN, PHONE_NUMBER, {"Statement": [statement]})
        assert refused == bool(grant.flags), (principal, condition, grant.flags)


# --- the caller rule ---------------------------------------------------------------------------


def test_public_principal_narrowed_to_roles_of_one_account_by_principal_arn_synthesizes() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"],
            principals=[iam.AnyPrincipal()],
            conditions={"ArnLike": {"aws:PrincipalArn": ROLE_PATTERN}},
        )
    )
    (policy,) = policies(Template.from_stack(stack))
    assert policy["Policy"]["Statement"][0]["Condition"] == {"ArnLike": {"aws:PrincipalArn": ROLE_PATTERN}}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("aws:userid", "AROAEXAMPLEID:*"),
        ("aws:PrincipalOrgPaths", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"),
        ("aws:PrincipalAccount", CONSUMER),
        ("aws:SourceArn", f"arn:aws:sns:us-east-1:{CONSUMER}:*"),
    ],
)
def test_public_principal_with_a_pinning_value_synthesizes(key: str, value: str) -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"],
            principals=[iam.AnyPrincipal()],
            conditions={"StringLike": {key: value}},
        )
    )
    Template.from_stack(stack).resource_count_is("Custom::SmsResourcePolicy", 1)


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        ("StringLike", "aws:PrincipalOrgID", "o-*"),
        ("ArnLike", "aws:PrincipalArn", "arn:aws:*"),
        ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/sender"),
        ("StringLike", "aws:PrincipalAccount", "1*"),
        ("StringLike", "aws:PrincipalOrgPaths", "o-*/*"),
        ("StringLike", "aws:userid", "*:sender"),
    ],
)
def test_public_principal_with_a_value_that_pins_nothing_fails_synthesis(operator: str, key: str, value: str) -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"],
            principals=[iam.AnyPrincipal()],
            conditions={operator: {key: value}},
        )
    )
    assert "allows every AWS account (principal '*') without a condition on who calls" in _synth_error(stack)


# --- operations newer than the Service Authorization Reference table ---------------------------


def test_the_library_and_make_test_name_the_operations_the_table_lacks() -> None:
    """``policy_checks`` reads the same list; ``python tools/build_action_table.py --check``
    (make lint, make test) prints it as a note without failing."""
    import botocore

    from shared_sms.policy_checks import operations_not_in_reference as library

    assert library() == operations_not_in_reference()
    root = Path(__file__).resolve().parents[2]
    generated_by = (root / "constructs" / "shared_sms" / "sms_voice_actions.py").read_text()
    if f"botocore {botocore.__version__}'s" not in generated_by:
        pytest.skip("the table was generated with requirements.txt's botocore: --check is for that one")
    assert operations_not_in_reference() == installed_operations_not_in_reference()
    run = subprocess.run(
        [sys.executable, str(root / "tools" / "build_action_table.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    missing = operations_not_in_reference()
    assert all(name in run.stderr for name in missing) and ("lacks" in run.stderr) == bool(missing)


def test_an_operation_newer_than_the_table_is_a_warning_with_its_own_id_not_an_error() -> None:
    if "SendRcsMessage" not in operations_not_in_reference():
        pytest.skip("the action table lists SendRcsMessage now")
    stack = new_stack()
    pool = Pool.from_pool_arn(stack, "Pool", POOL_ARN)
    pool.grant(iam.AccountPrincipal(CONSUMER), "sms-voice:SendRcsMessage")
    pool.add_to_resource_policy(
        iam.PolicyStatement(actions=["sms-voice:CarrierLookup"], principals=[iam.AccountPrincipal(CONSUMER)])
    )
    template = Template.from_stack(stack)
    (policy,) = policies(template)
    actions = json.dumps(policy["Policy"])
    assert "sms-voice:SendRcsMessage" in actions and "sms-voice:CarrierLookup" in actions
    warnings = Annotations.from_stack(stack).find_warning(
        "*", Match.string_like_regexp("shared-sms:action-not-in-reference")
    )
    texts = " ".join(str(w.entry.data) for w in warnings)
    assert "'sms-voice:SendRcsMessage' is an operation of the installed botocore" in texts
    assert "'sms-voice:CarrierLookup'" in texts
    assert "does not exist" not in texts and "does not list 'sms-voice:SendRcsMessage' for a" not in texts


def test_the_warning_can_be_acknowledged_and_a_typo_is_still_an_error() -> None:
    if "SendRcsMessage" not in operations_not_in_reference():
        pytest.skip("the action table lists SendRcsMessage now")
    stack = new_stack()
    pool = Pool.from_pool_arn(stack, "Pool", POOL_ARN)
    pool.grant(iam.AccountPrincipal(CONSUMER), "sms-voice:SendRcsMessage")
    cdk.Annotations.of(stack).acknowledge_warning("shared-sms:action-not-in-reference", "RCS through the pool")
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("not-in-reference")) == []

    typo = new_stack()
    Pool.from_pool_arn(typo, "Pool", POOL_ARN).add_to_resource_policy(
        iam.PolicyStatement(actions=["sms-voice:SendRcsMesage"], principals=[iam.AccountPrincipal(CONSUMER)])
    )
    assert "did you mean 'sms-voice:SendRcsMessage'?" in _synth_error(typo)


def test_grant_send_on_a_pool_does_not_include_rcs() -> None:
    """Decision (issue 22): grant_send grants what the reference lists for the type; RCS is asked for
    by name with grant(grantee, "sms-voice:SendRcsMessage")."""
    stack = new_stack()
    Pool.from_pool_arn(stack, "Pool", POOL_ARN).grant_send(iam.AccountPrincipal(CONSUMER))
    (policy,) = policies(Template.from_stack(stack))
    assert "SendRcsMessage" not in json.dumps(policy["Policy"])


def test_audit_names_an_operation_newer_than_the_table_as_synthesis_does() -> None:
    if "SendRcsMessage" not in operations_not_in_reference():
        pytest.skip("the action table lists SendRcsMessage now")
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:root"},
        "Action": ["sms-voice:SendRcsMessage", "sms-voice:CreatePool"],
        "Resource": NUMBER_ARN,
    }
    ((grant, _),) = grants_of(NUMBER_ARN, PHONE_NUMBER, {"Statement": [statement]})
    assert grant.flags == ("action-not-in-reference: sms-voice:SendRcsMessage",)


@pytest.mark.parametrize(
    ("principal", "condition"),
    [
        (iam.ServicePrincipal("sns.amazonaws.com"), {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}}),
        (iam.ServicePrincipal("sns.amazonaws.com"), {"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}),
        (iam.AnyPrincipal(), {"ArnLike": {"aws:PrincipalArn": "arn:*:iam::111122223333:role/sender-*"}}),
    ],
    ids=["source-arn-any-region", "source-org-id", "principal-arn-any-partition"],
)
def test_a_condition_that_pins_an_account_or_organization_passes_whatever_else_is_a_wildcard(
    principal: iam.IPrincipal, condition: dict[str, Any]
) -> None:
    """Review of issues 21-22: a literal account in an ARN pins the caller whatever wildcards stand
    in its partition or region, and AWS's confused-deputy keys include the organization ones."""
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, owned=True)
    number.add_to_resource_policy(
        iam.PolicyStatement(actions=["sms-voice:SendTextMessage"], principals=[principal], conditions=condition)
    )
    Template.from_stack(stack)  # synthesizes: no error
