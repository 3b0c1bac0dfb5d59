"""tools/calibrate.py measures what the emulator is set to, and the emulator loads what it writes.

The calibration runs here against the emulator with real boto3 clients (the endpoint from
``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2``), with the emulator set to known lags, read
consistency, request rates and no-policy answer; the profile must give those settings back
within the resolution of the reads. Two runs with other settings keep a measurement that
ignores what it measures from passing.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.conftest import CONSUMER, OWNER, REGION, ROOT, access_key_for, client_for
from tests.fakes.sms_voice import SmsVoiceEmulator

POLICY_RATES = {"GetResourcePolicy": 20.0, "PutResourcePolicy": 5.0, "DeleteResourcePolicy": 5.0}
LADDER = "5,20,80"  # each rate above is a step; the step after it throttles within a second
FAST = shlex.split("--samples 3 --step-seconds 1 --settle 0.15 --timeout 10 --cooldown 0 --ram-window 0")


def _calibrate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calibrate", ROOT / "tools" / "calibrate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


calibrate = _calibrate()


def run_calibration(emulator: SmsVoiceEmulator, tmp: Path, *arguments: str) -> dict[str, Any]:
    """``python tools/calibrate.py`` as a maintainer runs it, its endpoint the emulator's."""
    (tmp / "config").write_text("")
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
            env.delenv(name, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", access_key_for(OWNER))
        env.setenv("AWS_SECRET_ACCESS_KEY", "emulated")
        env.setenv("AWS_CONFIG_FILE", str(tmp / "config"))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp / "config"))
        env.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", emulator.url)
        out = tmp / "calibration.json"
        assert calibrate.main(["--region", REGION, "--profile-out", str(out), *FAST, *arguments]) == 0
    profile: dict[str, Any] = json.loads(out.read_text())
    return profile


