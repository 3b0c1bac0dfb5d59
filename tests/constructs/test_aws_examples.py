"""AWS's published example policies (tests/constructs/aws_examples.py) synthesize, statement by
statement and through the intent API, and mean the same."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template

from shared_sms import PhoneNumber, SenderId
from shared_sms_function.equivalence import normalize_statement
from tests.constructs.aws_examples import user_guide_example
from tests.constructs.helpers import CONSUMER, NUMBER_ARN, OWNER, SENDER_ARN, new_stack, policies

IMPORTERS = {NUMBER_ARN: PhoneNumber.from_phone_number_arn, SENDER_ARN: SenderId.from_sender_id_arn}


def meaning(statements: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(normalize_statement({**s, "Sid": ""}), sort_keys=True) for s in statements)


@pytest.mark.parametrize("arn", [NUMBER_ARN, SENDER_ARN], ids=["phone number", "sender id"])
def test_the_user_guide_example_synthesizes_statement_by_statement(arn: str) -> None:
    stack = new_stack()
    resource = IMPORTERS[arn](stack, "Shared", arn)
    example = user_guide_example(arn, OWNER, CONSUMER)
    for statement in example:
        resource.add_to_resource_policy(iam.PolicyStatement.from_json(statement))
    (policy,) = policies(Template.from_stack(stack))
    assert meaning(policy["Policy"]["Statement"]) == meaning(example)
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("SendVoiceMessage"))
    assert len(warnings) == (1 if arn == SENDER_ARN else 0)  # not listed for sender IDs: a warning, not an error


def test_the_intent_api_writes_the_phone_number_example() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Shared", NUMBER_ARN)
    number.allow_service("pinpoint.amazonaws.com")
    number.allow_service("sns.amazonaws.com")
    number.grant(iam.AccountPrincipal(CONSUMER), "sms-voice:SendTextMessage")
    (policy,) = policies(Template.from_stack(stack))
    assert meaning(policy["Policy"]["Statement"]) == meaning(user_guide_example(NUMBER_ARN, OWNER, CONSUMER))


def test_the_intent_api_gives_pinpoint_only_what_a_sender_id_supports() -> None:
    stack = new_stack()
    sender = SenderId.from_sender_id_arn(stack, "Shared", SENDER_ARN)
    sender.allow_service("pinpoint.amazonaws.com")
    sender.allow_service("sns.amazonaws.com")
    sender.grant(iam.AccountPrincipal(CONSUMER), "sms-voice:SendTextMessage")
    (policy,) = policies(Template.from_stack(stack))
    expected = user_guide_example(SENDER_ARN, OWNER, CONSUMER)
    expected[0]["Action"] = "sms-voice:SendTextMessage"  # the reference lists no SendVoiceMessage for sender IDs
    assert meaning(policy["Policy"]["Statement"]) == meaning(expected)


def test_the_hand_chosen_actions_are_in_the_generated_table_for_their_type() -> None:
    from shared_sms.resource_types import ALL_TYPES, SERVICE_SEND_ACTIONS

    for resource_type in ALL_TYPES:
        listed = set(resource_type.actions)
        assert set(resource_type.share_actions) <= listed, resource_type.name
        assert set(resource_type.send_actions) <= listed, resource_type.name
        for service, actions in SERVICE_SEND_ACTIONS.items():
            # allow_service keeps only what the type lists; for an origination identity that is never nothing.
            if resource_type.send_actions:
                assert set(actions) & listed, (service, resource_type.name)
