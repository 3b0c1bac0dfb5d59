"""The SMS Voice V2 client: the operations this function needs, on any botocore.

The Lambda runtime's bundled botocore may predate 1.35.26, the first with the
resource-policy operations. The function ships a trimmed copy of the service
model (``sms_voice_model/``, made by ``tools/trim_service_model.py``) and puts
it first on botocore's data path, so the operations exist whatever the runtime
has.

Retries are botocore's (standard mode: jittered exponential backoff for throttling
and 5xx), with one addition for AWS's documented rate of **1 request per second per
operation** (DOMAIN.md, "Request rates"): once botocore's own attempts are spent, a
throttled read (or one the service failed with a 5xx) is tried again after a jittered
pause of at most ``THROTTLE_RETRY_MAX_S``, for as long as the invocation's deadline allows
(``bounded_by``). botocore's backoff grows to 20 s, and a bucket that refills one token a
second then sits idle while the callers sleep (bench/run.py measures the wall time against
the rate's floor). The pause is a handler of botocore's own ``needs-retry`` event, so
paginators and every read get it.

Writes are sent once, by a twin client whose botocore config allows one attempt
(``writer_for``): a Put re-sent after a throttle, even botocore's own second try a second
later, carries what was read before the first try and drops whatever another writer put
meanwhile (there is no conditional Put). ``lifecycle.converge`` reads again and merges
before it writes again.
"""

from __future__ import annotations

import random
import weakref
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

# Each try takes at most ATTEMPT_MAX_S, and a try only starts when the invocation's deadline
# allows one more (``bounded_by``): the last try ends before crhelper's timer answers FAILED.
CONNECT_TIMEOUT_S, READ_TIMEOUT_S = 2, 5  # a policy call moves a few KB
ATTEMPT_MAX_S = CONNECT_TIMEOUT_S + READ_TIMEOUT_S
# Two tokens' time at the documented 1 request per second: concurrent callers then try often
# enough that the bucket never idles, and none of them falls behind on a 20 s backoff.
THROTTLE_RETRY_MAX_S = 2.0
THROTTLING_CODES = frozenset({"ThrottlingException", "TooManyRequestsException", "Throttling"})
TRANSIENT_STATUS = frozenset({500, 502, 503, 504})  # what botocore's standard mode retries
WRITES = frozenset({"PutResourcePolicy", "DeleteResourcePolicy"})
RETRY_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=READ_TIMEOUT_S,
    user_agent_extra="shared-sms",
)
# A write's one attempt: see the module docstring.
WRITE_ONCE_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 1})
# Each client's writer twin, made on its first write (a check's clients only read).
_WRITER_FACTORIES: weakref.WeakKeyDictionary[Any, Callable[[], Any]] = weakref.WeakKeyDictionary()
_WRITERS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
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


def _retry_throttles(response: Any = None, operation: Any = None, **_: Any) -> float | None:
    """``needs-retry`` handler after botocore's: a throttled read, or one the service failed
    (500, 502-504), is tried again whatever the attempt count, after a short jittered pause;
    the deadline stops it (``_refuse_late_tries``). Writes go back to their caller."""
    if response is None or getattr(operation, "name", "") in WRITES:
        return None
    http, parsed = response
    code = str((parsed or {}).get("Error", {}).get("Code") or "")
    return random.uniform(0, THROTTLE_RETRY_MAX_S) if is_transient(code, getattr(http, "status_code", 0)) else None


def is_transient(code: str, status: int) -> bool:
    """Whether a failed call may simply be tried again (a write only after reading again)."""
    return code in THROTTLING_CODES or status in TRANSIENT_STATUS


def sms_voice_client(region_name: str | None = None, config: Config | None = None, **client_args: Any) -> Any:
    """A client that has the resource-policy operations and Owner, whatever botocore is installed;
    its writes go through ``writer_for(client)``."""
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    loader.search_paths.insert(0, str(MODEL_DIR))
    boto3_session = boto3.Session(botocore_session=session)
    config = RETRY_CONFIG.merge(config) if config else RETRY_CONFIG
    client = boto3_session.client(SERVICE, region_name=region_name, config=config, **client_args)

    def writer() -> Any:
        twin = boto3_session.client(
            SERVICE, region_name=region_name, config=config.merge(WRITE_ONCE_CONFIG), **client_args
        )
        twin.meta.events.register("before-send", _refuse_late_tries)
        return twin

    _WRITER_FACTORIES[client] = writer
    client.meta.events.register("before-send", _refuse_late_tries)
    # Registered after botocore's retry handler: the first delay given wins, so this one
    # only answers once botocore's own attempts are spent.
    client.meta.events.register(f"needs-retry.{client.meta.service_model.service_id.hyphenize()}", _retry_throttles)
    return client


def writer_for(client: Any) -> Any:
    """The twin of ``client`` that sends each write once, made on first use (a client not made by
    ``sms_voice_client`` is its own writer, with its own retries)."""
    writer = _WRITERS.get(client)
    if writer is None:
        make = _WRITER_FACTORIES.get(client)
        if make is None:
            return client
        writer = _WRITERS[client] = make()
    return writer


def cloudformation_client(region_name: str | None = None, **client_args: Any) -> Any:
    """CloudFormation, for the own stack's status (stack_status.py), with the same bounded tries."""
    client = boto3.client("cloudformation", region_name=region_name, config=RETRY_CONFIG, **client_args)
    client.meta.events.register("before-send", _refuse_late_tries)
    # `cdk deploy` polls DescribeStacks too: a throttled read is tried again like sms-voice's.
    client.meta.events.register("needs-retry.cloudformation", _retry_throttles)
    return client
