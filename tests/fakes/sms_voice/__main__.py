"""Run the emulator by hand: ``python -m tests.fakes.sms_voice --port 4599``."""

from __future__ import annotations

import argparse
import time

from .realism import DEFAULT_POLICIES
from .server import SmsVoiceEmulator


def main() -> None:
    parser = argparse.ArgumentParser(description="Local SMS Voice V2 emulator (AWS JSON 1.0 on 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4599)
    parser.add_argument(
        "--no-policy",
        choices=["not-found", "empty"],
        default="not-found",
        help="how GetResourcePolicy answers a resource without a policy",
    )
    parser.add_argument(
        "--rps",
        type=float,
        help="every operation's request rate per account and region (default: AWS's documented rates, rates.py)",
    )
    parser.add_argument("--unlimited", action="store_true", help="no request rates at all")
    parser.add_argument(
        "--background-rps", type=float, default=0.0, help="requests per second another caller sends to each operation"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--visibility-delay", type=float, default=0.0, help="seconds before a Put is visible")
    parser.add_argument(
        "--normalize-policies",
        action="store_true",
        help="store and return an equivalent rewrite of every policy (one-element lists as strings, "
        "account ids as root ARNs, other order and layout)",
    )
    parser.add_argument(
        "--default-policy",
        choices=list(DEFAULT_POLICIES),
        help="give every requested phone number and sender ID the console's policy letting SNS send",
    )
    args = parser.parse_args()
    emulator = SmsVoiceEmulator(args.port, no_policy_style=args.no_policy)
    if args.unlimited:
        emulator.rates.unlimited()
    elif args.rps is not None:
        emulator.rates.at(args.rps, background_rps=args.background_rps)
    else:
        emulator.rates.background_rps = args.background_rps
    emulator.faults.latency_s = args.latency
    emulator.faults.visibility_delay_s = args.visibility_delay
    emulator.state.normalize_policies = args.normalize_policies
    emulator.state.default_policy = args.default_policy
    with emulator:
        print(f"SMS Voice V2 emulator listening on {emulator.url}", flush=True)
        print(f"export AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2={emulator.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
