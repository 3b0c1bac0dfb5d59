"""The stack's one function: runtime, least-privilege role, size limits, determinism."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from shared_sms import OptOutList, PhoneNumber, Pool
from shared_sms.policy_function import MAX_DEPLOY_TIME_GRANTS, MAX_LISTED_ARNS_PER_TYPE, POLICY_ACTIONS
from tests.constructs.helpers import CONSUMER, NUMBER_ARN, OWNER, REGION, new_stack

IAM_INLINE_POLICY_LIMIT = 10_240  # all of a role's inline policies together
IAM_MANAGED_POLICY_LIMIT = 6_144  # each managed policy


def _number_arn(index: int) -> str:
    return f"arn:aws:sms-voice:{REGION}:{OWNER}:phone-number/phone-{index:032x}"


def _grant(template: Template) -> tuple[str, dict[str, Any]]:
    """The logical id and definition of the one IAM policy that grants the policy calls."""
    (found,) = [
        (logical_id, policy)
        for logical_id, policy in template.find_resources("AWS::IAM::ManagedPolicy").items()
        if "sms-voice:PutResourcePolicy" in json.dumps(policy)
    ]
    return found


def _sms_statement(template: Template) -> dict[str, Any]:
    (statement,) = _grant(template)[1]["Properties"]["PolicyDocument"]["Statement"]
    return statement


def _within_iam_limits(template: Template) -> bool:
    """The role's inline policies together, and each managed one (the grant, of which an update
    has two generations on the role), within IAM's limits (whitespace is not counted)."""
    inline = [p["Properties"]["PolicyDocument"] for p in template.find_resources("AWS::IAM::Policy").values()]
    grant = _grant(template)[1]["Properties"]["PolicyDocument"]
    chars = sum(len(json.dumps(d, separators=(",", ":"))) for d in inline)
    return chars < IAM_INLINE_POLICY_LIMIT and len(json.dumps(grant, separators=(",", ":"))) < IAM_MANAGED_POLICY_LIMIT


