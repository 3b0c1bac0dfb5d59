"""The benchmark still runs (quick mode); the numbers themselves live in BENCHMARKS.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_quick_benchmark_run_writes_a_report(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = output.read_text()
    for figure in (
        "template bytes per policy vs native",
        "synth time vs native",
        "function asset, unzipped",
        "cold start",
        "service calls per Create",
        "wall vs floor",
        "one Update among",
        "identical templates",
    ):
        assert figure in report
    assert "failed:" not in report  # every approach synthesized
