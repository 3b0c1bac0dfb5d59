"""The SMS Voice V2 client: the operations this function needs, on any botocore.

The Lambda runtime's bundled botocore may predate 1.35.26, the first with the
resource-policy operations. The function ships a trimmed copy of the service
model (``sms_voice_model/``, made by ``tools/trim_service_model.py``) and puts
it first on botocore's data path, so the operations exist whatever the runtime
has. Retries are botocore's own (exponential backoff with jitter for throttling
and 5xx); no sleep loop is written here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

MODEL_DIR = Path(__file__).resolve().parent.parent / "sms_voice_model"
SERVICE = "pinpoint-sms-voice-v2"

# Adaptive: standard retries plus a client-side rate limiter that backs off under throttling.
# 12 attempts ride out a storm of a few hundred concurrent events (bench/run.py). Each try
# takes at most ATTEMPT_MAX_S, and a try only starts when the invocation's deadline allows
# one more (``bounded_by``): the last try ends before crhelper's timer answers FAILED.
CONNECT_TIMEOUT_S, READ_TIMEOUT_S = 2, 5  # a policy call moves a few KB
ATTEMPT_MAX_S = CONNECT_TIMEOUT_S + READ_TIMEOUT_S
RETRY_CONFIG = Config(
    retries={"mode": "adaptive", "total_max_attempts": 12},
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=READ_TIMEOUT_S,
    user_agent_extra="shared-sms",
)
_ALLOWS: ContextVar[Callable[[float], bool] | None] = ContextVar("shared_sms_allows", default=None)


class OutOfTimeError(Exception):
    """Raised before a try that the invocation's deadline would not let finish."""


@contextmanager
def bounded_by(allows: Callable[[float], bool]) -> Iterator[None]:
    """Within this block, every try (retries included) first asks ``allows(ATTEMPT_MAX_S)``."""
    token = _ALLOWS.set(allows)
    try:
        yield
    finally:
        _ALLOWS.reset(token)


def _refuse_late_tries(**_: Any) -> None:
    allows = _ALLOWS.get()
    if allows is not None and not allows(ATTEMPT_MAX_S):
        raise OutOfTimeError("not enough time left for another try")


def sms_voice_client(region_name: str | None = None, config: Config | None = None, **client_args: Any) -> Any:
    """A client that has the resource-policy operations and Owner, whatever botocore is installed."""
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    loader.search_paths.insert(0, str(MODEL_DIR))
    client = boto3.Session(botocore_session=session).client(
        SERVICE, region_name=region_name, config=RETRY_CONFIG.merge(config) if config else RETRY_CONFIG, **client_args
    )
    client.meta.events.register("before-send", _refuse_late_tries)
    return client