def test_one_function_serves_every_policy_in_the_stack() -> None:
    stack = new_stack()
    consumer = iam.AccountPrincipal(CONSUMER)
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    opt_outs = OptOutList(stack, "OptOuts")
    pool = Pool(stack, "Pool", origination_identities=[number], help_message="h", stop_message="s")
    for resource in (number, opt_outs, pool):
        resource.share_with(consumer)
    template = Template.from_stack(stack)

    template.resource_count_is("Custom::SmsResourcePolicy", 3)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.has_resource_properties("AWS::Lambda::Function", {"Runtime": "python3.14", "Handler": "index.handler"})
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": Match.any_value()})
    (function_id,) = template.find_resources("AWS::Lambda::Function")
    for policy in template.find_resources("Custom::SmsResourcePolicy").values():
        assert policy["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_function_role_allows_only_policy_calls_on_managed_arns() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.share_with(iam.AccountPrincipal(CONSUMER))
    opt_outs = OptOutList(stack, "OptOuts")
    opt_outs.share_with(iam.AccountPrincipal(CONSUMER))
    template = Template.from_stack(stack)

    statement = _sms_statement(template)
    assert sorted(statement["Action"]) == [
        "sms-voice:DeleteResourcePolicy",
        "sms-voice:GetResourcePolicy",
        "sms-voice:PutResourcePolicy",
    ]
    assert statement["Resource"] == [NUMBER_ARN]
    # The opt-out list's ARN is known at deploy time: a grant of its own, named after its value.
    ((grant_id, grant),) = template.find_resources("AWS::IAM::RolePolicy").items()
    (own,) = grant["Properties"]["PolicyDocument"]["Statement"]
    assert own["Resource"]["Fn::GetAtt"][1] == "Arn" and sorted(own["Action"]) == sorted(statement["Action"])
    name = json.dumps(grant["Properties"]["PolicyName"])
    assert '"Fn::Split"' in name and '"Arn"' in name, "another value, another name: a replacement"
    waits = [p.get("DependsOn", []) for p in template.find_resources("Custom::SmsResourcePolicy").values()]
    assert sorted(grant_id in w for w in waits) == [False, True]
    rendered = json.dumps(template.to_json())
    assert '"Resource": "*"' not in rendered and '"Action": "*"' not in rendered
    template.resource_count_is("AWS::IAM::ManagedPolicy", 1)  # the grant


def test_four_hundred_policies_fit_cloudformation_and_iam_limits() -> None:
    stack = new_stack()
    consumer = iam.AccountPrincipal(CONSUMER)
    for index in range(400):
        PhoneNumber.from_phone_number_arn(stack, f"Number{index}", _number_arn(index)).share_with(consumer)
    template = Template.from_stack(stack)
    body = json.dumps(template.to_json(), separators=(",", ":"))

    template.resource_count_is("Custom::SmsResourcePolicy", 400)
    assert len(template.to_json()["Resources"]) < 500
    assert len(body.encode()) < 1_000_000
    statement = _sms_statement(template)
    assert len(statement["Resource"]) == 1  # one scoped pattern instead of 400 ARNs
    pattern = json.dumps(statement["Resource"][0])
    assert "phone-number/*" in pattern and OWNER in pattern and REGION in pattern
    assert _within_iam_limits(template)


def test_arns_are_listed_up_to_the_threshold() -> None:
    stack = new_stack()
    for index in range(MAX_LISTED_ARNS_PER_TYPE):
        PhoneNumber.from_phone_number_arn(stack, f"Number{index}", _number_arn(index)).share_with(
            iam.AccountPrincipal(CONSUMER)
        )
    template = Template.from_stack(stack)
    assert len(_sms_statement(template)["Resource"]) == MAX_LISTED_ARNS_PER_TYPE
    assert _within_iam_limits(template)


def _grant_of(arns: list[str], *, check: bool = False) -> tuple[str, dict[str, Any], Template]:
    stack = new_stack()
    for index, arn in enumerate(arns):
        PhoneNumber.from_phone_number_arn(stack, f"Number{index}", arn).share_with(iam.AccountPrincipal(CONSUMER))
    if check:
        PhoneNumber.from_phone_number_arn(stack, "Shared", NUMBER_ARN.replace(OWNER, CONSUMER), verify_shared=True)
    template = Template.from_stack(stack)
    return (*_grant(template), template)


def test_a_changed_grant_is_a_new_policy_that_every_policy_waits_for_and_is_deleted_after() -> None:
    """CloudFormation applies IAM in the update phase and deletes removed custom resources in the
    cleanup phase: the grant that named a removed ARN must outlive the Delete (DOMAIN.md)."""
    first_id, first, template = _grant_of([_number_arn(1), _number_arn(2)], check=True)
    same_id, same, _ = _grant_of([_number_arn(1), _number_arn(2)])
    fewer_id, _, _ = _grant_of([_number_arn(2)])

    assert first_id == same_id and first == same, "an unchanged grant keeps its logical id: no IAM change"
    assert fewer_id != first_id, "a changed grant is a new resource, created beside the old one"
    assert "ManagedPolicyName" not in first["Properties"], "CloudFormation names each generation uniquely"
    for policy in template.find_resources("Custom::SmsResourcePolicy").values():
        assert first_id in policy["DependsOn"], "each policy is deleted before the grant it was made with"
    for check in template.find_resources("Custom::SmsSharedResourceCheck").values():
        assert first_id not in check.get("DependsOn", []), "a check writes no policy"
    others = template.find_resources("AWS::IAM::Policy").values()
    assert others and all("sms-voice:PutResourcePolicy" not in json.dumps(p) for p in others)


def _producer_template() -> dict[str, Any]:
    stack = new_stack()
    PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN).share_with(iam.AccountPrincipal(CONSUMER))
    return Template.from_stack(stack).to_json()


def test_two_synths_give_identical_templates_and_asset_hashes() -> None:
    first, second = _producer_template(), _producer_template()
    assert first == second
    (function,) = [r for r in first["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert function["Properties"]["Code"]["S3Key"].endswith(".zip")


def test_function_asset_holds_the_handler_crhelper_and_model(tmp_path: Any) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "S", env=cdk.Environment(account=OWNER, region=REGION))
    PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN).share_with(iam.AccountPrincipal(CONSUMER))
    app.synth()
    (asset,) = [p for p in tmp_path.iterdir() if p.name.startswith("asset.")]
    files = {str(p.relative_to(asset)) for p in asset.rglob("*") if p.is_file()}
    assert "index.py" in files and "crhelper/resource_helper.py" in files
    assert "sms_voice_model/pinpoint-sms-voice-v2/2022-03-31/service-2.json.gz" in files
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]


