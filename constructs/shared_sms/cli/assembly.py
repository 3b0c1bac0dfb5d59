"""The resource policies a synthesized app declares: every ``Custom::SmsResourcePolicy`` of every
stack in a cloud assembly, those inside a ``cdk.Stage`` (CDK Pipelines) included."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
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
    stack_name: str = ""  # the top-level stack's name in CloudFormation (a staged stack's is Stage-Stack)
    nested: tuple[str, ...] = ()  # the logical ids of the AWS::CloudFormation::Stack resources down to it
    region: str = ""  # the stack's region ("" when neither the stack nor --region names one)
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The template's ResourceArn and Policy and the pseudo parameters known at synth time, to resolve
    the policy again once CloudFormation tells the ARN (``with_deployed_arn``)."""


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
            found += _read(_inside(assembly, artifact["properties"]["directoryName"]), default_region)
        elif artifact.get("type") == STACK:
            properties = artifact["properties"]
            template = json.loads(_inside(assembly, properties["templateFile"]).read_text())
            where = _Where(artifact.get("displayName") or name, properties.get("stackName") or name)
            found += _with_nested(assembly, where, artifact, template, default_region)
    return found


def _inside(assembly: Path, relative: str) -> Path:
    """``relative`` under ``assembly``; a name that leads out of it (absolute, ``..``, a link) is
    refused: a crafted cdk.out must not make the command line read other files."""
    root = assembly.resolve()
    path = (assembly / relative).resolve()
    if not path.is_relative_to(root):
        raise CliError(f"{assembly / 'manifest.json'} names {relative!r}, outside the cloud assembly: not read")
    return path


@dataclass(frozen=True)
class _Where:
    display: str  # Stage/Stack, Stack/NestedLogicalId
    stack_name: str  # the top-level stack's CloudFormation name
    nested: tuple[str, ...] = ()


def _with_nested(
    assembly: Path, where: _Where, artifact: dict[str, Any], template: dict[str, Any], default: str | None
) -> list[Declared]:
    """A stack's policies and those of its nested stacks (``cdk.NestedStack``: a template asset
    named by the ``AWS::CloudFormation::Stack`` resource's metadata), in the parent's environment."""
    found = _from_stack(where, artifact, template, default)
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::CloudFormation::Stack":
            continue
        path = _nested_template(assembly, resource)
        if path is not None:
            nested = json.loads(path.read_text())
            inner = _Where(f"{where.display}/{logical_id}", where.stack_name, (*where.nested, logical_id))
            found += _with_nested(assembly, inner, artifact, nested, default)
    return found


def _nested_template(assembly: Path, resource: dict[str, Any]) -> Path | None:
    """The template file of a nested stack: named by its asset metadata (the CDK CLI adds it) or,
    without it, by the asset whose object key its TemplateURL names (the assets manifests)."""
    named = resource.get("Metadata", {}).get("aws:asset:path")
    if named and _inside(assembly, named).is_file():
        return _inside(assembly, named)
    url = json.dumps(resource.get("Properties", {}).get("TemplateURL", ""))
    for manifest in assembly.glob("*.assets.json"):
        for asset_hash, asset in json.loads(manifest.read_text()).get("files", {}).items():
            source = asset.get("source", {}).get("path", "")
            if f"{asset_hash}.json" in url and source.endswith(".template.json"):
                path = _inside(assembly, source)
                if path.is_file():
                    return path
    return None


def _from_stack(
    where: _Where, artifact: dict[str, Any], template: dict[str, Any], default: str | None
) -> list[Declared]:
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
        source = {"ResourceArn": props.get("ResourceArn"), "Policy": props.get("Policy"), "pseudo": pseudo}
        declared = Declared(
            where.display, logical_id, None, None, "", mode, where.stack_name, where.nested, region, source
        )
        try:
            arn = _resolve(props.get("ResourceArn"), pseudo)
            policy = _policy_of(_resolve(props.get("Policy"), pseudo))
        except _UnresolvableError as unknown:
            regional = ("AWS::Region", "AWS::Partition", "AWS::URLSuffix")
            if "AWS::Region" not in pseudo and any(key in str(unknown) for key in regional):
                why = "the stack names no region: pass --region or set AWS_REGION"
            elif "AWS::AccountId" not in pseudo and "AWS::AccountId" in str(unknown):
                why = "the stack names no account: give it an env, or its ARNs are known at deploy time only"
            else:
                why = f"depends on a deploy-time value ({unknown})"
            found.append(replace(declared, why_unresolved=why))
            continue
        found.append(replace(declared, arn=arn, policy=policy))
    return found


def with_deployed_arn(declared: Declared, arn: str, stack_id: str) -> Declared:
    """A policy whose ARN is known at deploy time only, once CloudFormation told it: the custom
    resource's physical id is the ARN it manages, so every occurrence of the ResourceArn expression
    in the Policy stands for it; the StackId supplies the account and the stack's own pseudo
    parameters. Still unresolved (another deploy-time value): ``policy`` stays None and says why."""
    if declared.policy is not None or not declared.source:
        return declared
    parts = stack_id.split(":")
    pseudo = {**declared.source["pseudo"], "AWS::StackId": stack_id}
    if len(parts) > 5:
        pseudo.setdefault("AWS::AccountId", parts[4])
        pseudo["AWS::StackName"] = parts[5].split("/")[1] if "/" in parts[5] else ""
    deployed = {_key(declared.source["ResourceArn"]): arn}
    try:
        policy = _policy_of(_resolve(declared.source["Policy"], pseudo, deployed))
    except _UnresolvableError as unknown:
        return replace(declared, arn=arn, why_unresolved=f"its policy depends on a deploy-time value ({unknown})")
    return replace(declared, arn=arn, policy=policy, why_unresolved="")


def _policy_of(resolved: Any) -> Any:
    """The Policy property, resolved: a JSON string, or (with deploy-time principals, actions or
    conditions) the policy as an object."""
    return resolved if isinstance(resolved, dict) else json.loads(resolved)


def _key(expression: Any) -> str:
    return json.dumps(expression, sort_keys=True)


def _resolve(value: Any, pseudo: dict[str, str], known: dict[str, str] | None = None) -> Any:
    """``known``: expressions whose value CloudFormation told (by ``_key``)."""
    if known and not isinstance(value, str) and _key(value) in known:
        return known[_key(value)]
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_resolve(item, pseudo, known) for item in value]
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        if name == "Ref" and arg in pseudo:
            return pseudo[arg]
        if name == "Fn::Join":
            separator, parts = arg
            return separator.join(str(_resolve(part, pseudo, known)) for part in parts)
        raise _UnresolvableError(f"{name} {json.dumps(arg)[:60]}")
    if isinstance(value, dict):
        return {key: _resolve(item, pseudo, known) for key, item in value.items()}
    return value
