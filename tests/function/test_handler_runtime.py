"""What the function does around the lifecycle: logging, cold start, init failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONSUMER, FUNCTION_DIR
from tests.harness.cloudformation import CustomResource, policy_json


def test_info_logs_carry_context_but_never_the_response_url_or_policy(
    resource: CustomResource, phone_number_arn: str, caplog: pytest.LogCaptureFixture
) -> None:
    policy = policy_json(CONSUMER, arn=phone_number_arn)
    event = resource.event("Create", {"ResourceArn": phone_number_arn, "Policy": policy})
    with caplog.at_level("INFO"):
        assert resource.send(event)["Status"] == "SUCCESS"
    text = caplog.text
    assert event["ResponseURL"] not in text and resource.sink.url not in text
    assert policy not in text and CONSUMER not in text
    assert event["RequestId"] in text  # structured context from crhelper's JSON logging


def test_no_polling_clients_are_built_at_cold_start(function: Any) -> None:
    assert not hasattr(function.helper, "_lambda_client")
    assert "AWS_SAM_LOCAL" not in os.environ


def test_cold_start_failure_still_answers_failed(
    resource: CustomResource, function_env: dict[str, str], phone_number_arn: str
) -> None:
    event = resource.event(
        "Create", {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    )
    env = {k: v for k, v in {**os.environ, **function_env}.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    env["SHARED_SMS_STACK_ID"] = resource.stack_id  # the construct always sets it
    probe = Path(__file__).with_name("cold_start_probe.py")  # runs one event in a fresh interpreter
    run = subprocess.run(
        [sys.executable, str(probe), str(FUNCTION_DIR), json.dumps(event)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    (answer,) = resource.sink.answers_for(event["RequestId"])
    assert answer["Status"] == "FAILED"
    assert "region" in answer["Reason"].lower()
