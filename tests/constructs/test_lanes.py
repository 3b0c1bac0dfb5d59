"""Dependency lanes: a stack's custom resources run at most ``8 x requests-per-second`` at once
(AWS's default: 1 request per second per operation), and a lane is only a ``DependsOn``."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from shared_sms import OptOutList
from tests.constructs.helpers import CONSUMER, OWNER, REGION

CUSTOM = ("Custom::SmsResourcePolicy", "Custom::SmsSharedResourceCheck")


def _app(names: list[str], context: dict[str, Any] | None = None, checks: int = 0) -> dict[str, Any]:
    """The custom resources of a stack sharing the opt-out lists ``names`` (and checking ``checks``
    lists another account shares), by logical id."""
    app = cdk.App(context=context or {})
    stack = cdk.Stack(app, "Shares", env=cdk.Environment(account=OWNER, region=REGION))
    for name in names:
        arn = f"arn:aws:sms-voice:{REGION}:{OWNER}:opt-out-list/{name}"
        OptOutList.from_opt_out_list_arn(stack, name, arn).share_with(iam.AccountPrincipal(CONSUMER))
    for index in range(checks):
        arn = f"arn:aws:sms-voice:{REGION}:{CONSUMER}:opt-out-list/theirs-{index}"
        OptOutList.from_opt_out_list_arn(stack, f"theirs-{index}", arn, verify_shared=True)
    resources = Template.from_stack(stack).to_json()["Resources"]
    return {lid: r for lid, r in resources.items() if r["Type"] in CUSTOM}


def _waits_for(resources: dict[str, Any]) -> dict[str, list[str]]:
    """The custom resources each one waits for (a policy also waits for its IAM grant)."""
    return {
        lid: [d for d in r.get("DependsOn", []) if not d.startswith("SharedSmsPolicyFunctionGrants")]
        for lid, r in resources.items()
    }


def _running_at_once(resources: dict[str, Any]) -> int:
    """How many custom resources have nothing to wait for among the others: CloudFormation starts
    those together, and each one done starts at most one more (the next in its lane)."""
    waits = _waits_for(resources)
    followers: dict[str, int] = {}
    for needs in waits.values():
        assert len([n for n in needs if n in resources]) <= 1, "one predecessor per resource"
        for need in needs:
            followers[need] = followers.get(need, 0) + 1
    assert all(count == 1 for count in followers.values()), "a lane is a chain"
    return sum(1 for needs in waits.values() if not [n for n in needs if n in resources])


def test_twenty_shares_run_in_eight_lanes_at_the_default_rate() -> None:
    resources = _app([f"list-{i}" for i in range(20)])
    assert _running_at_once(resources) == 8


def test_checks_share_the_lanes_with_policies() -> None:
    resources = _app([f"list-{i}" for i in range(6)], checks=6)
    assert _running_at_once(resources) == 8
    assert len(resources) == 12


def test_a_raised_quota_widens_the_lanes() -> None:
    names = [f"list-{i}" for i in range(20)]
    assert _running_at_once(_app(names, {"shared-sms:requests-per-second": 2})) == 16
    assert _running_at_once(_app(names, {"shared-sms:requests-per-second": "20"})) == 20  # every one at once
    assert _running_at_once(_app(names, {"shared-sms:concurrent-custom-resources": 3})) == 3


def test_adding_and_removing_shares_changes_only_dependencies() -> None:
    """CloudFormation updates a custom resource only when its properties change: moving it to
    another lane (another DependsOn) sends it no event."""
    before = _app([f"list-{i}" for i in range(20)])
    after = _app(["list-new"] + [f"list-{i}" for i in range(20) if i != 7])
    common = before.keys() & after.keys()
    assert len(common) == 19
    assert {lid: before[lid]["Properties"] for lid in common} == {lid: after[lid]["Properties"] for lid in common}
    assert _waits_for(before) != {lid: w for lid, w in _waits_for(after).items() if lid in before}  # moved lanes
    assert all(need in after for needs in _waits_for(after).values() for need in needs)  # none on the removed one


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("shared-sms:requests-per-second", "0"),
        ("shared-sms:requests-per-second", "fast"),
        ("shared-sms:concurrent-custom-resources", "2.5"),
        ("shared-sms:concurrent-custom-resources", -1),
        ("shared-sms:requests-per-second", "nan"),
        ("shared-sms:requests-per-second", "inf"),
    ],
)
def test_fails_on_a_rate_or_width_that_is_not_positive(key: str, value: Any) -> None:
    with pytest.raises(ValueError, match=f"context '{key}' must be a positive"):
        _app(["list-0"], {key: value})
