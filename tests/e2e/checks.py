"""Checks every end-to-end app gets: cfn-lint and the cdk-nag report of a synthesized assembly."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path


def assert_lint_and_nag_clean(assembly: Path, stacks: Iterable[str]) -> None:
    templates = [str(assembly / f"{stack}.template.json") for stack in stacks]
    run = subprocess.run(
        [shutil.which("cfn-lint") or "cfn-lint", "--", *templates],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((assembly / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])] == []