@pytest.fixture(scope="module")
def measured(emulator_server: SmsVoiceEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One calibration of the emulator at known settings: monotonic reads, a Put shown after
    0.3 s and a Delete after 0.15 s, the rates above, ``"{}"`` for no policy."""
    emulator = emulator_server
    emulator.reset()
    emulator.rates.per_operation.update(POLICY_RATES)
    emulator.faults.visibility_delay_s, emulator.state.delete_visibility_delay_s = 0.3, 0.15
    emulator.state.no_policy_style = "empty"
    tmp = tmp_path_factory.mktemp("calibration")
    try:
        run_calibration(emulator, tmp, "--ladder", LADDER, "--second-account-profile", "no-such-profile")
        assert emulator.state.scopes[(OWNER, REGION)] == {}, "the opt-out list it created is deleted"
    finally:
        emulator.reset()
    yield tmp / "calibration.json"


def test_calibration_gives_back_the_emulators_lags_rates_and_no_policy_answer(measured: Path) -> None:
    profile = json.loads(measured.read_text())
    lags = profile["read_after_write"]
    poll = lags["poll_interval_s"]
    assert poll == pytest.approx(1 / (0.9 * 20), abs=0.001), "reads are paced to the Get rate it measured"
    assert lags["put"]["timed_out"] == lags["delete"]["timed_out"] == 0
    for kind, lag in (("put", 0.3), ("delete", 0.15)):
        for (stale, shown), sample in zip(lags[kind]["bounds_s"], lags[kind]["samples_s"], strict=True):
            # the last read without the write and the next read hold the lag between them,
            # give or take half a round trip on each side
            assert stale - 0.02 <= lag <= shown + 0.02, (kind, stale, shown)
            assert shown - stale <= poll + 0.15, "one pause between reads, and the read itself"
            assert sample == pytest.approx((stale + shown) / 2, abs=0.001)
        assert lags[kind]["max_s"] == max(lags[kind]["samples_s"])
    assert lags["monotonic"] is True and lags["regressions"] == 0
    assert lags["writes_see_earlier_writes"] is True
    for operation, rate in POLICY_RATES.items():
        measured_rate = profile["rates"][operation]
        assert (measured_rate["rps"], measured_rate["throttled_at"]) == (rate, rate * 4), operation
        assert [step["throttled"] for step in measured_rate["steps"]][-1] is True
    assert profile["no_policy"]["style"] == "empty"
    assert profile["no_policy"]["never_written"] == {"style": "empty", "http_status": 200, "policy": "{}"}
    assert profile["no_policy"]["after_delete"]["style"] == "empty"
    assert profile["ram"] == {
        "checked": False,
        "skipped": "RAM checks skipped: The config profile (no-such-profile) could not be found",
    }
    assert profile["format"] == "shared-sms-calibration/1" and profile["region"] == REGION


def test_replicated_reads_are_measured_as_not_monotonic_with_their_lag(emulator: Any, tmp_path: Path) -> None:
    emulator.state.read_consistency = "replicated"
    emulator.faults.visibility_delay_s, emulator.state.delete_visibility_delay_s = 0.5, 0.2
    profile = run_calibration(emulator, tmp_path, "--skip-rates", "--poll-interval", "0.01")
    lags = profile["read_after_write"]
    assert lags["monotonic"] is False and lags["regressions"] > 0
    # A replica that shows a write early does not end the sample: the latest stale read does.
    assert 0.3 <= lags["put"]["max_s"] <= 0.55
    assert 0.1 <= lags["delete"]["max_s"] <= 0.25
    assert min(lags["put"]["first_seen_s"]) < 0.3, "some replica showed the Put early"
    assert profile["rates"] is None
    assert profile["no_policy"]["style"] == "not-found"
    assert profile["no_policy"]["never_written"]["error_code"] == "ResourceNotFoundException"


def test_apply_profile_sets_the_emulator_as_measured(emulator: Any, measured: Path, owner_client: Any) -> None:
    profile = json.loads(measured.read_text())
    assert emulator.apply_profile(measured) == []
    lags = profile["read_after_write"]
    assert emulator.faults.visibility_delay_s == lags["put"]["max_s"]
    assert emulator.state.delete_visibility_delay_s == lags["delete"]["max_s"]
    assert emulator.state.read_consistency == "monotonic"
    assert emulator.state.no_policy_style == "empty"
    for operation in POLICY_RATES:
        assert emulator.rates.rate_of(operation) == profile["rates"][operation]["rps"]
    assert emulator.rates.rate_of("DescribePools") is None, "operations it did not measure keep their rates"
    arn = owner_client.create_opt_out_list(OptOutListName="measured")["OptOutListArn"]
    owner_client.put_resource_policy(ResourceArn=arn, Policy=calibrate.document(arn, "Measured"))
    assert owner_client.get_resource_policy(ResourceArn=arn)["Policy"] == "{}", "the Put is not shown yet"
    time.sleep(lags["put"]["max_s"] + 0.05)
    assert "Measured" in owner_client.get_resource_policy(ResourceArn=arn)["Policy"]
    emulator.reset()
    assert emulator.rates.rate_of("GetResourcePolicy") == 1.0 and emulator.faults.visibility_delay_s == 0


def test_apply_profile_of_replicated_reads_and_what_it_cannot_model(emulator: Any, measured: Path) -> None:
    profile = json.loads(measured.read_text())
    profile["read_after_write"]["monotonic"] = False
    profile["read_after_write"]["put"]["timed_out"] = 1
    profile["rates"]["PutResourcePolicy"]["rps"] = None
    profile["no_policy"]["style"] = "other"
    profile["ram"] = {"checked": True, "share_writes_policy": True, "consumer_put": {"allowed": True}}
    notes = emulator.apply_profile(profile)
    assert emulator.state.read_consistency == "replicated"
    assert emulator.rates.rate_of("PutResourcePolicy") is None, "left as it was (unlimited in these tests)"
    assert emulator.state.no_policy_style == "not-found", "left as it was"
    expected = [
        "the put lag is a lower bound",
        "PutResourcePolicy was throttled at the lowest rate",
        "a resource without a policy answered",
        "after a Delete, GetResourcePolicy answered 'empty', not 'other'",
        "a RAM share wrote statements",
        "the second account could PutResourcePolicy",
    ]
    assert len(notes) == len(expected) and all(e in n for e, n in zip(expected, notes, strict=True)), notes
    with pytest.raises(ValueError, match="format"):
        emulator.apply_profile({**profile, "format": "something-else/1"})


class FakeRam:
    """RAM's API for one account over the emulator's RAM model (which has no wire API). With
    ``writes_policy``, creating a share also writes a statement into the resource's policy, as
    RAM might do: the calibration must notice."""

    def __init__(self, emulator: SmsVoiceEmulator, account: str, writes_policy: Any = None) -> None:
        self.ram, self.account, self.writes_policy = emulator.state.ram, account, writes_policy

    def create_resource_share(self, **request: Any) -> dict[str, Any]:
        arn = self.ram.create_share(
            self.account,
            REGION,
            request["name"],
            request["resourceArns"],
            request["principals"],
            request["allowExternalPrincipals"],
        )
        if self.writes_policy is not None:
            resource = request["resourceArns"][0]
            self.writes_policy.put_resource_policy(ResourceArn=resource, Policy=calibrate.document(resource, "Ram"))
        return {"resourceShare": {"resourceShareArn": arn}}

    def delete_resource_share(self, **request: Any) -> dict[str, Any]:
        self.ram.delete_share(request["resourceShareArn"])
        return {"returnValue": True}

    def accept_resource_share_invitation(self, **request: Any) -> dict[str, Any]:
        self.ram.accept_invitation(self.account, request["resourceShareInvitationArn"].split("/invitation/")[0])
        return {}

    def get_paginator(self, operation: str) -> Any:
        pages = getattr(self, f"_{operation}")

        class Paginator:
            def paginate(self, **request: Any) -> list[dict[str, Any]]:
                return pages(**request)

        return Paginator()

    def _get_resource_share_invitations(self, **request: Any) -> list[dict[str, Any]]:
        invitations = [
            {
                "resourceShareInvitationArn": f"{arn}/invitation/{self.account}",
                "status": "ACCEPTED" if self.account in share.accepted else "PENDING",
            }
            for arn, share in self.ram.shares.items()
            if arn in request["resourceShareArns"] and self.account in share.principals
        ]
        return [{"resourceShareInvitations": invitations[:1]}, {"resourceShareInvitations": invitations[1:]}]

    def _get_resource_share_associations(self, **request: Any) -> list[dict[str, Any]]:
        share = self.ram.shares[request["resourceShareArns"][0]]
        if request["associationType"] == "RESOURCE":
            return [{"resourceShareAssociations": [{"status": "ASSOCIATED"} for _ in share.resources]}]
        reached = self.ram.accounts_with_access(share.resources[0])
        statuses = ["ASSOCIATED" if p in reached else "ASSOCIATING" for p in share.principals]
        return [{"resourceShareAssociations": [{"status": s} for s in statuses]}]


@pytest.mark.parametrize("writes_policy", [False, True])
def test_ram_checks_report_what_a_share_does(emulator: Any, writes_policy: bool) -> None:
    owner, consumer = client_for(OWNER, emulator), client_for(CONSUMER, emulator)
    arn = owner.create_opt_out_list(OptOutListName="shared")["OptOutListArn"]
    settings = calibrate.Settings(ram_window_s=0.1, ram_poll_s=0.01, ram_timeout_s=5)
    owner_ram = FakeRam(emulator, OWNER, owner if writes_policy else None)
    found = calibrate.check_ram(
        owner, owner_ram, consumer, FakeRam(emulator, CONSUMER), CONSUMER, arn, settings, 0.01, lambda _: None
    )
    assert found["association"] == {
        "invitation_accepted": True,
        "statuses": {"PRINCIPAL": ["ASSOCIATED"], "RESOURCE": ["ASSOCIATED"]},
        "associated": True,
    }
    assert found["share_writes_policy"] is writes_policy
    assert len(found["policies_seen"]) == writes_policy and ("policy_after_unshare" in found) is writes_policy
    assert found["consumer_sees_shared"] is True
    assert found["consumer_put"]["allowed"] is False
    assert (found["consumer_put"]["error_code"], found["consumer_put"]["reason"]) == (
        "ValidationException",
        "RESOURCE_NOT_ACCESSIBLE",
    )
    assert emulator.state.ram.shares == {}, "the share is deleted"


def test_ram_checks_are_skipped_with_the_reason_when_ram_refuses(emulator: Any) -> None:
    owner = client_for(OWNER, emulator)
    arn = owner.create_opt_out_list(OptOutListName="shared")["OptOutListArn"]
    ram = boto3.client(
        "ram",
        region_name=REGION,
        endpoint_url=emulator.url,  # speaks SMS Voice V2 only: RAM's requests fail
        aws_access_key_id=access_key_for(OWNER),
        aws_secret_access_key="emulated",
    )
    found = calibrate.check_ram(owner, ram, owner, ram, CONSUMER, arn, calibrate.Settings(), 0.01, lambda _: None)
    assert found["checked"] is False and found["skipped"].startswith("RAM checks skipped: RAM refused the share (")


def test_the_emulator_runs_with_a_profile(measured: Path) -> None:
    command = [sys.executable, "-m", "tests.fakes.sms_voice", "--port", "0", "--profile", str(measured)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = iter(process.stdout.readline, "")
        url = next(line for line in lines if "listening on" in line).split()[-1]
        client = boto3.client(
            "pinpoint-sms-voice-v2",
            region_name=REGION,
            endpoint_url=url,
            aws_access_key_id=access_key_for(OWNER),
            aws_secret_access_key="emulated",
        )
        arn = client.create_opt_out_list(OptOutListName="profiled")["OptOutListArn"]
        assert client.get_resource_policy(ResourceArn=arn)["Policy"] == "{}", "the profile's no-policy answer"
    finally:
        process.terminate()
        process.wait(timeout=10)
