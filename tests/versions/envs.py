"""Runs tools/version_envs.py for one environment; the test files of this folder call it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SKIP_VARIABLE = "SHARED_SMS_SKIP_VERSION_ENVS"


def run_env(name: str) -> None:
    if os.environ.get(SKIP_VARIABLE):
        pytest.skip(f"{SKIP_VARIABLE} is set")
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "version_envs.py"), name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=40 * 60,
    )
    print(done.stdout, done.stderr)  # the summary line, shown with -rP or on failure
    assert done.returncode == 0, f"the {name} env (tests/versions/{name}.txt) failed:\n{done.stdout}{done.stderr}"
