"""Shared steps of the end-to-end tests at AWS's documented request rates
(tests/e2e/apps/many_shares_app.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import CONSUMER, OWNER, REGION, client_for
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import LocalCloudFormation

APP = Path(__file__).parent / "apps" / "many_shares_app.py"
COUNT = 24
"""Three resources for each of the eight lanes: every lane busy, the rates met, and small enough
for make test (the 490-resource runs are bench/run.py's)."""


def synth(outdir: Path, **context: str) -> Path:
    return cdk_synth(
        outdir, app=APP, ownerAccount=OWNER, consumerAccount=CONSUMER, region=REGION, count=str(COUNT), **context
    )


def create_lists(emulator: Any) -> list[str]:
    """The owner's opt-out lists, bought before the deployment (set-up: an observer's calls)."""
    owner = client_for(OWNER, emulator)
    return [owner.create_opt_out_list(OptOutListName=f"rates-{i}")["OptOutListArn"] for i in range(COUNT)]


def assert_every_answer_in_time(cloudformation: LocalCloudFormation, since: int = 0) -> list[dict[str, Any]]:
    """Every event from ``since`` answered SUCCESS, none of them in a third of its timeout; returns them."""
    sent = cloudformation.events[since:]
    failed = [
        (e["event"]["LogicalResourceId"], e["answer"].get("Reason")) for e in sent if e["answer"]["Status"] != "SUCCESS"
    ]
    assert failed == []
    slowest = max(sent, key=lambda e: e["seconds"])
    assert slowest["seconds"] < slowest["timeout_s"] / 3, f"an invocation took {slowest['seconds']:.0f} s"
    return sent
