"""Many creates at once against a throttling service, each in its own process as
Lambda would run them (one execution environment per concurrent event)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from shared_sms_function.equivalence import equivalent, statements_of
from tests.conftest import CONSUMER, new_phone_number
from tests.harness.cloudformation import STACK_ID, CustomResource, policy_json
from tests.harness.storm import run_concurrently

CONCURRENT_CREATES = 20  # at 1 request per second: 40 Gets, about 40 s


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
    emulator.rates.reset()  # AWS's documented 1 request per second per operation

    run_concurrently(events)

    answers = [sink.answers_for(e["RequestId"]) for e in events]
    assert all(len(a) == 1 for a in answers), "every event gets exactly one answer"
    failed = [a[0]["Reason"] for a in answers if a[0]["Status"] != "SUCCESS"]
    assert failed == []
    assert emulator.throttled > 0, "the storm was throttled, and the retries got through"


CONCURRENT_WRITERS = 10


def test_concurrent_merges_on_one_number_keep_every_stacks_statements(
    function: Any, sink: Any, emulator: Any, owner_client: Any
) -> None:
    """Ten stacks deploy against one number at once (there is no conditional Put): each
    merge that another writer dropped is merged again until every stack's statement is
    there; then they all delete at once and leave what was there before."""
    emulator.state.default_policy = "sns"
    arn = new_phone_number(owner_client)
    before = owner_client.get_resource_policy(ResourceArn=arn)["Policy"]
    stacks = [
        CustomResource(
            handler=function.handler,
            sink=sink,
            logical_id="SharedNumberPolicy",
            stack_id=STACK_ID.replace("SmsProducer", f"Team{i}"),
            physical_id=arn,
        )
        for i in range(CONCURRENT_WRITERS)
    ]
    accounts = [f"{100000000000 + i}" for i in range(CONCURRENT_WRITERS)]
    creates = [
        s.event("Create", {"ResourceArn": arn, "Policy": policy_json(a, arn=arn)})
        for s, a in zip(stacks, accounts, strict=True)
    ]

    run_concurrently(creates)

    assert [sink.answers_for(e["RequestId"])[0]["Status"] for e in creates] == ["SUCCESS"] * CONCURRENT_WRITERS
    live = json.loads(owner_client.get_resource_policy(ResourceArn=arn)["Policy"])
    granted = {p for s in statements_of(live) for p in s["Principal"].get("AWS", [])}
    assert granted == {f"arn:aws:iam::{a}:root" for a in accounts}
    assert len(statements_of(live)) == CONCURRENT_WRITERS + 1  # and the SNS statement

    deletes = [s.event("Delete") for s in stacks]
    run_concurrently(deletes)

    assert [sink.answers_for(e["RequestId"])[0]["Status"] for e in deletes] == ["SUCCESS"] * CONCURRENT_WRITERS
    assert equivalent(json.loads(owner_client.get_resource_policy(ResourceArn=arn)["Policy"]), json.loads(before))


@pytest.mark.parametrize(("lag_s", "offset_s"), [(3.0, 0.8)])
def test_a_writer_starting_within_the_read_lag_loses_no_statement_of_a_stack_that_succeeded(
    function: Any, sink: Any, emulator: Any, owner_client: Any, lag_s: float, offset_s: float
) -> None:
    """Stack Y writes; stack X reads before Y's write shows (the service's read-after-write lag)
    and writes without it. X's read-back can step over the moment Y's write was visible, and
    Y saw its own: each must go on watching as long as its own write took to show, and merge
    again (review B4: 6 of 6 rounds lost Y's statement at a 3 s lag and a 0.8 s offset)."""
    emulator.faults.visibility_delay_s = lag_s
    arn = new_phone_number(owner_client)
    writers = [
        CustomResource(handler=function.handler, sink=sink, logical_id="SharedNumberPolicy", stack_id=stack_id)
        for stack_id in (STACK_ID.replace("SmsProducer", "TeamY"), STACK_ID.replace("SmsProducer", "TeamX"))
    ]
    accounts = ["100000000001", "100000000002"]
    creates = [
        w.event("Create", {"ResourceArn": arn, "Policy": policy_json(a, arn=arn)})
        for w, a in zip(writers, accounts, strict=True)
    ]

    run_concurrently(creates, offsets_s=[0.0, offset_s])

    assert [sink.answers_for(e["RequestId"])[0]["Status"] for e in creates] == ["SUCCESS", "SUCCESS"]
    time.sleep(lag_s + 0.5)  # every write visible
    live = json.loads(owner_client.get_resource_policy(ResourceArn=arn)["Policy"])
    granted = {p for s in statements_of(live) for p in s["Principal"].get("AWS", [])}
    assert granted == {f"arn:aws:iam::{a}:root" for a in accounts}


def test_a_write_throttled_past_its_tries_reads_again_and_keeps_the_other_writers_statement(
    function: Any, sink: Any, emulator: Any, owner_client: Any, opt_out_list_arn: str
) -> None:
    """Two stacks share one list at once while Puts are scarce (one per 10 s): the second Put
    waits its turn for seconds, and if it then wrote what it read before the first Put, it
    would drop the first stack's statement after that stack answered SUCCESS."""
    arn = opt_out_list_arn
    stacks = [
        CustomResource(
            handler=function.handler, sink=sink, logical_id="Shared", stack_id=STACK_ID.replace("SmsProducer", team)
        )
        for team in ("Platform", "Marketing")
    ]
    accounts = ["100000000001", "100000000002"]
    creates = [
        s.event("Create", {"ResourceArn": arn, "Policy": policy_json(a, arn=arn)})
        for s, a in zip(stacks, accounts, strict=True)
    ]
    emulator.rates.reset()
    emulator.rates.per_operation["PutResourcePolicy"] = 0.1
    emulator.rates.per_operation["GetResourcePolicy"] = 100.0  # both read before either writes

    run_concurrently(creates)

    assert [sink.answers_for(e["RequestId"])[0]["Status"] for e in creates] == ["SUCCESS", "SUCCESS"]
    live = json.loads(owner_client.get_resource_policy(ResourceArn=arn)["Policy"])
    granted = {p for s in statements_of(live) for p in s["Principal"].get("AWS", [])}
    assert granted == {f"arn:aws:iam::{a}:root" for a in accounts}
