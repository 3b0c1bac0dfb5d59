"""The benchmark report: figures with their goals, tables, and the BENCHMARKS.md writer."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Row:
    figure: str
    value: str
    goal: str
    met: bool | None  # None: reported, no goal
    note: str = ""


@dataclass
class Report:
    quick: bool
    rows: list[Row] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    def add(self, figure: str, value: str, goal: str = "", met: bool | None = None, note: str = "") -> None:
        self.rows.append(Row(figure, value, goal, met, note))


# -- the report -----------------------------------------------------------------------------------------------
def machine() -> str:
    def version(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[-1]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "unknown"

    from importlib import metadata

    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    return "\n".join(
        [
            f"- machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}",
            f"- Python {platform.python_version()}, Node {version(['node', '--version'])}",
            f"- aws-cdk-lib {metadata.version('aws-cdk-lib')}, boto3 {metadata.version('boto3')}, "
            f"botocore {metadata.version('botocore')}, crhelper {metadata.version('crhelper')}",
        ]
    )


def write(report: Report, path: Path, missed_reasons: dict[str, str]) -> None:
    rows = ["| figure | value | goal | met |", "|---|---|---|---|"]
    for row in report.rows:
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        note = f" ({row.note})" if row.note else ""
        rows.append(f"| {row.figure} | {row.value}{note} | {row.goal} | {met} |")
    missed = [row for row in report.rows if row.met is False]
    reasons = [
        f"- **{row.figure}**: {text}" for row in missed for key, text in missed_reasons.items() if key in row.figure
    ]
    mode = "quick smoke run (not for comparison)" if report.quick else "full run"
    path.write_text(
        "\n\n".join(
            [
                "# Benchmarks",
                f"Written by `bench/run.py` ({mode}) on {time.strftime('%Y-%m-%d')}. Rerun with "
                "`.venv/bin/python bench/run.py` after `make test` has set up the environment.",
                "## Machine and versions\n\n" + machine(),
                "## Results\n\n" + "\n".join(rows),
                *(["## Goals missed: why, and what would fix it\n\n" + "\n".join(reasons)] if reasons else []),
                *report.tables,
            ]
        )
        + "\n"
    )
