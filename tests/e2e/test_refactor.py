"""End to end: refactors of a user's app. Reordering the calls on two imports of one number
keeps the policy's logical id; renaming the policy construct moves it, and CloudFormation
creates the new resource first and deletes the old one afterwards: neither step may see
the stack's own statements as someone else's, nor remove the other's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared_sms_function.equivalence import normalize_statement, statements_of
from tests.conftest import CONSUMER, OWNER, REGION, client_for, new_phone_number
from tests.e2e.accounts import by_meaning, marked, policies
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import LocalCloudFormation

APP = Path(__file__).parent / "apps" / "refactor_app.py"


def policy_logical_ids(cloudformation: LocalCloudFormation) -> set[str]:
    stack = cloudformation.stacks["SmsRefactor"]
    return {lid for lid, r in stack.resources.items() if r.type == "Custom::SmsResourcePolicy"}


def test_rename_and_reordered_calls_keep_the_policy_through_both_deployments(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    emulator.state.normalize_policies = True
    emulator.state.default_policy = "sns"
    owner = client_for(OWNER, emulator)
    number = new_phone_number(owner)
    pre_existing = policies(owner)
    base = {"ownerAccount": OWNER, "consumerAccount": CONSUMER, "region": REGION, "phoneNumberArn": number}
    versions = {
        "first": {**base, "order": "share-first"},
        "reordered": {**base, "order": "service-first"},
        "renamed": {**base, "order": "service-first", "policyId": "SharedNumberPolicy"},
    }
    apps = {name: cdk_synth(tmp_path / name, app=APP, **context) for name, context in versions.items()}

    cloudformation.deploy(apps["first"], "SmsRefactor")
    expected = [normalize_statement(s) for s in statements_of(json.loads(policies(owner)[number]))]
    seen_ids = [policy_logical_ids(cloudformation)]

    for name in ("reordered", "renamed"):
        cloudformation.deploy(apps[name], "SmsRefactor")
        seen_ids.append(policy_logical_ids(cloudformation))
        live = statements_of(json.loads(policies(owner)[number]))
        shown = [normalize_statement({**s, "Sid": ""}) for s in live]
        assert sorted(map(json.dumps, shown)) == sorted(
            map(json.dumps, (normalize_statement({**s, "Sid": ""}) for s in expected))
        ), f"after the {name} deployment the number holds the same grants, once each"

    assert seen_ids[0] == seen_ids[1], "reordering the calls keeps the policy's logical id"
    assert seen_ids[1] != seen_ids[2], "renaming the policy construct moves it (create new, delete old)"
    cloudformation.delete_stack("SmsRefactor")
    assert by_meaning(policies(owner)) == by_meaning(pre_existing)
    assert not marked(policies(owner).get(number))
