"""The README's command lines: each one that can run without an AWS account runs here, as
written (deploys run as `cdk synth` with the same arguments); the rest are named with why."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.harness.cdk_cli import cdk_synth

README = (ROOT / "README.md").read_text()
# Commands that need what a test does not have, and where they are covered instead.
NOT_OFFLINE = {
    "make synth": "run by .ci/run on a clean checkout",
    "make test": "run by .ci/run on a clean checkout",
    "npx cdk bootstrap": "needs an AWS account",
    "shared-sms": "needs an SMS Voice V2 endpoint: tests/cli runs each subcommand against the emulator",
}


def commands() -> list[str]:
    """Every command line of the README's ``sh`` blocks (continuations joined, comments cut),
    and the inline ``npx cdk ...`` commands of its prose."""
    found: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split("  #", 1)[0].split(" # ", 1)[0].strip()
            if command and not command.startswith("#"):
                found.append(" ".join(command.split()))
    found += re.findall(r"`(npx cdk [^`]+)`", README)
    return found


def context_of(command: str) -> dict[str, str]:
    words = shlex.split(command)
    return dict(words[i + 1].split("=", 1) for i, word in enumerate(words) if word == "-c")


def test_every_readme_command_runs_here_or_says_why_not() -> None:
    runnable = ("npx cdk deploy", "npx cdk synth")
    unexplained = [
        c for c in commands() if not c.startswith(runnable) and not any(c.startswith(k) for k in NOT_OFFLINE)
    ]
    assert commands() and unexplained == []


def test_the_deploy_commands_synthesize_as_written_and_give_both_stacks_the_same_values(tmp_path: Path) -> None:
    deploys = {shlex.split(c)[3]: c for c in commands() if c.startswith("npx cdk deploy")}
    assert set(deploys) == {"SmsProducer", "SmsConsumer"}
    contexts = {stack: context_of(command) for stack, command in deploys.items()}
    assert contexts["SmsConsumer"] == contexts["SmsProducer"], "the consumer must verify the ARNs the producer shares"
    outdir = cdk_synth(tmp_path / "out", **contexts["SmsConsumer"])
    consumer = json.loads((outdir / "SmsConsumer.template.json").read_text())
    checked = [
        r["Properties"]["ResourceArn"] for r in consumer["Resources"].values() if r["Type"].startswith("Custom::")
    ]
    assert sorted(checked) == sorted(
        [contexts["SmsConsumer"]["phoneNumberArn"], contexts["SmsConsumer"]["senderIdArn"]]
    )


@pytest.mark.parametrize("command", [c for c in commands() if c.startswith("npx cdk synth")])
def test_the_synth_examples_do_what_the_readme_says(command: str, tmp_path: Path) -> None:
    context = context_of(command)
    outdir = cdk_synth(tmp_path / "out", **context)
    producer = (outdir / "SmsProducer.template.json").read_text()
    for account in (value for key, value in context.items() if key.endswith("Account")):
        assert account in producer


def test_the_cli_lines_parse_as_the_cli_reads_them() -> None:
    """The `shared-sms` lines cannot run here without an endpoint, but each must be valid CLI."""
    from shared_sms.cli import _parser

    lines = [c for c in commands() if c.startswith("shared-sms")]
    assert len(lines) >= 4
    for line in lines:
        words = shlex.split(line.split(">", 1)[0])[1:]  # the redirection belongs to the shell
        _parser().parse_args(words)  # argparse exits on an unknown subcommand or flag
