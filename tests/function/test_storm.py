"""Many creates at once against a throttling service, each in its own process as
Lambda would run them (one execution environment per concurrent event)."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from tests.conftest import CONSUMER
from tests.harness.cloudformation import CustomResource, LambdaContext, policy_json

CONCURRENT_CREATES = 50


def _fresh_environment() -> None:
    # A forked worker must not share the parent's pooled connections: give it its own client.
    import index

    from shared_sms_function.client import sms_voice_client

    index.CLIENT = sms_voice_client(os.environ["AWS_REGION"])


def _invoke(event: dict[str, Any]) -> None:
    import index

    index.handler(event, LambdaContext())


def test_throttling_storm_of_concurrent_creates_all_succeed(
    function: Any, sink: Any, emulator: Any, owner_client: Any
) -> None:
    arns = [
        owner_client.request_phone_number(
            IsoCountryCode="US", MessageType="TRANSACTIONAL", NumberCapabilities=["SMS"], NumberType="SIMULATOR"
        )["PhoneNumberArn"]
        for _ in range(CONCURRENT_CREATES)
    ]
    resources = [CustomResource(handler=function.handler, sink=sink, logical_id=f"Policy{i}") for i in range(len(arns))]
    events = [
        r.event("Create", {"ResourceArn": arn, "Policy": policy_json(CONSUMER, arn=arn)})
        for r, arn in zip(resources, arns, strict=True)
    ]
    emulator.faults.rate_limit_rps = 25.0

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=CONCURRENT_CREATES, mp_context=context, initializer=_fresh_environment
    ) as pool:
        list(pool.map(_invoke, events))

    answers = [sink.answers_for(e["RequestId"]) for e in events]
    assert all(len(a) == 1 for a in answers), "every event gets exactly one answer"
    failed = [a[0]["Reason"] for a in answers if a[0]["Status"] != "SUCCESS"]
    assert failed == []
    throttled = emulator.call_count("PutResourcePolicy") + emulator.call_count("GetResourcePolicy")
    assert throttled > 3 * CONCURRENT_CREATES, "the storm was throttled and retried"
    for arn in arns:
        assert CONSUMER in owner_client.get_resource_policy(ResourceArn=arn)["Policy"]
