"""`constructs/` must not shadow the `constructs` library, and a built wheel must work
outside the repository, function code included."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROBE = "import constructs, shared_sms; print(constructs.__file__); print(shared_sms.__file__)"


def test_repo_root_resolves_constructs_to_the_library_and_shared_sms_to_this_code() -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{ROOT}:{ROOT / 'constructs'}", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    constructs_file, shared_sms_file = run.stdout.split()
    assert "site-packages" in constructs_file
    assert Path(shared_sms_file) == ROOT / "constructs" / "shared_sms" / "__init__.py"
    assert not (ROOT / "constructs" / "__init__.py").exists()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    (built,) = dist.glob("shared_sms-*.whl")
    return built


def test_wheel_installs_and_synthesizes_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    # The wheel's dependencies (aws-cdk-lib, constructs) come from this environment, read-only.
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    user_app = tmp_path / "user-app"
    user_app.mkdir()
    (user_app / "app.py").write_text(
        textwrap.dedent("""
        import aws_cdk as cdk
        from aws_cdk import aws_iam as iam
        from shared_sms import PhoneNumber
        app = cdk.App(outdir="out")
        stack = cdk.Stack(app, "UserStack", env=cdk.Environment(account="111122223333", region="us-east-1"))
        number = PhoneNumber.from_phone_number_arn(
            stack, "N", "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef")
        number.share_with(iam.AccountPrincipal("444455556666"))
        app.synth()
    """)
    )

    probe = subprocess.run([str(python), "-c", PROBE], cwd=user_app, capture_output=True, text=True)
    synth = subprocess.run(
        [str(python), "app.py"],
        cwd=user_app,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"},
    )

    assert probe.returncode == 0, probe.stderr
    constructs_file, shared_sms_file = probe.stdout.split()
    assert "site-packages" in constructs_file and str(env_dir) in shared_sms_file
    assert synth.returncode == 0, synth.stderr[-2000:]
    (asset,) = (user_app / "out").glob("asset.*")
    assert (asset / "index.py").is_file() and (asset / "crhelper" / "resource_helper.py").is_file()
    assert not list(asset.rglob("__pycache__"))
