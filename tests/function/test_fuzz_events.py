"""Generated custom-resource events against the handler: it never raises, and every event
that carries a usable ResponseURL gets exactly one answer, FAILED with a reason when bad."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness.cloudformation import STACK_ID, LambdaContext

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
