"""A crafted cdk.out cannot make the command line read files outside it (issue 23, review C-7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared_sms.cli.assembly import declared_policies
from shared_sms.cli.aws import CliError


def assembly_naming(tmp_path: Path, key: str, value: str) -> Path:
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"Resources": {}}))
    app = tmp_path / "cdk.out"
    app.mkdir()
    if key == "templateFile":
        artifact = {"type": "aws:cloudformation:stack", "properties": {"templateFile": value}}
    else:
        artifact = {"type": "cdk:cloud-assembly", "properties": {"directoryName": value}}
    (app / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": {"Stack": artifact}}))
    return app


@pytest.mark.parametrize(
    ("key", "value"),
    [("templateFile", "../secret.json"), ("templateFile", "{secret}"), ("directoryName", "..")],
)
def test_a_manifest_that_names_a_file_outside_the_assembly_is_refused(tmp_path: Path, key: str, value: str) -> None:
    app = assembly_naming(tmp_path, key, value.format(secret=tmp_path / "secret.json"))
    with pytest.raises(CliError, match="outside the cloud assembly"):
        declared_policies(app)


def test_a_nested_stack_template_outside_the_assembly_is_refused(tmp_path: Path) -> None:
    app = assembly_naming(tmp_path, "templateFile", "Stack.template.json")
    nested = {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "../secret.json"}}
    (app / "Stack.template.json").write_text(json.dumps({"Resources": {"Nested": nested}}))
    with pytest.raises(CliError, match="outside the cloud assembly"):
        declared_policies(app)
