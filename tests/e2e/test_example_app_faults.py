"""End to end: the example app in an account that rewrites policies and grants SNS, under
injected faults on top of AWS's documented request rates, and a first deployment that fails,
rolls back and is retried (the scenario is test_example_app.py's; a file of its own so that
the test processes share the slow end-to-end runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, REGION, client_for, new_phone_number
from tests.e2e.test_example_app import crowded_policy, run_scenario, synth
from tests.harness.deploy import LocalCloudFormation, StackOperationError


def test_example_app_lifecycle_under_faults_in_a_realistic_account(
    cloudformation: LocalCloudFormation, emulator: Any, sink: Any, tmp_path: Path
) -> None:
    def inject() -> None:
        emulator.faults.throttle_next = 4  # a throttling burst on top of the documented rates
        emulator.faults.fail_next = 3
        emulator.faults.latency_s = 0.02
        emulator.faults.visibility_delay_s = 0.3
        sink.refuse_next = 2  # the first answer tries hit a failing ResponseURL; crhelper retries

    run_scenario(cloudformation, emulator, tmp_path, inject, normalize_policies=True, default_policy="sns")
    assert emulator.faults.fail_next == 0 and sink.refuse_next == 0, "every injected fault was hit"
    assert emulator.faults.throttled >= 4


def test_a_first_deployment_that_fails_and_rolls_back_can_be_retried(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    """The example app names its opt-out list. Its first deployment fails (the sender ID's
    policy cannot fit beside another team's) and rolls back; the list it created must go
    with the rollback (RetainExceptOnCreate), or the retry fails on the taken name."""
    owner = client_for(OWNER, emulator)
    number = new_phone_number(owner)
    guarded = owner.request_sender_id(SenderId="GUARDED", IsoCountryCode="GB")["SenderIdArn"]
    owner.put_resource_policy(ResourceArn=guarded, Policy=crowded_policy(guarded, None))
    sender = owner.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")["SenderIdArn"]
    base = {"ownerAccount": OWNER, "consumerAccount": CONSUMER, "region": REGION, "phoneNumberArn": number}

    with pytest.raises(StackOperationError, match="over the service's 10000"):
        cloudformation.deploy(synth(tmp_path / "first", **base, senderIdArn=guarded), "SmsProducer")
    lists = [item["OptOutListName"] for item in owner.describe_opt_out_lists()["OptOutLists"]]
    assert "shared-opt-outs" not in lists, "the rollback removed the list the failed deployment created"

    cloudformation.deploy(synth(tmp_path / "retry", **base, senderIdArn=sender), "SmsProducer")
    lists = [item["OptOutListName"] for item in owner.describe_opt_out_lists()["OptOutLists"]]
    assert "shared-opt-outs" in lists
