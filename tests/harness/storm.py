"""Many events at once, each in its own forked process, as Lambda runs concurrent events
(one execution environment each)."""

from __future__ import annotations

import multiprocessing
import os
import time
from typing import Any

from .cloudformation import LambdaContext


def _lambda_environment(event: dict[str, Any], start: Any, offset_s: float) -> None:
    """One execution environment: its own client, then one invocation, then a hard exit
    (the forked copy of the parent must not run the parent's exit handlers)."""
    try:
        import index

        _own_connections(index)
        start.wait()  # every environment is ready: the events hit the service at once
        time.sleep(offset_s)  # ... or staggered, as stacks that start deploying a little apart
        os.environ["SHARED_SMS_STACK_ID"] = event["StackId"]  # this process is that stack's function
        index.handler(event, LambdaContext())
    finally:
        os._exit(0)


def _own_connections(index: Any) -> None:
    """The parent's clients made again: a forked process must not share their pooled connections."""
    from shared_sms_function.client import cloudformation_client, sms_voice_client

    for name, make in (("CLIENT", sms_voice_client), ("STACKS", cloudformation_client)):
        parent = getattr(index, name)
        credentials = parent._request_signer._credentials
        fresh = make(
            parent.meta.region_name,
            endpoint_url=parent.meta.endpoint_url,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
        )
        setattr(index, name, fresh)


def run_concurrently(events: list[dict[str, Any]], offsets_s: list[float] | None = None) -> float:
    """Send every event to ``lambda/index.py`` at the same moment (or each ``offsets_s`` later);
    seconds until all finished.

    ``index`` must already be importable (its folder on sys.path) in this process.
    """
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(events) + 1, timeout=120)
    offsets = offsets_s or [0.0] * len(events)
    workers = [
        context.Process(target=_lambda_environment, args=(event, start, offset))
        for event, offset in zip(events, offsets, strict=True)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join(timeout=600)
    return time.perf_counter() - began
