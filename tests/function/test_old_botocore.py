"""The function works on a Lambda runtime whose botocore predates the resource-policy
operations (1.35.26): it ships the operations' model with its code."""

from __future__ import annotations

import json
import os
import subprocess
import venv
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONSUMER, FUNCTION_DIR, ROOT
from tests.harness.cloudformation import CustomResource, policy_json

OLD_VENV = ROOT / ".cache" / "botocore-1.34"
OLD_PINS = ["boto3==1.34.162", "botocore==1.34.162"]


@pytest.fixture(scope="module")
def old_python() -> Path:
    python = OLD_VENV / "bin" / "python"
    if not python.exists():
        venv.create(OLD_VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *OLD_PINS], check=True)
    return python


def test_old_botocore_lacks_the_operations_on_its_own(old_python: Path) -> None:
    probe = (
        "import botocore.session as s; m = s.get_session().get_service_model('pinpoint-sms-voice-v2'); "
        "print('PutResourcePolicy' in m.operation_names)"
    )
    out = subprocess.run([str(old_python), "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_function_creates_policy_under_botocore_1_34(
    old_python: Path, resource: CustomResource, function_env: dict[str, str], owner_client: Any, phone_number_arn: str
) -> None:
    event = resource.event(
        "Create", {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    )
    env = {**os.environ, **function_env, "PYTHONPATH": "", "SHARED_SMS_STACK_ID": resource.stack_id}
    run = subprocess.run(
        [str(old_python), str(Path(__file__).with_name("cold_start_probe.py")), str(FUNCTION_DIR), json.dumps(event)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1].startswith("1.34."), "ran under botocore 1.34"
    (answer,) = resource.sink.answers_for(event["RequestId"])
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert CONSUMER in owner_client.get_resource_policy(ResourceArn=phone_number_arn)["Policy"]
