"""Generated custom-resource events against the handler: it never raises, and every event
that carries a usable ResponseURL gets exactly one answer, FAILED with a reason when bad;
generated well-formed lifecycles do exactly what they ask for."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_sms_function.equivalence import statements_of
from tests.conftest import attached, new_phone_number
from tests.harness.cloudformation import STACK_ID, CustomResource, LambdaContext, policy_json

ARN = "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef"
junk = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.text(max_size=50),
    st.text(min_size=5000, max_size=20000),
)
arns = st.one_of(st.just(ARN), st.just(ARN.replace("phone-number", "pool")), st.text(max_size=300), junk)
policies = st.one_of(
    st.just(
        json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "444455556666"},
                        "Action": "sms-voice:SendTextMessage",
                        "Resource": ARN,
                    }
                ]
            }
        )
    ),
    st.text(max_size=200),
    st.just("x" * 10_001),
    st.just("[]"),
    st.just('{"Statement": "not a list"}'),
    junk,
)
properties = st.one_of(
    st.fixed_dictionaries(
        {"ResourceArn": arns, "Policy": policies},
        optional={"OnExistingPolicy": st.one_of(st.sampled_from(["MERGE", "FAIL", "REPLACE"]), junk)},
    ),
    junk,
)
fields = {
    "RequestType": st.one_of(st.sampled_from(["Create", "Update", "Delete"]), junk),
    "StackId": st.one_of(st.just(STACK_ID), junk),
    "RequestId": st.one_of(st.just("fuzz-request"), junk),
    "LogicalResourceId": st.one_of(st.just("FuzzPolicy"), st.text(max_size=300), junk),
    "ResourceType": st.one_of(st.sampled_from(["Custom::SmsResourcePolicy", "Custom::SmsSharedResourceCheck"]), junk),
    "PhysicalResourceId": st.one_of(st.just(ARN), st.text(max_size=300), junk),
    "ResourceProperties": properties,
    "OldResourceProperties": properties,
}
events = st.fixed_dictionaries({}, optional=fields)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=events, answerable=st.booleans())
def test_every_generated_event_gets_one_answer_and_never_raises(
    function: Any, sink: Any, emulator: Any, event: dict[str, Any], answerable: bool
) -> None:
    token = str(uuid.uuid4())
    # Only URLs on the local sink: a generated host would make crhelper retry it until the deadline.
    event["ResponseURL"] = f"{sink.url}/{token}" if answerable else "http://127.0.0.1:9/not-https"
    function.handler(event, LambdaContext(timeout_s=60))

    answers = sink.answers_for(token)
    if not answerable:
        assert answers == []
        return
    assert len(answers) == 1
    answer = answers[0]
    assert answer["Status"] in ("SUCCESS", "FAILED") and answer["_bytes"] <= 4096
    if answer["Status"] == "FAILED":
        assert answer["Reason"] and len(answer["Reason"]) <= 256
    well_formed = event.get("RequestType") in ("Create", "Update", "Delete") and isinstance(
        event.get("ResourceProperties"), dict
    )
    if not well_formed:
        assert answer["Status"] == "FAILED"


accounts = st.lists(st.from_regex(r"\A[1-9]\d{11}\Z"), min_size=1, max_size=3, unique=True)
steps = st.lists(
    st.tuples(st.sampled_from(["Update", "Delete"]), accounts, st.sampled_from(["MERGE", "FAIL", "REPLACE"])),
    max_size=3,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=accounts, steps=steps)
def test_well_formed_events_do_what_they_say(
    function: Any, sink: Any, owner_client: Any, first: list[str], steps: list[tuple[str, list[str], str]]
) -> None:
    """A create, then generated updates and deletes: each answers SUCCESS with the number as
    physical id, and the number then holds exactly the statement asked for, or none."""
    number = new_phone_number(owner_client)
    resource = CustomResource(handler=function.handler, sink=sink, logical_id=f"Fuzz{uuid.uuid4().hex[:8]}")
    answer = resource.create(ResourceArn=number, Policy=policy_json(*first, arn=number))
    for kind, granted, mode in [("Create", first, "MERGE"), *steps]:
        if kind == "Update":
            answer = resource.update(
                ResourceArn=number, Policy=policy_json(*granted, arn=number), OnExistingPolicy=mode
            )
        elif kind == "Delete":
            answer = resource.delete()
        assert answer["Status"] == "SUCCESS", answer["Reason"]
        assert answer["PhysicalResourceId"] == number
        live = attached(owner_client, number)
        if kind == "Delete":
            assert live is None
            break
        (statement,) = statements_of(live)
        assert set(statement["Principal"]["AWS"]) == {f"arn:aws:iam::{a}:root" for a in granted}
