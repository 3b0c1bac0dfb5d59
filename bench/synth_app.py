"""One benchmark synthesis: N imported phone numbers shared with one account, using one
of three ways to attach the policies. Run in its own process by bench/run.py.

Usage: python bench/synth_app.py {shared_sms,native,aws_custom_resource} N OUTDIR [STACKS]
(STACKS: spread the N numbers over that many stacks, default 1).
Prints one JSON line with the measured sizes and the memory peak (Python and the jsii Node process).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

START = time.perf_counter()

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_smsvoice as smsvoice  # noqa: E402
from aws_cdk import custom_resources as cr  # noqa: E402

OWNER, CONSUMER, REGION = "111122223333", "444455556666", "us-east-1"


def number_arn(index: int) -> str:
    return f"arn:aws:sms-voice:{REGION}:{OWNER}:phone-number/phone-{index:032x}"


def policy(arn: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:root"},
                "Action": [
                    "sms-voice:SendTextMessage",
                    "sms-voice:SendVoiceMessage",
                    "sms-voice:SendMediaMessage",
                    "sms-voice:DescribePhoneNumbers",
                ],
                "Resource": arn,
            }
        ],
    }


def build(approach: str, count: int, stack: cdk.Stack, first: int = 0) -> None:
    if approach == "shared_sms":
        from shared_sms import PhoneNumber

        for index in range(first, first + count):
            PhoneNumber.from_phone_number_arn(stack, f"Number{index}", number_arn(index)).share_with(
                iam.AccountPrincipal(CONSUMER)
            )
    elif approach == "native":
        for index in range(first, first + count):
            arn = number_arn(index)
            smsvoice.CfnResourcePolicy(stack, f"Number{index}Policy", resource_arn=arn, policy_document=policy(arn))
    elif approach == "aws_custom_resource":
        for index in range(first, first + count):
            arn = number_arn(index)
            call = cr.AwsSdkCall(
                service="PinpointSMSVoiceV2",
                action="PutResourcePolicy",
                parameters={"ResourceArn": arn, "Policy": json.dumps(policy(arn))},
                physical_resource_id=cr.PhysicalResourceId.of(arn),
            )
            cr.AwsCustomResource(
                stack,
                f"Number{index}Policy",
                on_create=call,
                on_update=call,
                on_delete=cr.AwsSdkCall(
                    service="PinpointSMSVoiceV2", action="DeleteResourcePolicy", parameters={"ResourceArn": arn}
                ),
                policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=[arn]),
                install_latest_aws_sdk=False,
            )
    else:
        raise SystemExit(f"unknown approach {approach}")


def _parent_of(process: Path) -> str:
    try:
        return (process / "stat").read_text().rsplit(")", 1)[1].split()[1]
    except (OSError, IndexError):
        return ""


def peak_rss_mib() -> float:
    """Peak resident memory of this process and its children (the jsii kernel's Node), from /proc."""

    def hwm(pid: str) -> int:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    parents = {entry.name: _parent_of(entry) for entry in Path("/proc").iterdir() if entry.name.isdigit()}
    family, grew = {str(os.getpid())}, True
    while grew:  # the jsii runtime's Node forks the kernel's Node: take every descendant
        more = {pid for pid, parent in parents.items() if parent in family} - family
        family, grew = family | more, bool(more)
    children = sorted(family - {str(os.getpid())})
    return (hwm("self") + sum(hwm(child) for child in children)) / 1024


def main() -> None:
    approach, count, outdir = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    stacks = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    app = cdk.App(outdir=str(outdir))
    for index in range(stacks):
        # The numbers spread over the stacks; the first stack keeps the name the figures read.
        stack = cdk.Stack(
            app, "Bench" if index == 0 else f"Bench{index}", env=cdk.Environment(account=OWNER, region=REGION)
        )
        share = count // stacks + (1 if index < count % stacks else 0)
        build(approach, share, stack, first=index * (count // stacks + 1))
    app.synth()
    memory = peak_rss_mib()
    template_file = outdir / "Bench.template.json"
    template = json.loads(template_file.read_text())
    resources = template["Resources"]
    assets = [p for p in outdir.iterdir() if p.name.startswith("asset.")]
    asset_bytes = sum(f.stat().st_size for a in assets for f in a.rglob("*") if f.is_file())
    iam_policies = [r for r in resources.values() if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")]
    iam_chars = max(
        (len(json.dumps(p["Properties"]["PolicyDocument"], separators=(",", ":"))) for p in iam_policies), default=0
    )
    print(
        json.dumps(
            {
                "approach": approach,
                "count": count,
                "in_process_seconds": time.perf_counter() - START,
                "template_bytes": template_file.stat().st_size,
                "resources": len(resources),
                "policy_resources": sum(
                    r["Type"] in ("Custom::SmsResourcePolicy", "AWS::SMSVOICE::ResourcePolicy", "Custom::AWS")
                    for r in resources.values()
                ),
                "asset_bytes": asset_bytes,
                "largest_iam_policy_chars": iam_chars,
                "template_sha": __import__("hashlib").sha256(template_file.read_bytes()).hexdigest(),
                "peak_rss_mib": memory,
            }
        )
    )


if __name__ == "__main__":
    main()
