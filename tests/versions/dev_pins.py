"""For the few tests whose reference data is a dependency's (botocore's service model, say): they
hold at requirements.txt's pins and later, and skip in the floors env (tests/versions/floors.txt)."""

from __future__ import annotations

from importlib.metadata import version

from packaging.version import Version

from tests.conftest import ROOT


def dev_pin(package: str) -> str:
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name, sep, pinned = line.strip().partition("==")
        if sep and name.lower() == package.lower():
            return pinned
    raise LookupError(f"requirements.txt pins no {package}")


def older_than_dev_pin(package: str) -> str | None:
    """Why a test that needs ``package`` at its dev pin or later skips here; None when it runs."""
    installed, pinned = version(package), dev_pin(package)
    return f"{package} {installed} is older than the dev pin {pinned}" if Version(installed) < Version(pinned) else None
