"""pyproject.toml's lower bounds are the floors that tests/versions/floors.txt installs and tests."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement

from tests.conftest import ROOT

FLOORS = ROOT / "tests" / "versions" / "floors.txt"
PYPROJECT = ROOT / "pyproject.toml"


def pins_of(floors_text: str) -> dict[str, str]:
    pins = {}
    for line in floors_text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.strip().partition("==")
            assert sep and version, f"floors.txt pins each release exactly: {line!r}"
            pins[name.lower()] = version
    return pins


def floor_mismatches(pyproject_text: str, floors_text: str) -> list[str]:
    """What in pyproject.toml is not the tested floor: a dependency without a lower bound, or with
    one other than floors.txt's pin, and a requires-python other than floors.txt's ``python:``."""
    project = tomllib.loads(pyproject_text)["project"]
    pins = pins_of(floors_text)
    problems = []
    for line in project["dependencies"]:
        requirement = Requirement(line)
        lower = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        tested = pins.get(requirement.name.lower())
        if lower != [tested]:
            problems.append(f"{line!r}: tests/versions/floors.txt tests {requirement.name}=={tested}")
    python = re.search(r"^#\s*python:\s*(\S+)\s*$", floors_text, re.M)
    tested_python = python.group(1) if python else None
    if project["requires-python"] != f">={tested_python}":
        problems.append(f"requires-python {project['requires-python']!r}: floors.txt tests python {tested_python}")
    return problems


def test_pyprojects_lower_bounds_are_the_floors_the_floors_env_tests() -> None:
    assert floor_mismatches(PYPROJECT.read_text(), FLOORS.read_text()) == []


def test_the_check_refuses_an_untested_floor_such_as_the_old_aws_cdk_lib_2_200() -> None:
    """The declaration before issue 21: aws-cdk-lib 2.200.0 cannot even import shared_sms."""
    old = PYPROJECT.read_text().replace('"aws-cdk-lib>=2.271.0,<3"', '"aws-cdk-lib>=2.200.0,<3"')
    assert old != PYPROJECT.read_text()
    assert floor_mismatches(old, FLOORS.read_text()) == [
        "'aws-cdk-lib>=2.200.0,<3': tests/versions/floors.txt tests aws-cdk-lib==2.271.0"
    ]
    unbounded = PYPROJECT.read_text().replace('"tqdm>=4.66.0"', '"tqdm"')
    assert floor_mismatches(unbounded, FLOORS.read_text()) == ["'tqdm': tests/versions/floors.txt tests tqdm==4.66.0"]