def test_the_function_knows_its_stack_and_custom_resources_give_up_after_minutes_not_an_hour() -> None:
    stack = new_stack()
    PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN).share_with(iam.AccountPrincipal(CONSUMER))
    PhoneNumber.from_phone_number_arn(stack, "Shared", NUMBER_ARN.replace(OWNER, CONSUMER), verify_shared=True)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Timeout": 900, "Environment": {"Variables": {"SHARED_SMS_STACK_ID": {"Ref": "AWS::StackId"}}}},
    )
    for kind in ("Custom::SmsResourcePolicy", "Custom::SmsSharedResourceCheck"):
        template.has_resource_properties(kind, {"ServiceTimeout": "1080"})


def _shared_number(stack: cdk.Stack) -> None:
    PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN).share_with(iam.AccountPrincipal(CONSUMER))


def test_the_functions_code_goes_through_the_stacks_own_synthesizer() -> None:
    app = cdk.App(default_stack_synthesizer=cdk.DefaultStackSynthesizer(qualifier="plat01"))
    stack = cdk.Stack(app, "S", env=cdk.Environment(account=OWNER, region=REGION))
    _shared_number(stack)
    (function,) = Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
    assert function["Properties"]["Code"]["S3Bucket"] == f"cdk-plat01-assets-{OWNER}-{REGION}"


def test_customized_roles_replace_the_functions_role() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S", env=cdk.Environment(account=OWNER, region=REGION))
    iam.Role.customize_roles(stack, use_precreated_roles={"S/SharedSmsPolicyFunction/Role": "platform-sms-writer"})
    _shared_number(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 0)
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    assert "role/platform-sms-writer" in json.dumps(function["Properties"]["Role"])


def _iam_resources(template: dict[str, Any]) -> dict[str, str]:
    return {k: r["Type"] for k, r in template["Resources"].items() if r["Type"].startswith("AWS::IAM::")}


