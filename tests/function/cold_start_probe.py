"""Run one event through lambda/index.py in a fresh interpreter (a cold start), e.g. the botocore-1.34 venv.

Usage: python old_botocore_probe.py FUNCTION_DIR EVENT_JSON; prints botocore's version.
"""

from __future__ import annotations

import json
import sys
import time


class Context:
    function_name = "probe"
    aws_request_id = "probe"

    def __init__(self) -> None:
        self._deadline = time.monotonic() + 120

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    import botocore
    import index

    index.handler(json.loads(sys.argv[2]), Context())
    print(botocore.__version__)
