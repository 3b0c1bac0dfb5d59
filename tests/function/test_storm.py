"""Many creates at once against a throttling service, each in its own process as
Lambda would run them (one execution environment per concurrent event)."""

from __future__ import annotations

from typing import Any

from tests.conftest import CONSUMER, new_phone_number
from tests.harness.cloudformation import CustomResource, policy_json
from tests.harness.storm import run_concurrently

CONCURRENT_CREATES = 50


def test_throttling_storm_of_concurrent_creates_all_succeed(
    function: Any, sink: Any, emulator: Any, owner_client: Any
) -> None:
    arns = [new_phone_number(owner_client) for _ in range(CONCURRENT_CREATES)]
    events = [
        CustomResource(handler=function.handler, sink=sink, logical_id=f"Policy{i}").event(
            "Create", {"ResourceArn": arn, "Policy": policy_json(CONSUMER, arn=arn)}
        )
        for i, arn in enumerate(arns)
    ]
    emulator.faults.rate_limit_rps = 25.0

    run_concurrently(events)

    answers = [sink.answers_for(e["RequestId"]) for e in events]
    assert all(len(a) == 1 for a in answers), "every event gets exactly one answer"
    failed = [a[0]["Reason"] for a in answers if a[0]["Status"] != "SUCCESS"]
    assert failed == []
    assert emulator.faults.throttled > 0, "the storm was throttled, and the retries got through"
