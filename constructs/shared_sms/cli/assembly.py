"""The resource policies a synthesized app declares: every ``Custom::SmsResourcePolicy`` of every
stack in a cloud assembly, those inside a ``cdk.Stage`` (CDK Pipelines) included."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .aws import CliError, partition_of

POLICY_TYPE = "Custom::SmsResourcePolicy"
STACK = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"  # a Stage's stacks live in assembly-<Stage>/, its own manifest


@dataclass(frozen=True)
class Declared:
    stack: str  # the display name: Stage/Stack for a staged stack
    logical_id: str
    arn: str | None
    policy: dict[str, Any] | None
    why_unresolved: str = ""
    mode: str = "MERGE"  # OnExistingPolicy: what the next deployment does with statements it did not write


class _UnresolvableError(Exception):
    pass


def declared_policies(app_dir: Path, default_region: str | None = None) -> list[Declared]:
    """Every declared policy, resolved where the template allows; pseudo parameters come from the
    stack's environment (``default_region`` stands in for an environment-agnostic stack's region,
    as ``cdk deploy`` would deploy it there)."""
    if not (app_dir / "manifest.json").is_file():
        raise CliError(f"{app_dir} is not a cloud assembly (no manifest.json): run `cdk synth` first or pass --app")
    return _read(app_dir, default_region)


def _read(assembly: Path, default_region: str | None) -> list[Declared]:
    manifest = json.loads((assembly / "manifest.json").read_text())
    found: list[Declared] = []
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") == NESTED_ASSEMBLY:
            found += _read(assembly / artifact["properties"]["directoryName"], default_region)
        elif artifact.get("type") == STACK:
            template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
            found += _with_nested(assembly, artifact.get("displayName") or name, artifact, template, default_region)
    return found


def _with_nested(
    assembly: Path, stack: str, artifact: dict[str, Any], template: dict[str, Any], default: str | None
) -> list[Declared]:
    """A stack's policies and those of its nested stacks (``cdk.NestedStack``: a template asset
    named by the ``AWS::CloudFormation::Stack`` resource's metadata), in the parent's environment."""
    found = _from_stack(stack, artifact, template, default)
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::CloudFormation::Stack":
            continue
        path = _nested_template(assembly, resource)
        if path is not None:
            nested = json.loads(path.read_text())
            found += _with_nested(assembly, f"{stack}/{logical_id}", artifact, nested, default)
    return found


def _nested_template(assembly: Path, resource: dict[str, Any]) -> Path | None:
    """The template file of a nested stack: named by its asset metadata (the CDK CLI adds it) or,
    without it, by the asset whose object key its TemplateURL names (the assets manifests)."""
    named = resource.get("Metadata", {}).get("aws:asset:path")
    if named and (assembly / named).is_file():
        return assembly / named
    url = json.dumps(resource.get("Properties", {}).get("TemplateURL", ""))
    for manifest in assembly.glob("*.assets.json"):
        for asset_hash, asset in json.loads(manifest.read_text()).get("files", {}).items():
            source = asset.get("source", {}).get("path", "")
            if f"{asset_hash}.json" in url and source.endswith(".template.json") and (assembly / source).is_file():
                return assembly / source
    return None


def _from_stack(stack: str, artifact: dict[str, Any], template: dict[str, Any], default: str | None) -> list[Declared]:
    account, region = artifact.get("environment", "aws://unknown-account/unknown-region")[len("aws://") :].split("/")
    region = (default or "") if region == "unknown-region" else region
    pseudo = {"AWS::Region": region, "AWS::AccountId": "" if account == "unknown-account" else account}
    pseudo["AWS::Partition"] = (partition_of(region) or "") if region else ""
    pseudo = {key: value for key, value in pseudo.items() if value}
    found = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != POLICY_TYPE:
            continue
        props = resource.get("Properties", {})
        mode = str(props.get("OnExistingPolicy") or "MERGE")
        try:
            arn = _resolve(props.get("ResourceArn"), pseudo)
            policy = json.loads(_resolve(props.get("Policy"), pseudo))
        except _UnresolvableError as unknown:
            regional = ("AWS::Region", "AWS::Partition", "AWS::URLSuffix")
            if "AWS::Region" not in pseudo and any(key in str(unknown) for key in regional):
                why = "the stack names no region: pass --region or set AWS_REGION"
            elif "AWS::AccountId" not in pseudo and "AWS::AccountId" in str(unknown):
                why = "the stack names no account: give it an env, or its ARNs are known at deploy time only"
            else:
                why = f"depends on a deploy-time value ({unknown})"
            found.append(Declared(stack, logical_id, None, None, why))
            continue
        found.append(Declared(stack, logical_id, arn, policy, mode=mode))
    return found


def _resolve(value: Any, pseudo: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_resolve(item, pseudo) for item in value]
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        if name == "Ref" and arg in pseudo:
            return pseudo[arg]
        if name == "Fn::Join":
            separator, parts = arg
            return separator.join(str(_resolve(part, pseudo)) for part in parts)
        raise _UnresolvableError(f"{name} {json.dumps(arg)[:60]}")
    if isinstance(value, dict):
        return {key: _resolve(item, pseudo) for key, item in value.items()}
    return value
