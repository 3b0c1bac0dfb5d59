"""The emulator behaves like the service where our code depends on it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import OWNER, client_for, share


def test_arns_use_the_real_formats(owner_client: Any) -> None:
    number = owner_client.request_phone_number(
        IsoCountryCode="US", MessageType="TRANSACTIONAL", NumberCapabilities=["SMS"], NumberType="SIMULATOR"
    )
    sender = owner_client.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")
    pool = owner_client.create_pool(OriginationIdentity=number["PhoneNumberArn"], MessageType="TRANSACTIONAL")
    assert number["PhoneNumberArn"] == f"arn:aws:sms-voice:us-east-1:{OWNER}:phone-number/{number['PhoneNumberId']}"
    assert sender["SenderIdArn"] == f"arn:aws:sms-voice:us-east-1:{OWNER}:sender-id/EXAMPLECO/GB"
    assert pool["PoolArn"].endswith(f":{OWNER}:pool/{pool['PoolId']}") and pool["PoolId"].startswith("pool-")


def test_fails_enum_and_pattern_checks_that_botocore_leaves_to_the_service(owner_client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        owner_client.describe_pools(Owner="EVERYONE")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["Reason"] == "FIELD_VALIDATION_FAILED"
    with pytest.raises(ClientError) as raised:
        owner_client.put_resource_policy(ResourceArn="arn:aws:sms voice:bad arn here", Policy="{}")
    assert "must match" in raised.value.response["Error"]["Message"]


def test_fails_policy_over_ten_thousand_characters_with_size_reason(owner_client: Any, opt_out_list_arn: str) -> None:
    with pytest.raises(ClientError) as raised:
        owner_client.put_resource_policy(ResourceArn=opt_out_list_arn, Policy="x" * 10_001)
    assert raised.value.response["Reason"] == "MAXIMUM_SIZE_EXCEEDED"


def test_fails_owner_together_with_id_list(owner_client: Any, opt_out_list_arn: str) -> None:
    with pytest.raises(ClientError) as raised:
        owner_client.describe_opt_out_lists(Owner="SELF", OptOutListNames=["shared-opt-outs"])
    assert raised.value.response["Reason"] == "PARAMETERS_CANNOT_BE_USED_TOGETHER"


def test_shared_resources_show_up_for_the_consumer_only_while_shared(
    emulator: Any, owner_client: Any, consumer_client: Any, opt_out_list_arn: str
) -> None:
    assert consumer_client.describe_opt_out_lists(Owner="SHARED")["OptOutLists"] == []
    share(owner_client, opt_out_list_arn)
    shared = consumer_client.describe_opt_out_lists(Owner="SHARED")["OptOutLists"]
    assert [o["OptOutListArn"] for o in shared] == [opt_out_list_arn]
    assert consumer_client.describe_opt_out_lists(Owner="SELF")["OptOutLists"] == []
    assert client_for("777788889999", emulator).describe_opt_out_lists(Owner="SHARED")["OptOutLists"] == []
    owner_client.delete_resource_policy(ResourceArn=opt_out_list_arn)
    assert consumer_client.describe_opt_out_lists(Owner="SHARED")["OptOutLists"] == []


def test_consumer_cannot_write_the_owners_policy(consumer_client: Any, opt_out_list_arn: str) -> None:
    with pytest.raises(ClientError) as raised:
        consumer_client.put_resource_policy(ResourceArn=opt_out_list_arn, Policy="{}")
    assert raised.value.response["Reason"] == "RESOURCE_NOT_ACCESSIBLE"


def test_paginators_walk_more_than_a_hundred_resources_with_filters(owner_client: Any) -> None:
    for index in range(130):
        owner_client.request_phone_number(
            IsoCountryCode="US" if index % 2 else "CA",
            MessageType="TRANSACTIONAL",
            NumberCapabilities=["SMS"],
            NumberType="SIMULATOR",
        )
    pages = list(owner_client.get_paginator("describe_phone_numbers").paginate(PaginationConfig={"PageSize": 100}))
    assert [len(p["PhoneNumbers"]) for p in pages] == [100, 30]
    us = (
        owner_client.get_paginator("describe_phone_numbers")
        .paginate(Filters=[{"Name": "iso-country-code", "Values": ["US"]}])
        .build_full_result()
    )
    assert len(us["PhoneNumbers"]) == 65


def test_no_policy_is_a_404_of_type_policy_or_an_empty_document(
    emulator: Any, owner_client: Any, opt_out_list_arn: str
) -> None:
    with pytest.raises(ClientError) as raised:
        owner_client.get_resource_policy(ResourceArn=opt_out_list_arn)
    assert raised.value.response["ResourceType"] == "policy"
    emulator.state.no_policy_style = "empty"
    assert owner_client.get_resource_policy(ResourceArn=opt_out_list_arn)["Policy"] == "{}"


def test_injected_throttling_and_5xx_reach_a_client_without_retries(emulator: Any, opt_out_list_arn: str) -> None:
    client = client_for(OWNER, emulator, Config(retries={"mode": "standard", "total_max_attempts": 1}))
    emulator.faults.throttle_next, emulator.faults.fail_next = 1, 1
    codes = []
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            client.get_resource_policy(ResourceArn=opt_out_list_arn)
        codes.append(raised.value.response["Error"]["Code"])
    assert codes == ["ThrottlingException", "InternalServerException"]
