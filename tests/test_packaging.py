"""`constructs/` must not shadow the `constructs` library, and a built wheel must work
outside the repository, function code included.

Here the wheel's dependencies are the dev pins (requirements.txt). tools/version_envs.py (make test,
tests/versions/) runs the wheel test again in the floors env (the oldest releases pyproject.toml
allows, exactly) and in the newest env, where tests/constructs and tests/cli also import shared_sms
from the installed wheel, not from the source tree."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
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
    # Everything the function imports ships in the wheel (pyproject's force-include lists each folder).
    source = Path(__file__).resolve().parents[1] / "lambda"
    assert {p.name for p in source.iterdir() if p.name != "__pycache__"} <= {p.name for p in asset.iterdir()}


def test_the_wheel_is_typed_so_a_users_mypy_checks_calls_into_shared_sms(wheel: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        assert "shared_sms/py.typed" in archive.namelist()
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
        check=True,
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # aws-cdk-lib from this environment
    user_file = tmp_path / "user_stack.py"
    user_file.write_text(
        textwrap.dedent("""
        import aws_cdk as cdk
        from shared_sms import PhoneNumber, ResourceShare

        stack = cdk.Stack(cdk.App(), "UserStack")
        number = PhoneNumber.from_phone_number_arn(stack, "N", "arn:aws:sms-voice:us-east-1:1:phone-number/p")
        share: ResourceShare = number.share_with_organizational_unit("arn:aws:organizations::1:ou/o-1/ou-1")
        ResourceShare(stack, "S", resources=[number], allow_external_principals="no")  # a str for a bool
    """)
    )
    # aws-cdk-lib's own types take a minute to check: skip them, check shared_sms's.
    (tmp_path / "mypy.ini").write_text("[mypy]\n[mypy-aws_cdk.*,constructs.*,jsii.*]\nfollow_imports = skip\n")
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--python-executable", str(python), "--no-incremental", str(user_file)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, run.stdout + run.stderr
    assert "user_stack.py:8:" in errors[0] and '"allow_external_principals"' in errors[0], errors


def test_no_module_of_the_package_imports_one_that_imports_it_back() -> None:
    """Layers, bottom up: resource types, tokens and stack facts; ownership and checks; the
    policy function; policies, shares and checks; the resource base; the resources. Imports
    under TYPE_CHECKING and inside functions count too: they are dependencies a reader follows."""
    package = ROOT / "constructs" / "shared_sms"
    graph: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        is_package = path.name == "__init__.py"
        base = module.split(".") if is_package else module.split(".")[:-1]
        targets = graph.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                anchor = base[: len(base) - (node.level - 1)]
                target = ".".join(anchor + ([node.module] if node.module else []))
                if node.module:
                    targets.add(target)
                else:  # `from . import tokens`: the module, not the package's __init__
                    targets.update(f"{target}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.ImportFrom | ast.Import):
                for name in [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]:
                    if name and name.startswith("shared_sms"):
                        targets.add(name)
    for module in graph:
        graph[module] = {t for t in graph[module] if t in graph and t != module}
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        # graphlib lists each node before the ones that depend on it: reversed, each imports the next.
        pytest.fail(f"import cycle: {' imports '.join(reversed(error.args[1]))}")
    assert order.index("shared_sms.resource_types") < order.index("shared_sms.policy_function")
    assert order.index("shared_sms.policy_function") < order.index("shared_sms.resource_policy")
    assert order.index("shared_sms.resource_policy") < order.index("shared_sms.base") < order.index("shared_sms.pool")