def test_customized_roles_get_the_functions_statements_in_cdks_report_and_nothing_in_the_template(
    tmp_path: Any,
) -> None:
    """iam.Role.customize_roles: IAM is a platform team's; CDK writes every grant of a customized role
    into iam-policy-report.{json,txt} for it, and the template touches no role (review M1)."""
    app = cdk.App(outdir=str(tmp_path))
    roles = {"S/SharedSmsPolicyFunction/Role": "platform-sms-writer", "S/AppRole": "platform-app-role"}
    iam.Role.customize_roles(app, use_precreated_roles=roles)
    stack = cdk.Stack(app, "S", env=cdk.Environment(account=OWNER, region=REGION))
    app_role = iam.Role(stack, "AppRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    app_role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::bucket/*"]))
    _shared_number(stack)
    number = PhoneNumber.from_phone_number_arn(stack, "PoolNumber", _number_arn(7))
    pool = Pool(stack, "Pool", origination_identities=[number], help_message="h", stop_message="s")
    pool.share_with(iam.AccountPrincipal(CONSUMER))  # a deploy-time ARN
    PhoneNumber.from_phone_number_arn(stack, "Shared", NUMBER_ARN.replace(OWNER, CONSUMER), verify_shared=True)
    app.synth()

    template = json.loads((tmp_path / "S.template.json").read_text())
    assert _iam_resources(template) == {}, "no role, and nothing written onto the pre-created one"
    for logical_id, resource in template["Resources"].items():
        assert not resource.get("DependsOn") or resource["Type"] == "Custom::SmsResourcePolicy", logical_id
    (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert "role/platform-sms-writer" in json.dumps(function["Properties"]["Role"])

    report = {r["roleName"]: r for r in json.loads((tmp_path / "iam-policy-report.json").read_text())["roles"]}
    assert report["platform-app-role"]["identityPolicyStatements"][0]["Action"] == "s3:GetObject"  # CDK's own
    statements = report["platform-sms-writer"]["identityPolicyStatements"]
    (grant,) = [s for s in statements if "sms-voice:PutResourcePolicy" in s["Action"]]
    assert sorted(grant["Action"]) == sorted(POLICY_ACTIONS)
    assert sorted(grant["Resource"]) == sorted([NUMBER_ARN, "(S/Pool/Resource.Arn)"])
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {"logs:PutLogEvents", "cloudformation:DescribeStacks", "sms-voice:DescribePhoneNumbers"} <= actions
    assert "platform-sms-writer" in (tmp_path / "iam-policy-report.txt").read_text()


def test_roles_customized_without_preventing_synthesis_still_get_no_policy_from_the_library(tmp_path: Any) -> None:
    """customize_roles(prevent_synthesis=False) keeps the roles in the template and reports their
    grants, as CDK does for its own grants: no IAM policy of the library either."""
    app = cdk.App(outdir=str(tmp_path))
    iam.Role.customize_roles(app, prevent_synthesis=False)
    stack = cdk.Stack(app, "S", env=cdk.Environment(account=OWNER, region=REGION))
    _shared_number(stack)
    app.synth()
    template = json.loads((tmp_path / "S.template.json").read_text())
    assert set(_iam_resources(template).values()) == {"AWS::IAM::Role"}
    (role,) = json.loads((tmp_path / "iam-policy-report.json").read_text())["roles"]
    assert any("sms-voice:PutResourcePolicy" in s["Action"] for s in role["identityPolicyStatements"])


def test_tags_and_aspects_reach_the_function_and_its_log_group() -> None:
    from aws_cdk import aws_lambda as lambda_

    @jsii.implements(cdk.IAspect)
    class Tracing:
        def visit(self, node: Any) -> None:
            if isinstance(node, lambda_.CfnFunction):
                node.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")

    stack = new_stack()
    cdk.Tags.of(stack).add("CostCenter", "1234")
    cdk.Aspects.of(stack).add(Tracing())
    _shared_number(stack)
    template = Template.from_stack(stack)
    tag = Match.array_with([{"Key": "CostCenter", "Value": "1234"}])
    template.has_resource_properties("AWS::Lambda::Function", {"Tags": tag, "TracingConfig": {"Mode": "Active"}})
    template.has_resource_properties("AWS::Logs::LogGroup", {"Tags": tag, "RetentionInDays": 30})


def test_deploy_time_arns_get_grants_of_their_own_up_to_a_limit_within_iam_limits() -> None:
    stack = new_stack()
    consumer = iam.AccountPrincipal(CONSUMER)
    for index in range(MAX_DEPLOY_TIME_GRANTS + 3):
        arn = cdk.CfnParameter(stack, f"Arn{index}", type="String").value_as_string
        OptOutList.from_opt_out_list_arn(stack, f"List{index}", arn, owned=True).share_with(consumer)
    template = Template.from_stack(stack)

    template.resource_count_is("AWS::IAM::RolePolicy", MAX_DEPLOY_TIME_GRANTS)
    assert len(_sms_statement(template)["Resource"]) == 3, "the rest are listed in the shared grant"
    documents = [
        p["Properties"]["PolicyDocument"]
        for kind in ("AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::RolePolicy")  # two generations
        for p in template.find_resources(kind).values()
    ]
    resolved = json.dumps(documents, separators=(",", ":")).replace('{"Ref":"Arn', "x" * 100)
    assert len(resolved) < IAM_INLINE_POLICY_LIMIT


def test_lambda_neither_retries_an_event_nor_delivers_one_cloudformation_stopped_waiting_for() -> None:
    """Issue 23 (replayed or late events): the function is invoked asynchronously."""
    app = cdk.App()
    stack = cdk.Stack(app, "Producer", env=cdk.Environment(account="111122223333", region="us-east-1"))
    arn = "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef"
    PhoneNumber.from_phone_number_arn(stack, "Number", arn).share_with(iam.AccountPrincipal("444455556666"))
    template = Template.from_stack(stack)

    (config,) = template.find_resources("AWS::Lambda::EventInvokeConfig").values()
    (function_id,) = template.find_resources("AWS::Lambda::Function")
    assert config["Properties"]["FunctionName"] == {"Ref": function_id}
    assert config["Properties"]["MaximumRetryAttempts"] == 0
    timeouts = {
        int(r["Properties"]["ServiceTimeout"]) for r in template.find_resources("Custom::SmsResourcePolicy").values()
    }
    assert config["Properties"]["MaximumEventAgeInSeconds"] <= min(timeouts)
