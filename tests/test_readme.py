"""The README's usage example synthesizes as written."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from tests.conftest import ROOT


def test_readme_example_synthesizes_into_the_documented_shape() -> None:
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```python\n(.*?)```", readme, re.S)
    assert example is not None, "the README has a python example"
    namespace: dict[str, Any] = {}
    exec(compile(example.group(1), "README.md", "exec"), namespace)

    app = cdk.App()
    stack = namespace["Producer"](app, "Producer", env=cdk.Environment(account="111122223333", region="us-east-1"))
    template = Template.from_stack(stack)

    template.resource_count_is("Custom::SmsResourcePolicy", 3)  # number, pool, opt-out list
    template.resource_count_is("AWS::Lambda::Function", 1)
