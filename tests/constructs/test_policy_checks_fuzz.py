"""Generated statements against the synth-time checks: whatever they accept, the service
model accepts too, and whatever they refuse comes with a message."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared_sms.policy_checks import MAX_POLICY_CHARS, SID_MARKER_RESERVE, check_policy
from shared_sms.resource_types import ALL_TYPES
from tests.fakes.sms_voice.model_check import problems, service_model

ARN = "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef"
PHONE = next(t for t in ALL_TYPES if t.name == "phone-number")
every_action = sorted({a for t in ALL_TYPES for a in t.sms_actions()})

principals = st.one_of(
    st.just("*"),
    st.builds(lambda a: {"AWS": f"arn:aws:iam::{a}:root"}, st.from_regex(r"\A\d{12}\Z")),
    st.lists(st.from_regex(r"\A\d{12}\Z"), min_size=1, max_size=400).map(lambda a: {"AWS": a}),
    st.just({"AWS": "*"}),
    st.sampled_from([{"Service": "sns.amazonaws.com"}, {"Service": "pinpoint.amazonaws.com"}]),
)
statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.one_of(
            st.sampled_from(every_action),
            st.lists(st.sampled_from(every_action + ["s3:GetObject", "sms-voice:*"]), min_size=1, max_size=6),
        ),
        "Principal": principals,
        "Resource": st.sampled_from([ARN, ARN.replace("phone-number/", "pool/"), "*"]),
    },
    optional={
        "Condition": st.just({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        "Sid": st.text(min_size=1, max_size=12),
    },
)
documents = st.lists(statements, min_size=0, max_size=5).map(lambda s: {"Version": "2012-10-17", "Statement": s})


@settings(max_examples=200, deadline=None)
@given(document=documents, allow_public=st.booleans())
def test_accepted_policies_fit_the_service_and_refusals_explain_themselves(
    document: dict[str, Any], allow_public: bool
) -> None:
    errors = check_policy(document, resource_type=PHONE, resource_arn=ARN, allow_public=allow_public)
    if errors:
        assert all(isinstance(e, str) and e and e[0].islower() for e in errors)
        return
    text = json.dumps(document, separators=(",", ":"))
    assert len(text) + SID_MARKER_RESERVE * len(document["Statement"]) <= MAX_POLICY_CHARS
    request = {"ResourceArn": ARN, "Policy": text}
    assert problems(service_model().operation_model("PutResourcePolicy").input_shape, request) == []
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert set(actions) <= PHONE.sms_actions()
        assert statement["Resource"] == ARN
        public = statement["Principal"] in ("*", {"AWS": "*"})
        assert not public or allow_public or "Condition" in statement or statement["Effect"] == "Deny"
