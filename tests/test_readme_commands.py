"""The command lines of the README and docs/: each one that can run without an AWS account runs
here, as written (deploys run as `cdk synth` with the same arguments); the rest are named with
why, and where they are covered instead."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.docs_pages import PAGES, blocks, prose
from tests.harness.cdk_cli import cdk_synth

# Commands that need what a test does not have, and where they are covered instead.
NOT_OFFLINE = {
    "make synth": "run by .ci/run on a clean checkout",
    "make test": "run by .ci/run on a clean checkout",
    "make docs": "tests/test_docs.py runs its generator, tools/build_api_docs.py",
    "make lint": "the first step of make test",
    "pip install .": "tests/test_packaging.py builds the wheel and installs it in a fresh environment",
    "npx cdk bootstrap": "needs an AWS account",
    "aws ": "needs an AWS account",
    "shared-sms": "needs an SMS Voice V2 endpoint: tests/cli runs each subcommand against the emulator",
    "python tools/calibrate.py": "needs an AWS account: tests/fakes/test_calibrate.py runs it against the emulator",
    ".venv/bin/python -m pytest tests/function": "part of make test",
    ".venv/bin/python bench/run.py": "takes about an hour: tests/test_bench.py runs it with --quick",
}
RUN_HERE = ("npx cdk deploy", "npx cdk synth", ".venv/bin/python -m tests.fakes.sms_voice")
# Inline commands in the prose: `npx cdk ...`, `aws ...`, `shared-sms ...`, `make ...`.
INLINE = re.compile(r"`((?:npx cdk|aws|shared-sms|make) [^`]+)`")


def commands() -> list[str]:
    """Every command line of the pages' ``sh`` blocks (continuations joined, comments cut), and
    the inline commands of their prose."""
    found: list[str] = []
    for block in blocks("sh"):
        for line in block.code.replace("\\\n", " ").splitlines():
            command = line.split("  #", 1)[0].split(" # ", 1)[0].strip()
            if command and not command.startswith("#"):
                found.append(" ".join(command.split()))
    for page in PAGES:
        found += INLINE.findall(prose(page))
    return found


def context_of(command: str) -> dict[str, str]:
    words = shlex.split(command)
    return dict(words[i + 1].split("=", 1) for i, word in enumerate(words) if word == "-c")


def test_every_command_runs_here_or_says_why_not() -> None:
    unexplained = [
        c for c in commands() if not c.startswith(RUN_HERE) and not any(c.startswith(k) for k in NOT_OFFLINE)
    ]
    assert commands() and unexplained == []


def test_every_code_block_is_python_or_sh() -> None:
    """Blocks of other languages would escape the tests that run them."""
    assert {block.lang for block in blocks()} == {"python", "sh"}


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


@pytest.mark.parametrize("command", sorted({c for c in commands() if c.startswith("npx cdk synth")}))
def test_the_synth_examples_do_what_the_docs_say(command: str, tmp_path: Path) -> None:
    context = context_of(command)
    outdir = cdk_synth(tmp_path / "out", **context)
    producer = json.loads((outdir / "SmsProducer.template.json").read_text())
    for account in (value for key, value in context.items() if key.endswith("Account")):
        assert account in json.dumps(producer)
    if "shared-sms:requests-per-second" in context:  # wide lanes: no custom resource waits for another
        custom = {k for k, r in producer["Resources"].items() if r["Type"].startswith("Custom::")}
        waiting = {k for k in custom if custom & set(producer["Resources"][k].get("DependsOn", []))}
        assert len(custom) >= 2 and waiting == set()


def test_the_emulator_runs_by_hand_as_written() -> None:
    (line,) = [c for c in commands() if c.startswith(".venv/bin/python -m tests.fakes.sms_voice")]
    words = shlex.split(line)
    words[words.index("--port") + 1] = "0"  # any free port: other test processes may hold 4599
    emulator = subprocess.Popen(
        [sys.executable, *words[1:]], cwd=ROOT, stdout=subprocess.PIPE, text=True, stderr=subprocess.DEVNULL
    )
    try:
        assert emulator.stdout is not None
        exports = [emulator.stdout.readline() for _ in range(2)]
        (url,) = [e.split("=", 1)[1].strip() for e in exports if e.startswith("export ")]
        assert exports[1].startswith("export AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2=http://127.0.0.1:")
        with pytest.raises(urllib.error.HTTPError) as unsigned:  # it answers; unsigned requests are refused
            headers = {"X-Amz-Target": "PinpointSMSVoiceV2.DescribePools", "Content-Type": "application/x-amz-json-1.0"}
            urllib.request.urlopen(urllib.request.Request(url, data=b"{}", headers=headers), timeout=10)
        assert "MissingAuthenticationToken" in unsigned.value.read().decode()
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


def test_the_cli_lines_parse_as_the_cli_reads_them() -> None:
    """The `shared-sms` lines cannot run here without an endpoint, but each must be valid CLI."""
    from shared_sms.cli import _parser

    lines = [c for c in commands() if c.startswith("shared-sms")]
    assert len(lines) >= 4
    for line in lines:
        words = shlex.split(line.split(">", 1)[0])[1:]  # the redirection belongs to the shell
        _parser().parse_args(words)  # argparse exits on an unknown subcommand or flag
