"""End to end at AWS's documented request rates (1 per second per operation, account and
Region; tests/fakes/sms_voice/rates.py): a stack sharing 24 opt-out lists (rates.COUNT) is created,
updated in one place, deleted, and, with one share that fails, rolled back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, attached, client_for, ours
from tests.e2e.accounts import NEW_CONSUMER
from tests.e2e.rates import COUNT, assert_every_answer_in_time, create_lists, synth
from tests.harness.deploy import LocalCloudFormation, StackOperationError

STACK = "SmsManyShares"


def _consumers(policy: dict[str, Any] | None) -> set[str]:
    return {p for s in ours(policy) for p in json.dumps(s["Principal"]).split('"') if p.startswith("arn:aws:iam::")}


def test_many_shares_deploy_update_and_delete_at_the_documented_rates(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    arns = create_lists(emulator)
    assembly = synth(tmp_path / "first")

    cloudformation.deploy(assembly, STACK)

    creates = assert_every_answer_in_time(cloudformation)
    assert len(creates) == COUNT
    assert emulator.throttled > 0, "the deployment met the rate limit, and got through it"
    assert cloudformation.peak_running[STACK] == 8, "eight lanes at the default rate, all of them busy"
    owner = client_for(OWNER, emulator)
    assert [_consumers(attached(owner, arn)) for arn in arns] == [{f"arn:aws:iam::{CONSUMER}:root"}] * COUNT

    # One policy among them changes: one event, not COUNT (lanes are DependsOn only).
    sent = len(cloudformation.events)
    cloudformation.deploy(synth(tmp_path / "second", extraAccount=NEW_CONSUMER), STACK)
    (update,) = assert_every_answer_in_time(cloudformation, sent)
    assert update["event"]["RequestType"] == "Update"
    assert update["event"]["ResourceProperties"]["ResourceArn"] == arns[0]

    sent = len(cloudformation.events)
    cloudformation.delete_stack(STACK)

    deletes = assert_every_answer_in_time(cloudformation, sent)
    assert len(deletes) == COUNT
    assert [attached(owner, arn) for arn in arns] == [None] * COUNT


def test_a_failed_share_rolls_back_every_other_share_at_the_documented_rates(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    arns = create_lists(emulator)

    with pytest.raises(StackOperationError) as failed:
        cloudformation.deploy(synth(tmp_path / "failing", failing="yes"), STACK)

    assert "does not exist" in failed.value.reason
    events = cloudformation.events
    rolled_back = [e for e in events if e["event"]["RequestType"] == "Delete"]
    created = [e for e in events if e["event"]["RequestType"] == "Create" and e["answer"]["Status"] == "SUCCESS"]
    assert len(created) >= 4, "the failure came while many shares were in place"
    assert {e["event"]["LogicalResourceId"] for e in created} <= {e["event"]["LogicalResourceId"] for e in rolled_back}
    assert all(e["answer"]["Status"] == "SUCCESS" for e in rolled_back)
    owner = client_for(OWNER, emulator)
    assert [attached(owner, arn) for arn in arns] == [None] * COUNT
