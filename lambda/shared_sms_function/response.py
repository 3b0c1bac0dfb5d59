"""The answer's PUT to CloudFormation's pre-signed ResponseURL.

crhelper's own sender takes any HTTP status, a 5xx from S3 included, as delivered
and retries only connection errors; a lost answer leaves the stack waiting for the
custom resource's ServiceTimeout. This sender uses urllib3's Retry (shipped with
botocore in every Lambda Python runtime) to retry 5xx answers and connection errors
too, with each try and the retries bounded by the time the invocation has left.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Callable
from typing import Any

import urllib3
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)

RETRY_STATUSES = (500, 502, 503, 504)
TRY_TIMEOUT_S = 5.0  # one PUT of at most 4 KB; S3 answers in well under a second


def put_answer(url: str, body: dict[str, Any], ssl_verify: Any, seconds_left: Callable[[], float]) -> bool:
    """PUT ``body`` to ``url``; True once CloudFormation's side took it (2xx)."""
    data = json.dumps(body).encode()
    budget = max(0.1, seconds_left() - 0.1)
    per_try = min(TRY_TIMEOUT_S, max(0.1, budget / 3))
    # Retries with backoff 0.2, 0.4, 0.8, 1.6... s while they fit the budget (at least the first try).
    retries, spent = 0, per_try
    while retries < 6 and spent + per_try + 0.2 * 2**retries < budget:
        spent += per_try + 0.2 * 2**retries
        retries += 1
    if retries == 0:
        per_try = budget  # no room for a second try: the one try gets all the time there is
    retry = Retry(
        total=retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"PUT"}),
        backoff_factor=0.2,
        raise_on_status=False,
        respect_retry_after_header=False,  # a Retry-After could outlast the invocation
    )
    context = ssl.create_default_context(cafile=ssl_verify if isinstance(ssl_verify, str) else None)
    pool = urllib3.PoolManager(ssl_context=context, retries=retry, timeout=urllib3.Timeout(total=per_try))
    try:
        response = pool.request("PUT", url, body=data, headers={"content-type": "", "content-length": str(len(data))})
    except urllib3.exceptions.HTTPError as error:
        logger.error({"message": f"the answer could not be delivered: {type(error).__name__}", "tries": retries + 1})
        return False
    if response.status >= 300:
        logger.error({"message": "the answer was refused", "status": response.status, "tries": retries + 1})
        return False
    logger.info({"message": "answer delivered", "status": response.status})
    return True
