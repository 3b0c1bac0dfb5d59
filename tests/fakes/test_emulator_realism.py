"""The emulator refuses what AWS refuses: other accounts' and regions' resources, requests it
cannot authenticate, operations it does not have, and releases AWS would not allow."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import CONSUMER, OWNER, client_for, new_phone_number, share

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def error_of(call: Any, **parameters: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call(**parameters)
    return dict(raised.value.response)


def code_of(call: Any, **parameters: Any) -> str:
    return str(error_of(call, **parameters)["Error"]["Code"])


def number_id(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


# -- 1. accounts, regions and partitions ---------------------------------------------------------------
def test_fails_another_account_describing_releasing_or_deleting_an_unshared_resource_by_arn(
    owner_client: Any, consumer_client: Any, opt_out_list_arn: str
) -> None:
    number = new_phone_number(owner_client)
    sender = owner_client.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")["SenderIdArn"]
    pool = owner_client.create_pool(OriginationIdentity=sender, MessageType="TRANSACTIONAL")["PoolArn"]
    never_existed = number.replace(number_id(number), "phone-0123456789abcdef0123456789abcdef")
    calls: list[tuple[Any, dict[str, Any]]] = [
        (consumer_client.describe_phone_numbers, {"PhoneNumberIds": [number]}),
        (consumer_client.describe_phone_numbers, {"PhoneNumberIds": [never_existed]}),  # no probing
        (consumer_client.describe_pools, {"PoolIds": [pool]}),
        (consumer_client.describe_opt_out_lists, {"OptOutListNames": [opt_out_list_arn]}),
        (consumer_client.describe_sender_ids, {"SenderIds": [{"SenderId": sender, "IsoCountryCode": "GB"}]}),
        (consumer_client.release_phone_number, {"PhoneNumberId": number}),
        (consumer_client.delete_pool, {"PoolId": pool}),
        (consumer_client.delete_opt_out_list, {"OptOutListName": opt_out_list_arn}),
    ]
    for call, parameters in calls:
        response = error_of(call, **parameters)
        assert response["Error"]["Code"] == "AccessDeniedException", (call, parameters)
        assert "Reason" not in response  # IAM's denial, not an account state
    assert owner_client.describe_phone_numbers(PhoneNumberIds=[number])["PhoneNumbers"]
    assert owner_client.describe_pools(PoolIds=[pool])["Pools"]


def test_fails_a_client_of_another_region_on_a_resource_by_arn(emulator: Any, owner_client: Any) -> None:
    ireland = client_for(OWNER, emulator, region="eu-west-1")
    number = new_phone_number(ireland)
    assert ":eu-west-1:" in number
    calls: list[tuple[Any, dict[str, Any]]] = [
        (owner_client.describe_phone_numbers, {"PhoneNumberIds": [number]}),
        (owner_client.release_phone_number, {"PhoneNumberId": number}),
        (owner_client.put_resource_policy, {"ResourceArn": number, "Policy": '{"Statement": []}'}),
        (owner_client.get_resource_policy, {"ResourceArn": number}),
        (owner_client.create_pool, {"OriginationIdentity": number, "MessageType": "TRANSACTIONAL"}),
        (owner_client.create_pool, {"OriginationIdentity": number_id(number), "MessageType": "TRANSACTIONAL"}),
    ]
    for call, parameters in calls:
        assert code_of(call, **parameters) == "ResourceNotFoundException", (call, parameters)
    assert owner_client.describe_phone_numbers()["PhoneNumbers"] == []
    assert [n["PhoneNumberArn"] for n in ireland.describe_phone_numbers()["PhoneNumbers"]] == [number]


def test_fails_create_pool_with_a_number_of_another_account(owner_client: Any, consumer_client: Any) -> None:
    theirs = new_phone_number(consumer_client)
    assert code_of(owner_client.create_pool, OriginationIdentity=theirs, MessageType="TRANSACTIONAL") == (
        "AccessDeniedException"
    )
    assert code_of(owner_client.create_pool, OriginationIdentity=number_id(theirs), MessageType="TRANSACTIONAL") == (
        "ResourceNotFoundException"
    )  # an id names a resource of the caller's own account


@pytest.mark.parametrize(
    ("region", "partition"),
    [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eusc-de-east-1", "aws-eusc")],
)
def test_arns_follow_the_partition_of_the_region(emulator: Any, region: str, partition: str) -> None:
    client = client_for(OWNER, emulator, region=region)
    number = new_phone_number(client)
    assert number.startswith(f"arn:{partition}:sms-voice:{region}:{OWNER}:phone-number/")
    share(client, number)
    assert client.get_resource_policy(ResourceArn=number)["ResourceArn"] == number
    assert client.create_opt_out_list(OptOutListName="o")["OptOutListArn"].startswith(f"arn:{partition}:")


def test_a_policy_grants_what_it_names_and_ram_grants_describe(
    emulator: Any, owner_client: Any, consumer_client: Any
) -> None:
    number = new_phone_number(owner_client)
    share(owner_client, number)  # sms-voice:SendTextMessage only
    assert [n["PhoneNumberArn"] for n in consumer_client.describe_phone_numbers(Owner="SHARED")["PhoneNumbers"]] == [
        number
    ]
    assert code_of(consumer_client.describe_phone_numbers, PhoneNumberIds=[number]) == "AccessDeniedException"
    share(owner_client, number, action="sms-voice:Describe*")
    assert consumer_client.describe_phone_numbers(PhoneNumberIds=[number])["PhoneNumbers"][0]["PhoneNumberArn"] == (
        number
    )
    share(owner_client, number, action="sms-voice:*")
    assert code_of(consumer_client.release_phone_number, PhoneNumberId=number) == "AccessDeniedException"

    other = new_phone_number(owner_client)
    emulator.state.ram.create_share(OWNER, "us-east-1", "s", [other], [CONSUMER], True)
    share_arn = next(iter(emulator.state.ram.shares))
    assert share_arn.startswith(f"arn:aws:ram:us-east-1:{OWNER}:resource-share/")
    assert code_of(consumer_client.describe_phone_numbers, PhoneNumberIds=[other]) == "AccessDeniedException"
    emulator.state.ram.accept_invitation(CONSUMER, share_arn)
    assert consumer_client.describe_phone_numbers(PhoneNumberIds=[other])["PhoneNumbers"]


# -- 2. a request the model accepts never crashes it (the fuzz test is test_emulator_fuzz.py) ---------
def test_request_phone_number_takes_an_opt_out_list_by_arn_and_stores_its_name(
    owner_client: Any, consumer_client: Any, opt_out_list_arn: str
) -> None:
    request = {"IsoCountryCode": "US", "MessageType": "TRANSACTIONAL", "NumberCapabilities": ["SMS"]}
    answer = owner_client.request_phone_number(**request, NumberType="SIMULATOR", OptOutListName=opt_out_list_arn)
    assert answer["OptOutListName"] == "shared-opt-outs"
    (described,) = owner_client.describe_phone_numbers()["PhoneNumbers"]
    assert described["OptOutListName"] == "shared-opt-outs"
    missing = opt_out_list_arn.replace("shared-opt-outs", "missing")
    for name, code in [(missing, "ResourceNotFoundException"), ("missing", "ResourceNotFoundException")]:
        assert code_of(owner_client.request_phone_number, **request, NumberType="SIMULATOR", OptOutListName=name) == (
            code
        )
    assert code_of(
        consumer_client.request_phone_number, **request, NumberType="SIMULATOR", OptOutListName=opt_out_list_arn
    ) == ("AccessDeniedException")


# -- 3. authentication ------------------------------------------------------------------------------------
def test_fails_unsigned_requests_with_missing_authentication_token(emulator: Any) -> None:
    client = client_for(OWNER, emulator, Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1}))
    response = error_of(client.describe_opt_out_lists)
    assert response["Error"]["Code"] == "MissingAuthenticationTokenException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_fails_access_keys_the_emulator_does_not_know(emulator: Any) -> None:
    for key in ("AKIAIOSFODNN7EXAMPLE", "AKIA0000ABCD22223333"):
        client = boto3.client(
            "pinpoint-sms-voice-v2",
            region_name="us-east-1",
            endpoint_url=emulator.url,
            aws_access_key_id=key,
            aws_secret_access_key="emulated",
            config=NO_RETRIES,
        )
        response = error_of(client.describe_opt_out_lists)
        assert response["Error"]["Code"] == "UnrecognizedClientException", key
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert emulator.state.scopes == {}


# -- 4. operations the emulator does not have -------------------------------------------------------------
def test_fails_unknown_and_unemulated_operations_without_a_validation_error(emulator: Any) -> None:
    client = client_for(OWNER, emulator, NO_RETRIES)
    response = error_of(client.send_text_message, DestinationPhoneNumber="+12065550100", MessageBody="hi")
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("NotImplemented", 501)
    request = urllib.request.Request(
        emulator.url,
        data=b"{}",
        headers={
            "X-Amz-Target": "PinpointSMSVoiceV2.NoSuchOperation",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=AKIA0000{OWNER}/20260101/us-east-1/sms-voice/aws4_request",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 400
    assert json.loads(raised.value.read())["__type"].endswith("#UnknownOperationException")


# -- 5. sender IDs by ARN, deletion protection, pools, read-after-write, NextToken ---------------------------
def test_a_sender_id_given_by_arn_is_described_and_released(owner_client: Any) -> None:
    arn = owner_client.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")["SenderIdArn"]
    (described,) = owner_client.describe_sender_ids(SenderIds=[{"SenderId": arn, "IsoCountryCode": "GB"}])["SenderIds"]
    assert described["SenderIdArn"] == arn
    assert owner_client.release_sender_id(SenderId=arn, IsoCountryCode="GB")["SenderIdArn"] == arn
    assert owner_client.describe_sender_ids()["SenderIds"] == []


def test_fails_release_and_delete_with_deletion_protection(owner_client: Any) -> None:
    request = {"IsoCountryCode": "US", "MessageType": "TRANSACTIONAL", "NumberCapabilities": ["SMS"]}
    number = owner_client.request_phone_number(**request, NumberType="SIMULATOR", DeletionProtectionEnabled=True)
    sender = owner_client.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB", DeletionProtectionEnabled=True)
    pool = owner_client.create_pool(
        OriginationIdentity=sender["SenderIdArn"], MessageType="TRANSACTIONAL", DeletionProtectionEnabled=True
    )
    for call, parameters in [
        (owner_client.release_phone_number, {"PhoneNumberId": number["PhoneNumberId"]}),
        (owner_client.delete_pool, {"PoolId": pool["PoolId"]}),
    ]:
        response = error_of(call, **parameters)
        assert (response["Error"]["Code"], response["Reason"]) == ("ConflictException", "DELETION_PROTECTION_ENABLED")
    assert owner_client.describe_pools()["Pools"] and owner_client.describe_phone_numbers()["PhoneNumbers"]


def test_fails_releasing_a_pool_member_until_its_pools_are_deleted(owner_client: Any) -> None:
    first = new_phone_number(owner_client)
    pool = owner_client.create_pool(OriginationIdentity=first, MessageType="TRANSACTIONAL")["PoolId"]
    second = owner_client.request_phone_number(
        IsoCountryCode="US",
        MessageType="TRANSACTIONAL",
        NumberCapabilities=["SMS"],
        NumberType="SIMULATOR",
        PoolId=pool,
    )["PhoneNumberArn"]
    assert {n["PoolId"] for n in owner_client.describe_phone_numbers()["PhoneNumbers"]} == {pool}
    for number in (first, second):
        response = error_of(owner_client.release_phone_number, PhoneNumberId=number)
        assert (response["Error"]["Code"], response["Reason"]) == (
            "ConflictException",
            "PHONE_NUMBER_ASSOCIATED_TO_POOL",
        )
    response = error_of(owner_client.create_pool, OriginationIdentity=first, MessageType="TRANSACTIONAL")
    assert response["Reason"] == "PHONE_NUMBER_ASSOCIATED_TO_POOL"  # a number is in one pool at most
    owner_client.delete_pool(PoolId=pool)
    assert all("PoolId" not in n for n in owner_client.describe_phone_numbers()["PhoneNumbers"])
    for number in (first, second):
        owner_client.release_phone_number(PhoneNumberId=number)

    sender = owner_client.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")["SenderIdArn"]
    pools = [
        owner_client.create_pool(OriginationIdentity="EXAMPLECO", IsoCountryCode="GB", MessageType="TRANSACTIONAL")
        for _ in range(2)  # a sender ID may be in several pools
    ]
    for pool_answer in pools:
        response = error_of(owner_client.release_sender_id, SenderId=sender, IsoCountryCode="GB")
        assert response["Reason"] == "SENDER_ID_ASSOCIATED_TO_POOL"
        owner_client.delete_pool(PoolId=pool_answer["PoolArn"])
    owner_client.release_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")


def test_a_delete_inside_the_read_after_write_window_takes_effect_in_order(
    emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    emulator.faults.visibility_delay_s = 0.3
    share(owner_client, phone_number_arn)
    owner_client.delete_resource_policy(ResourceArn=phone_number_arn)  # the Put is not visible yet
    code = code_of(owner_client.delete_resource_policy, ResourceArn=phone_number_arn)
    assert code == "ResourceNotFoundException"  # writes see the earlier Delete at once
    time.sleep(0.5)
    assert code_of(owner_client.get_resource_policy, ResourceArn=phone_number_arn) == "ResourceNotFoundException"


def test_fails_a_next_token_used_with_another_query(owner_client: Any) -> None:
    for country in ("US", "US", "CA"):
        owner_client.request_phone_number(
            IsoCountryCode=country, MessageType="TRANSACTIONAL", NumberCapabilities=["SMS"], NumberType="SIMULATOR"
        )
    token = owner_client.describe_phone_numbers(MaxResults=1)["NextToken"]
    assert len(owner_client.describe_phone_numbers(MaxResults=2, NextToken=token)["PhoneNumbers"]) == 2
    us = [{"Name": "iso-country-code", "Values": ["US"]}]
    for parameters in ({"Filters": us}, {"Owner": "SHARED"}):
        response = error_of(owner_client.describe_phone_numbers, NextToken=token, **parameters)
        assert response["Reason"] == "INVALID_NEXT_TOKEN", parameters
    assert error_of(owner_client.describe_pools, NextToken=token)["Reason"] == "INVALID_NEXT_TOKEN"
