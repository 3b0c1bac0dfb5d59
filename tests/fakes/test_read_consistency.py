"""How the emulator's reads lag behind policy writes (state.py): monotonic by default, or a
replicated store whose reads may go back within the lag; a Delete may have its own lag."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.conftest import OWNER, attached


def put(client: Any, arn: str, sid: str) -> None:
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "sms-voice:*", "Resource": arn}
    client.put_resource_policy(ResourceArn=arn, Policy=json.dumps({"Statement": [statement]}))


def sids_read(client: Any, arn: str, reads: int = 1, until: float = 0.0) -> list[str | None]:
    """What reads in a row show (the Sid, or None for no policy): ``reads`` of them, and more
    until ``time.time()`` passes ``until``."""
    shown: list[str | None] = []
    while len(shown) < reads or time.time() < until:
        policy = attached(client, arn)
        shown.append(policy["Statement"][0]["Sid"] if policy else None)
    return shown


def went_back(shown: list[str | None], old: str | None, new: str) -> bool:
    return new in shown and old in shown[shown.index(new) :]


@pytest.mark.parametrize("consistency", ["monotonic", "replicated"])
def test_reads_inside_the_lag_go_back_only_when_replicated(
    emulator: Any, owner_client: Any, opt_out_list_arn: str, consistency: str
) -> None:
    emulator.state.read_consistency = consistency
    emulator.state.rng.seed(7)
    put(owner_client, opt_out_list_arn, "Old")
    emulator.faults.visibility_delay_s = 1.0
    put(owner_client, opt_out_list_arn, "New")
    written = time.time()
    shown = sids_read(owner_client, opt_out_list_arn, until=written + 0.8)
    assert time.time() - written < 1.0, "every read inside the lag"
    assert went_back(shown, "Old", "New") is (consistency == "replicated"), shown
    if consistency == "monotonic":
        assert set(shown) == {"Old"}
    time.sleep(max(0.0, written + 1.0 - time.time()))
    assert set(sids_read(owner_client, opt_out_list_arn, 20)) == {"New"}, "after the lag every read shows it"


def test_replicated_reads_show_a_write_more_often_as_the_lag_passes(
    emulator: Any, owner_client: Any, opt_out_list_arn: str
) -> None:
    emulator.state.read_consistency = "replicated"
    emulator.state.rng.seed(7)
    emulator.faults.visibility_delay_s = 1.0
    put(owner_client, opt_out_list_arn, "New")
    written = time.time()
    early = sids_read(owner_client, opt_out_list_arn, 20)
    time.sleep(max(0.0, written + 0.75 - time.time()))
    late = sids_read(owner_client, opt_out_list_arn, 20)
    assert early.count("New") + 5 < late.count("New"), (early, late)


def test_a_delete_can_show_sooner_than_a_put(emulator: Any, owner_client: Any, opt_out_list_arn: str) -> None:
    put(owner_client, opt_out_list_arn, "Old")
    emulator.faults.visibility_delay_s, emulator.state.delete_visibility_delay_s = 10.0, 0.2
    owner_client.delete_resource_policy(ResourceArn=opt_out_list_arn)
    assert attached(owner_client, opt_out_list_arn) is not None
    time.sleep(0.25)
    assert attached(owner_client, opt_out_list_arn) is None
    put(owner_client, opt_out_list_arn, "Late")
    time.sleep(0.25)
    assert attached(owner_client, opt_out_list_arn) is None, "a Put keeps its own lag"


def test_reset_restores_monotonic_reads_and_one_lag(emulator: Any, opt_out_list_arn: str) -> None:
    emulator.state.read_consistency, emulator.state.delete_visibility_delay_s = "replicated", 3.0
    emulator.reset()
    assert (emulator.state.read_consistency, emulator.state.delete_visibility_delay_s) == ("monotonic", None)


def test_fails_an_unknown_read_consistency(emulator: Any, opt_out_list_arn: str) -> None:
    emulator.state.read_consistency = "eventual"
    with pytest.raises(ValueError, match="unknown read consistency 'eventual'"):
        emulator.state.visible_policy(opt_out_list_arn)
