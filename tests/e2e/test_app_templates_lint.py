"""cfn-lint, with no rule ignored, on the templates of every end-to-end app (tests/e2e/apps), in the
variants the end-to-end tests deploy. The multi-stack and organization apps are linted by their own
tests (tests/e2e/checks.py), the example app by tests/test_app.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CONSUMER, OWNER, REGION
from tests.e2e.accounts import NEW_CONSUMER

APPS = Path(__file__).parent / "apps"
ROOT = Path(__file__).resolve().parents[2]
LINTED_BY_THEIR_OWN_TESTS = {"multi_stack_app.py", "organization_app.py"}
BASE = {"ownerAccount": OWNER, "consumerAccount": CONSUMER, "region": REGION}


def _number(index: int) -> str:
    return f"arn:aws:sms-voice:{REGION}:{OWNER}:phone-number/phone-{index:032x}"


VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "consumer": ("consumer_app.py", {**BASE, "arns": f"{_number(1)},{_number(2)}", "outputs": "yes"}),
    "many-shares": ("many_shares_app.py", {**BASE, "count": "3", "failing": "yes", "extraAccount": NEW_CONSUMER}),
    "parameter": ("parameter_app.py", BASE),
    "parameter-ssm": ("parameter_app.py", {**BASE, "ssm": "yes"}),
    "principal-parameter": ("principal_param_app.py", {**BASE, "numberArn": _number(8)}),
    "redeploy": ("redeploy_app.py", BASE),
    "redeploy-imported": ("redeploy_app.py", {**BASE, "numberArn": _number(7), "cfnNumber": "1"}),
    "refactor": ("refactor_app.py", {**BASE, "phoneNumberArn": _number(3), "order": "service-first"}),
    "shares": ("shares_app.py", {**BASE, "arns": _number(4), "fixedArn": _number(5), "failArn": _number(6)}),
}

# What `cdk synth` does for each app (its output folder and context), in one interpreter: one
# Node process for every app instead of one each.
_RUNNER = """
import json, runpy, sys
import aws_cdk as cdk
app_init = cdk.App.__init__
for path, outdir, context in json.loads(sys.argv[1]):
    def init(self, **props):
        app_init(self, **{**props, "outdir": outdir, "context": context})
    cdk.App.__init__ = init
    runpy.run_path(path, run_name="__main__")
"""


@pytest.fixture(scope="module")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    present = {name: variant for name, variant in VARIANTS.items() if (APPS / variant[0]).exists()}
    outdirs = {name: tmp_path_factory.mktemp(name) for name in present}
    jobs = [(str(APPS / app), str(outdirs[name]), context) for name, (app, context) in present.items()]
    env = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    run = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps(jobs)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return outdirs


def test_every_app_is_linted_somewhere() -> None:
    apps = {p.name for p in APPS.glob("*_app.py")}
    assert apps <= {app for app, _ in VARIANTS.values()} | LINTED_BY_THEIR_OWN_TESTS


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_cfn_lint_finds_nothing_in_the_templates_of_an_end_to_end_app(
    variant: str, assemblies: dict[str, Path]
) -> None:
    if variant not in assemblies:
        pytest.skip(f"{VARIANTS[variant][0]} is not in this tree")
    templates = sorted(str(p) for p in assemblies[variant].glob("*.template.json"))
    assert templates
    run = subprocess.run([shutil.which("cfn-lint") or "cfn-lint", "--", *templates], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
