"""tests/constructs and tests/cli on exactly the floors pyproject.toml declares (tests/versions/floors.txt),
with cdk-nag 2, from the built wheel. A few minutes on a fresh machine; cached under .cache/versions/."""

from __future__ import annotations

from tests.versions.envs import run_env


def test_constructs_and_cli_tests_pass_on_the_declared_floors() -> None:
    run_env("floors")
