"""Run the emulator by hand: ``python -m tests.fakes.sms_voice --port 4599``; ``--profile
calibration.json`` behaves as ``tools/calibrate.py`` measured a real account (the other options
given on the command line override it)."""

from __future__ import annotations

import argparse
import time

from .realism import DEFAULT_POLICIES
from .server import SmsVoiceEmulator
from .state import READ_CONSISTENCIES


def main() -> None:
    parser = argparse.ArgumentParser(description="Local SMS Voice V2 emulator (AWS JSON 1.0 on 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4599)
    parser.add_argument(
        "--profile",
        help="a calibration profile from tools/calibrate.py: read lags, read consistency, the policy "
        "operations' rates and the no-policy answer as measured (options given here override it)",
    )
    parser.add_argument(
        "--no-policy",
        choices=["not-found", "empty"],
        help="how GetResourcePolicy answers a resource without a policy (default: not-found)",
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
    parser.add_argument(
        "--visibility-delay", type=float, help="seconds before a Put (and a Delete) is visible (default: 0)"
    )
    parser.add_argument(
        "--delete-visibility-delay", type=float, help="seconds before a Delete is visible (default: as a Put)"
    )
    parser.add_argument(
        "--read-consistency",
        choices=list(READ_CONSISTENCIES),
        help="monotonic (default): reads never go back; replicated: within the lag a read may show an "
        "older state after a newer one",
    )
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
    emulator = SmsVoiceEmulator(args.port)
    for note in emulator.apply_profile(args.profile) if args.profile else []:
        print(f"profile: {note}", flush=True)
    if args.no_policy is not None:
        emulator.state.no_policy_style = args.no_policy
    if args.unlimited:
        emulator.rates.unlimited()
    elif args.rps is not None:
        emulator.rates.per_operation.clear()  # every operation, the profile's too
        emulator.rates.at(args.rps, background_rps=args.background_rps)
    else:
        emulator.rates.background_rps = args.background_rps
    emulator.faults.latency_s = args.latency
    if args.visibility_delay is not None:
        emulator.faults.visibility_delay_s = args.visibility_delay
    if args.delete_visibility_delay is not None:
        emulator.state.delete_visibility_delay_s = args.delete_visibility_delay
    if args.read_consistency is not None:
        emulator.state.read_consistency = args.read_consistency
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
