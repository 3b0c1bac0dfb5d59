"""End to end (issue 22, review M2): a consumer stack in us-west-2 verifies a number that lives in
us-east-1 (tests/e2e/apps/consumer_app.py with another region). SMS Voice V2 is regional and
``Owner="SHARED"`` lists only the caller's region, so the check lists in the ARN's region: the
deployment passes once the owner shares the number, and fails (naming the number) before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, REGION, client_for, new_phone_number, share
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import LocalCloudFormation, StackOperationError

APPS = Path(__file__).parent / "apps"
CONSUMER_REGION = "us-west-2"


def test_a_consumer_in_another_region_verifies_a_shared_number(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)  # the number lives in us-east-1
    number = new_phone_number(owner)
    assert f":sms-voice:{REGION}:" in number and REGION != CONSUMER_REGION
    assembly = cdk_synth(
        tmp_path / "app",
        app=APPS / "consumer_app.py",
        ownerAccount=OWNER,
        consumerAccount=CONSUMER,
        region=CONSUMER_REGION,
        arns=number,
        outputs="yes",
    )

    with pytest.raises(StackOperationError, match=f"is not shared with {CONSUMER} yet"):
        cloudformation.deploy(assembly, "SmsConsumer")  # not shared yet: the check says so

    share(owner, number)
    cloudformation.deploy(assembly, "SmsConsumer")
    assert cloudformation.stacks["SmsConsumer"].region == CONSUMER_REGION
    assert cloudformation.outputs("SmsConsumer")["Status0"] == "ACTIVE"
