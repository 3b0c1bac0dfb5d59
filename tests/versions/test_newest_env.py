"""tests/constructs and tests/cli on the newest releases (tests/versions/newest.txt), with cdk-nag 3,
from the built wheel. Resolved again once a day; cached under .cache/versions/."""

from __future__ import annotations

from tests.versions.envs import run_env


def test_constructs_and_cli_tests_pass_on_the_newest_releases() -> None:
    run_env("newest")
