"""Policies compared by meaning (lambda/shared_sms_function/equivalence.py), against the
emulator's equivalent rewrite and against changes that alter the meaning."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from shared_sms_function.equivalence import equivalent, normalize, sha256_of
from tests.fakes.sms_voice.realism import equivalent_rewrite

ARN = "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef"
accounts = st.from_regex(r"\A[1-9]\d{11}\Z")
actions = st.sampled_from(
    ["sms-voice:SendTextMessage", "sms-voice:SendVoiceMessage", "sms-voice:DescribePhoneNumbers"]
).map(str)


def one_or_many(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(values, st.lists(values, min_size=1, max_size=4, unique=True))


principal = st.one_of(
    st.fixed_dictionaries({"AWS": one_or_many(st.one_of(accounts, accounts.map(lambda a: f"arn:aws:iam::{a}:root")))}),
    st.fixed_dictionaries({"Service": one_or_many(st.sampled_from(["sns.amazonaws.com", "pinpoint.amazonaws.com"]))}),
)
statement = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"]), "Principal": principal, "Action": one_or_many(actions)},
    optional={
        "Sid": st.from_regex(r"\A[A-Za-z0-9]{1,12}\Z"),
        "Resource": one_or_many(st.just(ARN)),
        "Condition": st.fixed_dictionaries({"StringEquals": st.fixed_dictionaries({"aws:SourceAccount": accounts})}),
    },
)
policy = st.fixed_dictionaries(
    {"Version": st.just("2012-10-17"), "Statement": st.lists(statement, min_size=1, max_size=5, unique_by=json.dumps)}
)


@given(policy)
def test_an_equivalent_rewrite_is_equivalent_and_hashes_the_same(document: dict[str, Any]) -> None:
    rewritten = json.loads(equivalent_rewrite(json.dumps(document)))
    assert equivalent(document, rewritten)
    assert sha256_of(document) == sha256_of(rewritten)


@given(policy, st.data())
def test_a_change_of_meaning_is_not_equivalent(document: dict[str, Any], data: st.DataObject) -> None:
    changed = copy.deepcopy(document)
    target = data.draw(st.sampled_from(changed["Statement"]))
    change = data.draw(st.sampled_from(["sid", "effect", "action", "principal", "drop", "version"]))
    if change == "sid":
        target["Sid"] = str(target.get("Sid", "")) + "X"
    elif change == "effect":
        target["Effect"] = "Deny" if target["Effect"] == "Allow" else "Allow"
    elif change == "action":
        target["Action"] = ["sms-voice:SendMediaMessage"]
    elif change == "principal":
        target["Principal"] = {"AWS": "000000000000"}  # never generated
    elif change == "drop":
        changed["Statement"].remove(target)
    else:
        changed["Version"] = "2008-10-17"
    assert not equivalent(document, changed)
    assert not equivalent(document, json.loads(equivalent_rewrite(json.dumps(changed))))


def test_the_awspolicyequivalence_rules_by_example() -> None:
    base = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Share",
                "Effect": "Allow",
                "Principal": {"AWS": ["444455556666"]},
                "Action": ["sms-voice:SendTextMessage"],
                "Resource": [ARN],
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        ],
    }
    same = {
        "Statement": {
            "Resource": ARN,
            "Action": "sms-voice:SendTextMessage",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Effect": "allow",
            "Sid": "Share",
            "Condition": {"Bool": {"aws:SecureTransport": True}},
        },
        "Version": "2012-10-17",
    }
    assert equivalent(base, same)
    assert not equivalent(base, {**same, "Version": "2008-10-17"})
    assert not equivalent(base, {"Version": "2012-10-17", "Statement": [{**same["Statement"], "Sid": "Other"}]})
    star = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "a:B"}]}
    aws_star = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "a:B"}]}
    assert not equivalent(star, aws_star)
    assert normalize(None) == normalize({}) == {}
