"""The function as Lambda runs it: each event in an execution environment of its own.

An environment is a worker process that imports ``lambda/index.py`` once (a cold start) and
then handles one event at a time, kept warm for later events; concurrent events get
environments of their own, as Lambda scales out. So the custom resources that CloudFormation
runs at once really call the service at once, from separate processes with separate clients,
and meet its request rates together.

Workers come from a forkserver: a clean single-threaded parent, whatever threads the test
process runs (the emulator, the HTTPS sink, the driver's).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "lambda"
MAX_ENVIRONMENTS = 48
"""More concurrent events than this wait for an environment (Lambda's own default account
concurrency is 1,000; the e2e stacks never run this many custom resources at once)."""

_clients: dict[tuple[str, str], Any] = {}
_stacks: dict[tuple[str, str], Any] = {}


def _cold_start(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    sys.path.insert(0, str(FUNCTION_DIR))
    import index  # noqa: F401  (init as Lambda's cold start does)


def _handle(event: dict[str, Any], timeout_s: float) -> None:
    import index

    from shared_sms_function.client import cloudformation_client, sms_voice_client
    from tests.fakes.sms_voice.iam import function_key
    from tests.harness.cloudformation import LambdaContext

    # The stack's region, and its function's role (the emulator's IAM binds the key to the role
    # the stack's AWS::Lambda::Function names; unbound, it acts as the account).
    region = event["StackId"].split(":")[3]
    key = (event["StackId"], region)
    if key not in _clients:
        _clients[key] = sms_voice_client(
            region, aws_access_key_id=function_key(event["StackId"]), aws_secret_access_key="emulated"
        )
        _stacks[key] = cloudformation_client(
            region, aws_access_key_id=function_key(event["StackId"]), aws_secret_access_key="emulated"
        )
    index.CLIENT, index.STACKS = _clients[key], _stacks[key]
    os.environ["SHARED_SMS_STACK_ID"] = event["StackId"]  # each stack has its own function
    index.handler(event, LambdaContext(timeout_s))


class LambdaService:
    """Invokes the function for CloudFormation's events; ``invoke`` returns when the handler did."""

    def __init__(self, environment: dict[str, str], max_environments: int = MAX_ENVIRONMENTS) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["boto3", "botocore.session"])
        self._pool = ProcessPoolExecutor(
            max_workers=max_environments,
            mp_context=context,
            initializer=_cold_start,
            initargs=(dict(environment),),
        )

    def invoke(self, event: dict[str, Any], timeout_s: float = 300.0) -> None:
        self._pool.submit(_handle, event, timeout_s).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
