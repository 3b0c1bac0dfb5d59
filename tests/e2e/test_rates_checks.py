"""End to end at AWS's documented request rates while another caller in the consumer account
takes half of each operation's rate: a consumer stack verifying 24 shared opt-out lists (rates.COUNT)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import CONSUMER, OWNER, client_for
from tests.e2e.rates import COUNT, assert_every_answer_in_time, create_lists, synth
from tests.harness.deploy import LocalCloudFormation


def test_many_checks_pass_at_the_documented_rates_beside_another_caller(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    for arn in create_lists(emulator):  # shared by hand: the owner's side is not under test here
        statement = {"Effect": "Allow", "Principal": {"AWS": CONSUMER}, "Action": "sms-voice:*", "Resource": arn}
        owner.put_resource_policy(ResourceArn=arn, Policy=json.dumps({"Statement": [statement]}))
    emulator.rates.background_rps = 0.5

    cloudformation.deploy(synth(tmp_path), "SmsManyChecks")

    checks = assert_every_answer_in_time(cloudformation)
    assert len(checks) == COUNT
    assert {e["answer"]["Data"]["OptOutListName"] for e in checks} == {f"rates-{i}" for i in range(COUNT)}
    assert emulator.throttled > 0, "the checks met the rate limit, and got through it"
    assert cloudformation.peak_running["SmsManyChecks"] == 8
