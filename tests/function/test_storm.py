"""Many creates at once against a throttling service, each in its own process as
Lambda would run them (one execution environment per concurrent event)."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from tests.conftest import CONSUMER
from tests.harness.cloudformation import CustomResource, LambdaContext, policy_json

CONCURRENT_CREATES = 50


def _lambda_environment(event: dict[str, Any], start: Any) -> None:
    """One execution environment: its own client, then one invocation, then a hard exit
    (the forked copy of pytest must not run the parent's exit handlers)."""
    try:
        import index

        from shared_sms_function.client import sms_voice_client

        # A forked process must not share the parent's pooled connections.
        index.CLIENT = sms_voice_client(os.environ["AWS_REGION"])
        start.wait()  # every environment is ready: the events hit the service at once
        index.handler(event, LambdaContext())
    finally:
        os._exit(0)


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
    start = context.Barrier(CONCURRENT_CREATES, timeout=60)
    workers = [context.Process(target=_lambda_environment, args=(event, start)) for event in events]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)

    answers = [sink.answers_for(e["RequestId"]) for e in events]
    assert all(len(a) == 1 for a in answers), "every event gets exactly one answer"
    failed = [a[0]["Reason"] for a in answers if a[0]["Status"] != "SUCCESS"]
    assert failed == []
    assert emulator.faults.throttled > 0, "the storm was throttled, and the retries got through"
    for arn in arns:
        assert CONSUMER in owner_client.get_resource_policy(ResourceArn=arn)["Policy"]
