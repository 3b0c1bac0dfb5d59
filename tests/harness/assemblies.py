"""Cloud assemblies written by hand, laid out as `cdk synth` lays them out, for the driver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_assembly(directory: Path, stack: str, template: dict[str, Any], *, account: str, region: str) -> Path:
    """A one-stack cloud assembly in ``directory`` (created if needed); returns ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{stack}.template.json").write_text(json.dumps(template))
    artifact = {
        "type": "aws:cloudformation:stack",
        "environment": f"aws://{account}/{region}",
        "properties": {"templateFile": f"{stack}.template.json"},
    }
    (directory / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {stack: artifact}}))
    return directory
