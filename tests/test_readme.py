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


def test_readme_organization_example_synthesizes_into_one_share_per_principal() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### From one account to an organization", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, re.S)
    assert example is not None, "the organization section has a python example"
    namespace: dict[str, Any] = {}
    exec(compile(example.group(1), "README.md", "exec"), namespace)

    app = cdk.App()
    stack = namespace["OrgSharing"](app, "OrgSharing", env=cdk.Environment(account="111122223333", region="us-east-1"))
    shares = Template.from_stack(stack).find_resources("AWS::RAM::ResourceShare")
    by_principals = {tuple(r["Properties"]["Principals"]): r["Properties"] for r in shares.values()}
    assert set(by_principals) == {(namespace["MESSAGING_OU"],), (namespace["ORG"],), ("777788889999",)}
    assert len(by_principals[(namespace["MESSAGING_OU"],)]["ResourceArns"]) == 2  # number and sender: one share
    assert by_principals[("777788889999",)]["AllowExternalPrincipals"] is True
    Template.from_stack(stack).resource_count_is("AWS::Lambda::Function", 0)
