"""Generated statements against the synth-time checks (constructs/shared_sms/policy_checks.py).

Valid statements are built from the generated action table (Service Authorization Reference)
for a generated resource type: the checks accept them, the service model accepts them, and
they raise no warning. Then one generated rule is broken, and the check must report that
rule's own error."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared_sms.policy_checks import (
    MAX_POLICY_CHARS,
    NOT_LISTED_WARNING,
    SID_MARKER_RESERVE,
    WILDCARD_WARNING,
    action_warnings,
    check_policy,
)
from shared_sms.resource_types import ALL_TYPES, SmsResourceType
from shared_sms.sms_voice_actions import ALL_ACTIONS
from tests.fakes.sms_voice.model_check import problems, service_model

accounts = st.from_regex(r"\A[1-9]\d{11}\Z")


@st.composite
def valid_policies(draw: st.DrawFn) -> tuple[SmsResourceType, str, dict[str, Any]]:
    resource_type = draw(st.sampled_from(ALL_TYPES))
    arn = resource_type.example_arn()
    statements = []
    for index in range(draw(st.integers(min_value=1, max_value=3))):
        statement: dict[str, Any] = {
            "Effect": draw(st.sampled_from(["Allow", "Deny"])),
            "Action": draw(
                st.lists(st.sampled_from(resource_type.actions), min_size=1, max_size=4, unique=True)
            ).copy(),
            "Principal": draw(
                st.one_of(
                    accounts.map(lambda a: {"AWS": f"arn:aws:iam::{a}:root"}),
                    st.sampled_from([{"Service": "sns.amazonaws.com"}, {"Service": "pinpoint.amazonaws.com"}]),
                )
            ),
            "Resource": arn,
        }
        if "Service" in statement["Principal"]:  # whom the service acts for (the confused deputy)
            statement["Condition"] = {"StringEquals": {"aws:SourceAccount": draw(accounts)}}
        # IAM action names and the service prefix are case-insensitive.
        spelling = draw(st.sampled_from([str, str.lower, str.upper]))
        statement["Action"] = [spelling(f"sms-voice:{a}") for a in statement["Action"]]
        if statement["Effect"] == "Allow" and draw(st.booleans()):  # public, narrowed to callers of one org
            statement["Principal"] = draw(st.sampled_from(["*", {"AWS": "*"}, {"AWS": ["*"]}]))
            operator = draw(st.sampled_from(["StringEquals", "stringlike", "ForAnyValue:StringEquals"]))
            key, value = draw(
                st.sampled_from(
                    [
                        ("aws:PrincipalOrgID", "o-a1b2c3"),
                        ("AWS:SourceAccount", "111122223333"),
                        ("aws:PrincipalArn", "arn:aws:iam::111122223333:role/sender-*"),
                        ("aws:PrincipalOrgPaths", "o-a1b2c3/r-ab12/ou-ab12-11111111/*"),
                    ]
                )
            )
            statement["Condition"] = {operator: {key: value}}
        if draw(st.booleans()):
            statement["Sid"] = draw(st.from_regex(r"\A[A-Za-z0-9]{1,20}\Z")) + str(index)
        statements.append(statement)
    return resource_type, arn, {"Version": "2012-10-17", "Statement": statements}


def _typo(action: str) -> str:
    return action[:-1] if len(action) > 4 else action + "x"


# rule -> (how to break the first statement, the error it must produce)
RULES: dict[str, tuple[Any, str]] = {
    "not an sms-voice action": (lambda s, arn: s.update(Action=["s3:GetObject"]), "is not an sms-voice action"),
    "typo": (lambda s, arn: s.update(Action=[_typo(s["Action"][0])]), "does not exist in sms-voice: did you mean"),
    "wildcard matching nothing": (lambda s, arn: s.update(Action=["sms-voice:Zz*"]), "matches no sms-voice action"),
    "another resource": (lambda s, arn: s.update(Resource=arn + "0"), "a resource policy can only name the resource"),
    "public without caller condition": (
        lambda s, arn: s.update(Effect="Allow", Principal="*", Condition={"Bool": {"aws:SecureTransport": "true"}}),
        "without a condition on who calls",
    ),
    "public with a negated caller condition": (
        lambda s, arn: s.update(
            Effect="Allow", Principal={"AWS": ["*"]}, Condition={"StringNotEquals": {"aws:SourceAccount": "1"}}
        ),
        "without a condition on who calls",
    ),
    "public with an IfExists caller condition": (
        lambda s, arn: s.update(
            Effect="Allow", Principal={"AWS": "*"}, Condition={"StringEqualsIfExists": {"aws:SourceAccount": "1"}}
        ),
        "without a condition on who calls",
    ),
    "public with a wildcard caller condition": (
        lambda s, arn: s.update(Effect="Allow", Principal="*", Condition={"StringLike": {"aws:SourceArn": "*"}}),
        "without a condition on who calls",
    ),
    "public with a caller condition that pins nothing": (
        lambda s, arn: s.update(Effect="Allow", Principal="*", Condition={"StringLike": {"aws:PrincipalOrgID": "o-*"}}),
        "without a condition on who calls",
    ),
    "service without a source condition": (
        lambda s, arn: (s.update(Effect="Allow", Principal={"Service": "sns.amazonaws.com"}), s.pop("Condition", None)),
        "without an aws:SourceAccount, aws:SourceArn, aws:SourceOrgID or aws:SourceOrgPaths condition",
    ),
    "NotPrincipal": (lambda s, arn: s.update(NotPrincipal=s.pop("Principal")), "uses NotAction, NotPrincipal"),
    "NotResource": (lambda s, arn: s.update(NotResource=s.pop("Resource")), "uses NotAction, NotPrincipal"),
    "no principal": (lambda s, arn: s.pop("Principal"), "has no principal"),
    "long sid": (lambda s, arn: s.update(Sid="A" * 65), "ASCII letters and digits"),
    "bracket wildcard": (lambda s, arn: s.update(Action=["sms-voice:Send[TV]*"]), "matches no sms-voice action"),
    "upper-case typo": (
        lambda s, arn: s.update(Action=[_typo(s["Action"][0]).upper()]),
        "does not exist in sms-voice: did you mean",
    ),
    "non-ASCII sid": (lambda s, arn: s.update(Sid="Partagé"), "ASCII letters and digits"),
    "NotAction": (lambda s, arn: s.update(NotAction=s.pop("Action")), "uses NotAction"),
    "too large": (
        lambda s, arn: s.update(Principal={"AWS": [f"arn:aws:iam::{100000000000 + n}:root" for n in range(400)]}),
        "over the service's limit",
    ),
}


@settings(max_examples=150, deadline=None)
@given(policy=valid_policies())
def test_policies_built_from_the_reference_pass_and_the_service_accepts_them(
    policy: tuple[SmsResourceType, str, dict[str, Any]],
) -> None:
    resource_type, arn, document = policy
    assert check_policy(document, resource_type=resource_type, resource_arn=arn, allow_public=False) == []
    assert action_warnings(document, resource_type) == []
    text = json.dumps(document, separators=(",", ":"))
    assert len(text) + SID_MARKER_RESERVE * len(document["Statement"]) <= MAX_POLICY_CHARS
    request = {"ResourceArn": arn, "Policy": text}
    assert problems(service_model().operation_model("PutResourcePolicy").input_shape, request) == []


@settings(max_examples=150, deadline=None)
@given(policy=valid_policies(), rule=st.sampled_from(sorted(RULES)))
def test_each_broken_rule_gets_its_own_error(policy: tuple[SmsResourceType, str, dict[str, Any]], rule: str) -> None:
    resource_type, arn, document = policy
    breaking, expected = RULES[rule]
    breaking(document["Statement"][0], arn)
    errors = check_policy(document, resource_type=resource_type, resource_arn=arn, allow_public=False)
    assert any(expected in error for error in errors), (rule, errors)
    assert all(error[0].islower() for error in errors)


@settings(max_examples=100, deadline=None)
@given(resource_type=st.sampled_from(ALL_TYPES), data=st.data())
def test_service_actions_not_listed_for_the_type_and_wildcards_warn(
    resource_type: SmsResourceType, data: st.DataObject
) -> None:
    elsewhere = sorted(set(ALL_ACTIONS) - set(resource_type.actions))
    action = data.draw(st.sampled_from(elsewhere))
    prefix = data.draw(st.sampled_from(sorted({a[:4] for a in resource_type.actions})))
    arn = resource_type.example_arn()
    actions = [f"sms-voice:{action}", f"sms-voice:{prefix}*"]
    document = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": actions, "Resource": arn}]
    }
    errors = check_policy(document, resource_type=resource_type, resource_arn=arn, allow_public=False)
    assert errors == [], "they may have no effect, but they are not errors"
    warnings = action_warnings(document, resource_type)
    assert [w[0] for w in warnings] == [NOT_LISTED_WARNING, WILDCARD_WARNING]
    assert action_warnings({"Statement": [{**document["Statement"][0], "Effect": "Deny"}]}, resource_type) == []
    expanded = [a for a in resource_type.actions if a.startswith(prefix)]
    assert all(a in warnings[1][1] for a in expanded)
