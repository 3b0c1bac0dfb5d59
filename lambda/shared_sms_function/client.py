"""The SMS Voice V2 client: the operations this function needs, on any botocore.

The Lambda runtime's bundled botocore may predate 1.35.26, the first with the
resource-policy operations. The function ships a trimmed copy of the service
model (``sms_voice_model/``, made by ``tools/trim_service_model.py``) and puts
it first on botocore's data path, so the operations exist whatever the runtime
has. Retries are botocore's own (exponential backoff with jitter for throttling
and 5xx); no sleep loop is written here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

MODEL_DIR = Path(__file__).resolve().parent.parent / "sms_voice_model"
SERVICE = "pinpoint-sms-voice-v2"

# Adaptive: standard retries plus a client-side rate limiter that backs off under throttling.
# 12 attempts ride out a storm of a few hundred concurrent events (bench/run.py); crhelper's
# timer still answers FAILED before the Lambda timeout if the service stays unavailable.
RETRY_CONFIG = Config(
    retries={"mode": "adaptive", "total_max_attempts": 12},
    connect_timeout=5,
    read_timeout=20,
    user_agent_extra="shared-sms",
)


def sms_voice_client(region_name: str | None = None, config: Config | None = None, **client_args: Any) -> Any:
    """A client that has the resource-policy operations and Owner, whatever botocore is installed."""
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    loader.search_paths.insert(0, str(MODEL_DIR))
    return boto3.Session(botocore_session=session).client(
        SERVICE, region_name=region_name, config=RETRY_CONFIG.merge(config) if config else RETRY_CONFIG, **client_args
    )
