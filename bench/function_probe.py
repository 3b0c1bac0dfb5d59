"""Cold-start probe, run in a fresh interpreter by bench/run.py.

Usage: python bench/function_probe.py {function,bare} FUNCTION_DIR
Prints the seconds spent importing and initializing (interpreter start excluded).
"""

from __future__ import annotations

import sys
import time

if __name__ == "__main__":
    kind, function_dir = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    if kind == "function":
        sys.path.insert(0, function_dir)
        import index  # noqa: F401  (module init: crhelper, logging, the SMS Voice V2 client)
    else:
        import boto3

        boto3.client("pinpoint-sms-voice-v2")
    print(time.perf_counter() - start)
