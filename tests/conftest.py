"""Shared fixtures: the SMS Voice V2 emulator, the HTTPS answer sink, the function
module, and real boto3 clients for two accounts."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
FUNCTION_DIR = ROOT / "lambda"
OWNER = "111122223333"
CONSUMER = "444455556666"
REGION = "us-east-1"

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from tests.fakes.sms_voice import SmsVoiceEmulator  # noqa: E402
from tests.fakes.sms_voice.rates import OBSERVER_AGENT  # noqa: E402
from tests.harness.cloudformation import LOCAL_DRIVERS, CustomResource, forget_shown_stacks  # noqa: E402
from tests.harness.https_sink import HttpsSink  # noqa: E402


def access_key_for(account: str) -> str:
    """The emulator reads the caller's account from the key's last 12 digits."""
    return f"AKIA0000{account}"


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[SmsVoiceEmulator]:
    with SmsVoiceEmulator() as server:
        yield server


@pytest.fixture()
def emulator(emulator_server: SmsVoiceEmulator) -> Iterator[SmsVoiceEmulator]:
    """The emulator with empty state and no faults for each test, without request rates: tests of
    one behaviour count calls and time steps. The end-to-end driver (tests/e2e/conftest.py) and
    the tests about rates put AWS's documented rates back (``emulator.rates.reset()``)."""
    emulator_server.reset()
    emulator_server.rates.unlimited()
    yield emulator_server
    emulator_server.reset()


@pytest.fixture(scope="session")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsSink]:
    server = HttpsSink(tmp_path_factory.mktemp("sink"))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _cloudformation_forgets_the_tests_stacks() -> Iterator[None]:
    """The stacks a test's custom resources showed CloudFormation are gone after it."""
    yield
    forget_shown_stacks()


@pytest.fixture(scope="session")
def local_drivers() -> Any:
    """The local CloudFormation drivers of the current test (``tests.fakes.cloudformation.server.LocalDrivers``):
    the ``cloudformation`` fixtures add theirs and clear the list afterwards; a ``CustomResource``
    adds its stack while its event runs."""
    return LOCAL_DRIVERS


@pytest.fixture(scope="session")
def cloudformation_server(local_drivers: Any, emulator_server: SmsVoiceEmulator) -> Iterator[Any]:
    """A CloudFormation (DescribeStacks, ListStackResources) serving the stacks of ``local_drivers``
    with their live status: where the function reads its own stack's status, authorized by the
    role's policies as the SMS Voice V2 emulator authorizes it (one IAM)."""
    from tests.fakes.cloudformation import CloudFormationEmulator

    with CloudFormationEmulator(local_drivers, iam=emulator_server.iam) as server:
        yield server


@pytest.fixture(scope="session")
def function_env(emulator_server: SmsVoiceEmulator, sink: HttpsSink, cloudformation_server: Any) -> dict[str, str]:
    """The environment the function runs with: owner credentials, the emulators, the sink's CA."""
    env = {
        "AWS_ACCESS_KEY_ID": access_key_for(OWNER),
        "AWS_SECRET_ACCESS_KEY": "emulated",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": emulator_server.url,
        "AWS_ENDPOINT_URL_CLOUDFORMATION": cloudformation_server.url,
        # OpenSSL's own setting (the function has no switch of its own): the sink's CA is trusted.
        "SSL_CERT_FILE": str(sink.ca_file),
        "AWS_LAMBDA_FUNCTION_NAME": "SmsProducer-SharedSmsPolicyFunction",
    }
    os.environ.update(env)
    os.environ.pop("AWS_PROFILE", None)
    return env


@pytest.fixture(scope="session")
def function(function_env: dict[str, str]) -> Any:
    """``lambda/index.py``, imported as Lambda would (its folder first on sys.path).

    Its clients are made here from ``function_env`` itself: this fixture is first asked for by
    whichever test comes first, and a test that has pointed the process's environment elsewhere
    (the CLI tests' own CloudFormation, another account) would otherwise leave the function
    talking to that for the rest of the session."""
    sys.path.insert(0, str(FUNCTION_DIR))
    index = importlib.import_module("index")
    from shared_sms_function.client import cloudformation_client, sms_voice_client

    def args(endpoint: str) -> dict[str, str]:
        return {
            "endpoint_url": function_env[endpoint],
            "aws_access_key_id": function_env["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": function_env["AWS_SECRET_ACCESS_KEY"],
        }

    index.CLIENT = sms_voice_client(function_env["AWS_REGION"], **args("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"))
    index.STACKS = cloudformation_client(function_env["AWS_REGION"], **args("AWS_ENDPOINT_URL_CLOUDFORMATION"))
    return index


@pytest.fixture()
def resource(function: Any, sink: HttpsSink, emulator: SmsVoiceEmulator) -> CustomResource:
    return CustomResource(handler=function.handler, sink=sink)


def client_for(
    account: str,
    emulator: SmsVoiceEmulator,
    config: Config | None = None,
    *,
    region: str = REGION,
    observer: bool = True,
) -> Any:
    """A plain boto3 client acting as ``account`` in ``region``; by default it retries like a
    patient caller (the faults tests), ``config`` overrides that. ``observer``: the test's own
    set-up and inspection, which the emulator's request rates do not count (rates.py); a
    client that stands for a caller under test (CloudFormation's handlers) passes False."""
    config = config or Config(retries={"mode": "standard", "total_max_attempts": 10})
    if observer:
        config = config.merge(Config(user_agent_extra=OBSERVER_AGENT))
    return boto3.client(
        "pinpoint-sms-voice-v2",
        region_name=region,
        endpoint_url=emulator.url,
        aws_access_key_id=access_key_for(account),
        aws_secret_access_key="emulated",
        config=config,
    )


def new_phone_number(client: Any) -> str:
    """Request a simulator number (the emulator accepts any) and return its ARN."""
    number = client.request_phone_number(
        IsoCountryCode="US", MessageType="TRANSACTIONAL", NumberCapabilities=["SMS"], NumberType="SIMULATOR"
    )
    return str(number["PhoneNumberArn"])


def attached(client: Any, arn: str) -> dict[str, Any] | None:
    """The policy on ``arn`` as a dict, or None when there is none."""
    try:
        text = client.get_resource_policy(ResourceArn=arn)["Policy"]
    except client.exceptions.ResourceNotFoundException:
        return None
    return json.loads(text) or None


def ours(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The statements a shared-sms custom resource wrote (those whose Sid carries a marker)."""
    from shared_sms_function.equivalence import statements_of
    from shared_sms_function.ownership import MARKER

    return [s for s in statements_of(policy) if MARKER.search(str(s.get("Sid", "")))]


def share(owner_client: Any, arn: str, account: str = CONSUMER, action: str = "sms-voice:SendTextMessage") -> None:
    """What an owner does by hand: a policy letting ``account`` use ``arn``."""
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": action,
        "Resource": arn,
    }
    owner_client.put_resource_policy(ResourceArn=arn, Policy=json.dumps({"Statement": [statement]}))


@pytest.fixture()
def owner_client(emulator: SmsVoiceEmulator) -> Any:
    return client_for(OWNER, emulator)


@pytest.fixture()
def consumer_client(emulator: SmsVoiceEmulator) -> Any:
    return client_for(CONSUMER, emulator)


@pytest.fixture()
def opt_out_list_arn(owner_client: Any) -> str:
    return str(owner_client.create_opt_out_list(OptOutListName="shared-opt-outs")["OptOutListArn"])


@pytest.fixture()
def phone_number_arn(owner_client: Any) -> str:
    return new_phone_number(owner_client)
