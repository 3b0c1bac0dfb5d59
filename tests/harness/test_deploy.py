"""The local CloudFormation driver against what the CloudFormation documentation says, with
hand-written templates deployed against the emulator and the function.

- DeletionPolicy attribute: ``Retain`` keeps a resource when it leaves the stack (removed from
  the template or its stack deleted); ``RetainExceptOnCreate`` "behaves like Retain for stack
  operations, except for the stack operation that initially created the resource": a rollback
  deletes it, while it keeps ``Retain`` resources the failed operation created (which is why
  RetainExceptOnCreate was introduced).
- UpdateReplacePolicy attribute: decides the old physical resource of a replacement
  (DeletionPolicy does not apply to replacements).
- Custom resources: after a failed Create, CloudFormation sends Delete with the
  PhysicalResourceId of the FAILED answer; a failed Update is rolled back with an Update whose
  old and new properties are swapped; "Modifying service token is not allowed."
- Stack updates delete removed resources in the cleanup phase, dependents first.
- Conditions: a resource or output whose Condition is false is not created; Fn::If with
  AWS::NoValue removes a property.
- Pseudo parameters: AWS::Partition and AWS::URLSuffix are those of the stack's region.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shared_sms_function.equivalence import normalize
from tests.conftest import CONSUMER, OWNER, REGION, attached, client_for, new_phone_number, share
from tests.e2e.accounts import NEW_CONSUMER, ORG_MEMBER
from tests.harness import assemblies
from tests.harness.cloudformation import policy_json
from tests.harness.deploy import LocalCloudFormation, StackOperationError, TemplateValidationError

STACK = "DriverCheck"
TOKEN = f"arn:aws:lambda:{REGION}:{OWNER}:function:DriverCheck-SharedSmsPolicyFunction"
PLACEHOLDER = {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}  # a template needs a resource


def write_assembly(directory: Path, template: dict[str, Any], region: str = REGION) -> Path:
    return assemblies.write_assembly(directory, STACK, template, account=OWNER, region=region)


def deploy(cloudformation: LocalCloudFormation, directory: Path, resources: dict[str, Any], **more: Any) -> None:
    cloudformation.deploy(write_assembly(directory, {"Resources": {**PLACEHOLDER, **resources}, **more}), STACK)


def opt_out_list(name: str, **attributes: Any) -> dict[str, Any]:
    return {"Type": "AWS::SMSVOICE::OptOutList", "Properties": {"OptOutListName": name}, **attributes}


def policy(arn: str, *accounts: str, mode: str = "MERGE", token: str = TOKEN, **attributes: Any) -> dict[str, Any]:
    properties = {"ServiceToken": token, "ResourceArn": arn, "Policy": policy_json(*accounts, arn=arn)}
    return {"Type": "Custom::SmsResourcePolicy", "Properties": {**properties, "OnExistingPolicy": mode}, **attributes}


def failing(**attributes: Any) -> dict[str, Any]:
    """A custom resource the function answers FAILED (its ResourceArn is no ARN)."""
    properties = {"ServiceToken": TOKEN, "ResourceArn": "not-an-arn", "Policy": "{}"}
    return {"Type": "Custom::SmsResourcePolicy", "Properties": properties, **attributes}


def opt_out_lists(client: Any) -> set[str]:
    pages = client.get_paginator("describe_opt_out_lists").paginate()
    return {item["OptOutListName"] for page in pages for item in page["OptOutLists"]}


def received(cloudformation: LocalCloudFormation, logical_id: str) -> list[tuple[str, str | None, str]]:
    """What the function received for ``logical_id``: (RequestType, PhysicalResourceId, answer Status)."""
    return [
        (e["event"]["RequestType"], e["event"].get("PhysicalResourceId"), e["answer"]["Status"])
        for e in cloudformation.events
        if e["event"]["LogicalResourceId"] == logical_id
    ]


# -- 1. DeletionPolicy and UpdateReplacePolicy ------------------------------------------------------
def test_a_rollback_keeps_what_it_created_with_retain_and_deletes_retain_except_on_create(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    created = {
        "Kept": opt_out_list("kept", DeletionPolicy="Retain"),
        "NotKept": opt_out_list("not-kept", DeletionPolicy="RetainExceptOnCreate"),
        "Plain": opt_out_list("plain"),
    }
    with pytest.raises(StackOperationError) as failed:  # a stack create that fails
        deploy(cloudformation, tmp_path / "create", {**created, "Fails": failing(DependsOn=sorted(created))})
    assert failed.value.logical_id == "Fails"
    assert opt_out_lists(owner) == {"kept"}
    stack = cloudformation.stacks[STACK]  # a failed create leaves the stack, empty, until it is deleted
    assert (stack.status, stack.resources) == ("ROLLBACK_COMPLETE", {})

    owner.delete_opt_out_list(OptOutListName="kept")
    existing = {"Existing": opt_out_list("existing", DeletionPolicy="RetainExceptOnCreate")}
    deploy(cloudformation, tmp_path / "first", existing)
    added = {"Added": opt_out_list("added", DeletionPolicy="Retain"), "Dropped": opt_out_list("dropped")}
    with pytest.raises(StackOperationError):  # an update that fails
        deploy(cloudformation, tmp_path / "second", {**existing, **added, "Fails": failing(DependsOn=sorted(added))})
    assert opt_out_lists(owner) == {"existing", "added"}  # what the update created and keeps is no longer the stack's
    assert set(cloudformation.stacks[STACK].resources) == {"Placeholder", "Existing"}


def test_resources_leaving_the_stack_are_kept_by_retain_and_retain_except_on_create(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    staying = {"Stays": opt_out_list("stays", DeletionPolicy="RetainExceptOnCreate")}
    leaving = {
        "Kept": opt_out_list("kept", DeletionPolicy="Retain"),
        "KeptToo": opt_out_list("kept-too", DeletionPolicy="RetainExceptOnCreate"),
        "Deleted": opt_out_list("deleted", DeletionPolicy="Delete"),
        "Snapshotted": opt_out_list("snapshotted", DeletionPolicy="Snapshot"),  # no snapshots here: deleted
        "Plain": opt_out_list("plain"),
    }
    deploy(cloudformation, tmp_path / "first", {**staying, **leaving})
    deploy(cloudformation, tmp_path / "second", staying)
    assert opt_out_lists(owner) == {"stays", "kept", "kept-too"}
    assert set(cloudformation.stacks[STACK].resources) == {"Placeholder", "Stays"}

    cloudformation.delete_stack(STACK)
    assert opt_out_lists(owner) == {"stays", "kept", "kept-too"}
    assert STACK not in cloudformation.stacks


def test_a_replacement_follows_update_replace_policy_not_deletion_policy(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)

    def resources(version: int) -> dict[str, Any]:  # a new name replaces an opt-out list
        return {
            "OldKept": opt_out_list(f"old-kept-{version}", UpdateReplacePolicy="Retain"),
            "OldDeleted": opt_out_list(f"old-deleted-{version}", DeletionPolicy="Retain"),
            "Snapshotted": opt_out_list(f"snapshotted-{version}", UpdateReplacePolicy="Snapshot"),
        }

    deploy(cloudformation, tmp_path / "first", resources(1))
    deploy(cloudformation, tmp_path / "second", resources(2))
    assert opt_out_lists(owner) == {"old-kept-1", "old-kept-2", "old-deleted-2", "snapshotted-2"}


def test_a_change_replaces_a_resource_only_when_a_create_only_property_changes(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    first, second = new_phone_number(owner), new_phone_number(owner)

    def resources(number: str, tag: str) -> dict[str, Any]:
        pool = {"Type": "AWS::SMSVOICE::Pool", "Properties": {"OriginationIdentities": [number]}}
        tagged = {"OptOutListName": "tagged", "Tags": [{"Key": "team", "Value": tag}]}
        return {"Pool": pool, "List": {"Type": "AWS::SMSVOICE::OptOutList", "Properties": tagged}}

    deploy(cloudformation, tmp_path / "first", resources(first, "a"))
    before = {lid: d.physical_id for lid, d in cloudformation.stacks[STACK].resources.items()}
    # The registry schemas: a pool's properties all update in place, an opt-out list's Tags too.
    deploy(cloudformation, tmp_path / "second", resources(second, "b"))
    after = {lid: d.physical_id for lid, d in cloudformation.stacks[STACK].resources.items()}
    assert after == before
    assert [p["PoolId"] for p in owner.describe_pools()["Pools"]] == [before["Pool"]]


# -- 2. the custom resource that failed gets its rollback event -----------------------------------------
def test_a_custom_resource_whose_create_failed_gets_a_delete_with_the_physical_id_it_answered(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    number = new_phone_number(owner)
    share(owner, number, account=NEW_CONSUMER)  # another team's statement: FAIL refuses to write beside it
    before = attached(owner, number)

    with pytest.raises(StackOperationError) as failed:
        deploy(cloudformation, tmp_path / "one", {"Policy": policy(number, CONSUMER, mode="FAIL")})
    assert "this stack did not write" in failed.value.reason
    assert received(cloudformation, "Policy") == [("Create", None, "FAILED"), ("Delete", number, "SUCCESS")]
    assert cloudformation.events[0]["answer"]["PhysicalResourceId"] == number  # the id the Delete carries
    assert attached(owner, number) == before  # the clean-up removed nothing it had not written

    # A Create that fails before it knows its ARN answers a made-up id; the Delete carries that one.
    with pytest.raises(StackOperationError):
        deploy(cloudformation, tmp_path / "two", {"Broken": failing()})
    made_up = cloudformation.events[-2]["answer"]["PhysicalResourceId"]
    assert "Broken" in made_up
    assert received(cloudformation, "Broken") == [("Create", None, "FAILED"), ("Delete", made_up, "SUCCESS")]


def test_a_custom_resource_whose_update_failed_gets_a_rollback_update_with_the_properties_swapped(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    number = new_phone_number(owner)
    share(owner, number, account=NEW_CONSUMER)  # another team's statement
    first = {"Policy": policy(number, CONSUMER)}  # MERGE: ours beside theirs
    deploy(cloudformation, tmp_path / "first", first)
    written = attached(owner, number)

    second = {"Policy": policy(number, CONSUMER, ORG_MEMBER, mode="FAIL")}  # refused: theirs is there
    with pytest.raises(StackOperationError):
        deploy(cloudformation, tmp_path / "second", second)
    assert received(cloudformation, "Policy") == [
        ("Create", None, "SUCCESS"),
        ("Update", number, "FAILED"),
        ("Update", number, "SUCCESS"),
    ]
    failed, rollback = cloudformation.events[-2], cloudformation.events[-1]
    assert rollback["event"]["PhysicalResourceId"] == failed["answer"]["PhysicalResourceId"]
    assert rollback["event"]["ResourceProperties"] == failed["event"]["OldResourceProperties"]
    assert rollback["event"]["OldResourceProperties"] == failed["event"]["ResourceProperties"]
    assert rollback["event"]["ResourceProperties"]["OnExistingPolicy"] == "MERGE"
    assert attached(owner, number) == written


# -- 3. removed resources go dependents first -----------------------------------------------------------
def test_removed_resources_are_deleted_in_reverse_dependency_order_of_the_old_template(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    number = new_phone_number(client_for(OWNER, emulator))
    chain = {  # listed neither in dependency order nor in its reverse
        "Third": policy(number, ORG_MEMBER, DependsOn="Second"),
        "First": policy(number, CONSUMER),
        "Second": policy(number, NEW_CONSUMER, DependsOn="First"),
    }
    deploy(cloudformation, tmp_path / "first", chain)
    assert [e["event"]["LogicalResourceId"] for e in cloudformation.events] == ["First", "Second", "Third"]

    deploy(cloudformation, tmp_path / "second", {})
    deletes = [e["event"]["LogicalResourceId"] for e in cloudformation.events if e["event"]["RequestType"] == "Delete"]
    assert deletes == ["Third", "Second", "First"]
    assert attached(client_for(OWNER, emulator), number) is None


# -- 4. service token, conditions, native failures, partitions --------------------------------------------
def test_fails_to_modify_a_custom_resources_service_token_and_rolls_back(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    number = new_phone_number(owner)
    deploy(
        cloudformation,
        tmp_path / "first",
        {"Shared": policy(number, CONSUMER), "Moved": policy(number, NEW_CONSUMER, DependsOn="Shared")},
    )
    written, sent = attached(owner, number), len(cloudformation.events)

    other_function = TOKEN.replace("SharedSmsPolicyFunction", "OtherFunction")
    changed = {
        "Shared": policy(number, ORG_MEMBER),  # updated first
        "Moved": policy(number, NEW_CONSUMER, token=other_function, DependsOn="Shared"),
    }
    with pytest.raises(StackOperationError) as failed:
        deploy(cloudformation, tmp_path / "second", changed)
    assert (failed.value.logical_id, failed.value.reason) == ("Moved", "Modifying service token is not allowed.")
    then = [(e["event"]["LogicalResourceId"], e["event"]["RequestType"]) for e in cloudformation.events[sent:]]
    assert then == [("Shared", "Update"), ("Shared", "Update")]  # the change and its rollback; nothing to Moved
    assert normalize(attached(owner, number)) == normalize(written)  # statement for statement


def test_a_resource_whose_condition_is_false_is_not_deployed(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    template = {
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
            "IsNotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
            "ProdHere": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, REGION]}]},
            "DevOrTest": {
                "Fn::Or": [{"Fn::Equals": [{"Ref": "Stage"}, "dev"]}, {"Fn::Equals": ["test", {"Ref": "Stage"}]}]
            },
        },
        "Resources": {
            "ProdList": opt_out_list("prod-list", Condition="ProdHere"),
            "DevList": opt_out_list("dev-list", Condition="DevOrTest"),
            "Setting": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": "/stage/opt-out-list",
                    "Type": "String",
                    "Value": {"Fn::If": ["IsProd", {"Ref": "ProdList"}, {"Ref": "DevList"}]},
                    "Description": {"Fn::If": ["IsNotProd", "not production", {"Ref": "AWS::NoValue"}]},
                },
            },
        },
        "Outputs": {
            "ProdOnly": {"Condition": "IsProd", "Value": "yes"},
            "Stage": {"Value": {"Fn::If": ["IsProd", "production", "development"]}},
        },
    }
    assembly = write_assembly(tmp_path, template)
    setting = (OWNER, REGION, "/stage/opt-out-list")

    cloudformation.deploy(assembly, STACK)
    assert opt_out_lists(owner) == {"dev-list"}
    assert cloudformation.ssm_parameters[setting] == "dev-list"
    assert cloudformation.stacks[STACK].resources["Setting"].properties["Description"] == "not production"
    assert cloudformation.outputs(STACK) == {"Stage": "development"}

    cloudformation.deploy(assembly, STACK, parameters={"Stage": "prod"})
    assert opt_out_lists(owner) == {"prod-list"}  # the dev list's condition turned false: it left the stack
    assert set(cloudformation.stacks[STACK].resources) == {"ProdList", "Setting"}
    assert cloudformation.ssm_parameters[setting] == "prod-list"
    assert "Description" not in cloudformation.stacks[STACK].resources["Setting"].properties
    assert cloudformation.outputs(STACK) == {"ProdOnly": "yes", "Stage": "production"}


def test_fails_before_any_change_on_an_unknown_condition_or_deletion_policy(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    for name, broken in {
        "condition": opt_out_list("broken", Condition="NotDefined"),
        "policy": opt_out_list("broken", DeletionPolicy="Keep"),
    }.items():
        with pytest.raises(TemplateValidationError, match="Template format error"):
            deploy(cloudformation, tmp_path / name, {"First": opt_out_list("first"), "Broken": broken})
    assert opt_out_lists(owner) == set()


def test_a_failing_native_create_rolls_back_like_any_other_failure(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    owner.create_opt_out_list(OptOutListName="taken")  # by hand, outside the stack
    number = new_phone_number(owner)
    resources = {
        "First": opt_out_list("first"),
        "Policy": policy(number, CONSUMER),
        "Taken": opt_out_list("taken", DependsOn=["First", "Policy"]),
    }
    with pytest.raises(StackOperationError) as failed:
        deploy(cloudformation, tmp_path, resources)
    assert failed.value.logical_id == "Taken" and "already exists" in failed.value.reason
    assert opt_out_lists(owner) == {"taken"}  # "first" rolled back, the hand-made one untouched
    assert received(cloudformation, "Policy") == [("Create", None, "SUCCESS"), ("Delete", number, "SUCCESS")]
    assert attached(owner, number) is None


@pytest.mark.parametrize(
    ("region", "partition", "url_suffix"),
    [
        ("us-east-1", "aws", "amazonaws.com"),
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
        ("eusc-de-east-1", "aws-eusc", "amazonaws.eu"),
    ],
)
def test_partition_and_url_suffix_are_the_stack_regions(
    cloudformation: LocalCloudFormation, tmp_path: Path, region: str, partition: str, url_suffix: str
) -> None:
    outputs = {
        "Partition": {"Value": {"Ref": "AWS::Partition"}},
        "UrlSuffix": {"Value": {"Ref": "AWS::URLSuffix"}},
        "Endpoint": {"Value": {"Fn::Sub": "sms-voice.${AWS::Region}.${AWS::URLSuffix}"}},
    }
    cloudformation.deploy(write_assembly(tmp_path, {"Resources": PLACEHOLDER, "Outputs": outputs}, region), STACK)
    assert cloudformation.outputs(STACK) == {
        "Partition": partition,
        "UrlSuffix": url_suffix,
        "Endpoint": f"sms-voice.{region}.{url_suffix}",
    }
    assert cloudformation.stacks[STACK].stack_id.startswith(f"arn:{partition}:cloudformation:{region}:{OWNER}:stack/")


def test_a_protected_number_keeps_its_protection_and_refuses_the_stacks_delete(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    """`DeletionProtectionEnabled` (AWS::SMSVOICE::PhoneNumber): "the phone number can't be deleted"."""
    number = {
        "Type": "AWS::SMSVOICE::PhoneNumber",
        "Properties": {
            "IsoCountryCode": "US",
            "NumberType": "SIMULATOR",
            "NumberCapabilities": ["SMS"],
            "MandatoryKeywords": {"HELP": {"Message": "h"}, "STOP": {"Message": "s"}},
            "DeletionProtectionEnabled": True,
        },
    }
    deploy(cloudformation, tmp_path, {"Number": number})
    owner = client_for(OWNER, emulator)
    (described,) = owner.describe_phone_numbers()["PhoneNumbers"]
    assert described["DeletionProtectionEnabled"] is True
    with pytest.raises(StackOperationError, match="deletion protection"):
        cloudformation.delete_stack(STACK)
    assert owner.describe_phone_numbers()["PhoneNumbers"], "the protected number is still there"


def test_fails_before_any_change_on_a_depends_on_a_resource_whose_condition_is_false(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    template = {
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
        "Resources": {
            "Maybe": opt_out_list("maybe-list", Condition="Never"),
            "After": opt_out_list("after-list", DependsOn="Maybe"),
        },
    }
    with pytest.raises(TemplateValidationError, match=r"Unresolved resource dependencies \[Maybe\]"):
        cloudformation.deploy(write_assembly(tmp_path, template), STACK)
    assert opt_out_lists(client_for(OWNER, emulator)) == set()
