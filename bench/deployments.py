"""Deployments at the service's request rates: a stack sharing N opt-out lists (and a consumer
stack checking 60 of them), synthesized by the real CDK CLI and run by the local CloudFormation
driver (every ready resource at once, each event in a Lambda environment of its own) against
the emulator throttling every operation at R requests per second per account and Region.

Each phase is compared with its floor: the busiest operation's calls (those the service let
through) divided by the rate left to us (R minus the background load)."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report import Report

OWNER, CONSUMER, EXTRA, REGION = "111122223333", "444455556666", "777788889999", "us-east-1"
APP = Path(__file__).resolve().parents[1] / "tests" / "e2e" / "apps" / "many_shares_app.py"
WALL_GOAL, UPDATE_GOAL_S = 1.3, 10.0
CHECKS = 60  # the consumer stack's checks, measured with the 60-resource runs


@dataclass(frozen=True)
class Run:
    rate: float
    count: int
    background: float = 0.0

    @property
    def label(self) -> str:
        load = f", {self.background:g} req/s background" if self.background else ""
        return f"{self.count} shared resources at {self.rate:g} req/s{load}"


def function_environment(emulator_url: str, ca_file: Path, cloudformation_url: str) -> dict[str, str]:
    """What the function runs with against the emulators: the owner's key, the sink's CA."""
    return {
        "AWS_ACCESS_KEY_ID": "AKIA0000" + OWNER,
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": emulator_url,
        "AWS_ENDPOINT_URL_CLOUDFORMATION": cloudformation_url,  # where it confirms its events
        "SSL_CERT_FILE": str(ca_file),  # OpenSSL: the sink's CA is trusted
        "LOG_LEVEL": "ERROR",
    }


class _Phase:
    """Wall time, floor, failed answers and the slowest invocation of one stack operation."""

    def __init__(self, emulator: Any, driver: Any, run: Run) -> None:
        self.emulator, self.driver, self.run = emulator, driver, run

    def __enter__(self) -> _Phase:
        self.emulator.rates.admitted.clear()
        self.sent = len(self.driver.events)
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        busiest = max(self.emulator.rates.admitted.values(), default=0)
        self.floor = busiest / (self.run.rate - self.run.background)
        events = self.driver.events[self.sent :]
        self.failed = sum(1 for e in events if e["answer"]["Status"] != "SUCCESS")
        self.slowest = max((e["seconds"] for e in events), default=0.0)
        self.timeout = max((e["timeout_s"] for e in events), default=0.0)

    def add_to(self, report: Report, figure: str) -> None:
        ratio = self.seconds / self.floor if self.floor else float("inf")
        report.add(
            f"{figure} {self.run.label}: wall vs floor",
            f"{ratio:.2f}x ({self.seconds:.0f} s vs {self.floor:.0f} s), {self.failed} failed, "
            f"slowest invocation {self.slowest:.0f} s of {self.timeout:.0f} s",
            f"<= {WALL_GOAL}x, 0 failed",
            ratio <= WALL_GOAL and self.failed == 0 and self.slowest < self.timeout,
        )


def bench_deployments(report: Report, runs: list[Run], update_at: int) -> None:
    """Create (and for ``CHECKS`` or fewer resources, the consumer's checks), then for
    ``update_at`` resources one Update, then Delete, for each run."""
    import boto3

    from tests.fakes.cloudformation import CloudFormationEmulator
    from tests.fakes.cloudformation.server import LocalDrivers
    from tests.fakes.sms_voice import SmsVoiceEmulator
    from tests.harness.cdk_cli import cdk_synth
    from tests.harness.deploy import LocalCloudFormation
    from tests.harness.https_sink import HttpsSink
    from tests.harness.lambda_service import LambdaService

    workdir = Path(tempfile.mkdtemp())
    assemblies: dict[tuple[float, int, str], Path] = {}

    def assembly(run: Run, extra: str = "") -> Path:
        key = (run.rate, run.count, extra)
        if key not in assemblies:
            context = {"ownerAccount": OWNER, "consumerAccount": CONSUMER, "region": REGION}
            context |= {"count": str(run.count), "shared-sms:requests-per-second": f"{run.rate:g}"}
            context |= {"extraAccount": extra} if extra else {}
            assemblies[key] = cdk_synth(workdir / f"{run.rate:g}-{run.count}-{extra or 'base'}", app=APP, **context)
        return assemblies[key]

    drivers = LocalDrivers()
    with SmsVoiceEmulator() as emulator, CloudFormationEmulator(drivers) as cloudformation:
        sink = HttpsSink(workdir)
        environment = function_environment(emulator.url, sink.ca_file, cloudformation.url)
        os.environ.update(environment)
        lambdas = LambdaService(environment)
        from botocore.config import Config

        patient = Config(retries={"mode": "standard", "total_max_attempts": 30})
        clients = {
            account: boto3.client(
                "pinpoint-sms-voice-v2",
                region_name=REGION,
                endpoint_url=emulator.url,
                aws_access_key_id="AKIA0000" + account,
                aws_secret_access_key="bench",
                config=patient,
            )
            for account in (OWNER, CONSUMER)
        }
        try:
            for run in runs:
                emulator.reset()
                emulator.rates.unlimited()  # set-up: the lists exist before the deployment
                for i in range(run.count):
                    clients[OWNER].create_opt_out_list(OptOutListName=f"rates-{i}")
                base, update = assembly(run), assembly(run, EXTRA) if run.count == update_at else None
                emulator.rates.at(run.rate, background_rps=run.background)
                driver = LocalCloudFormation(
                    sink=sink, lambdas=lambdas, client_for=clients.__getitem__, models_lock=emulator.state.lock
                )
                drivers.clear()
                drivers.add(driver)  # the function asks CloudFormation about each event
                with _Phase(emulator, driver, run) as create:
                    driver.deploy(base, "SmsManyShares")
                create.add_to(report, "create")
                if run.count <= CHECKS:
                    with _Phase(emulator, driver, run) as checks:
                        driver.deploy(base, "SmsManyChecks")
                    checks.add_to(report, "consumer checks of")
                    driver.delete_stack("SmsManyChecks")
                if update is not None:
                    with _Phase(emulator, driver, run) as one:
                        driver.deploy(update, "SmsManyShares")
                    report.add(
                        f"one Update among {run.label}",
                        f"{one.seconds:.1f} s ({len(driver.events) - one.sent} event, {one.failed} failed)",
                        f"<= {UPDATE_GOAL_S:g} s",
                        one.seconds <= UPDATE_GOAL_S and one.failed == 0,
                    )
                with _Phase(emulator, driver, run) as delete:
                    driver.delete_stack("SmsManyShares")
                delete.add_to(report, "delete")
        finally:
            lambdas.close()
            sink.stop()
