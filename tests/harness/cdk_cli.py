"""Running the pinned npm CDK CLI on the example app, as `make synth` does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cdk_synth(outdir: Path, app: Path | None = None, **context: str) -> Path:
    """``cdk synth`` into ``outdir`` with ``-c key=value`` overrides; no AWS credentials are passed.
    ``app``: a Python app file to synthesize instead of cdk.json's ``app.py``."""
    cli = ROOT / "node_modules" / ".bin" / "cdk"
    if not cli.exists():
        raise AssertionError("the pinned CDK CLI is missing: run `make test` (it runs npm ci)")
    # cdk.json runs `python3 app.py`: make that this interpreter's environment.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"):
        env.pop(key, None)
    args = [arg for key, value in context.items() for arg in ("-c", f"{key}={value}")]
    if app is not None:
        args += ["--app", f"python3 {app}"]
    run = subprocess.run(
        [str(cli), "synth", "--quiet", "--output", str(outdir), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return outdir
