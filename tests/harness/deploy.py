"""A local stand-in for CloudFormation stack operations (test support).

Takes the templates that the real ``cdk synth`` wrote and plays create, update and
delete against the SMS Voice V2 emulator:

- ``AWS::SMSVOICE::OptOutList|PhoneNumber|SenderId|Pool`` are created in the emulator
  with their real ARN formats (a pool gets its first origination identity only);
- ``AWS::RAM::ResourceShare`` is applied to the emulator's RAM model (``ram``; updated in
  place, as CloudFormation does for its properties), its refusals fail the resource;
- ``Custom::Sms*`` resources are sent to the function's handler with the events
  CloudFormation sends, answered on the HTTPS sink, exactly once each;
- every other type (IAM, Lambda, Logs, CDK metadata) is accepted without effect,
  with a made-up ARN for ``Fn::GetAtt ... Arn``.

Updates diff the resolved properties: a changed native resource is replaced, a changed
custom resource gets an Update (a new physical id is a replacement, and the old one is
deleted once the whole update succeeded). When anything fails, the resources already
updated get rollback Updates in reverse order and the ones created are deleted.
Stack delete goes in reverse dependency order and skips ``DeletionPolicy: Retain``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from .cloudformation import LambdaContext, function_of
from .https_sink import HttpsSink
from .intrinsics import references, resolve

RAM_SHARE = "AWS::RAM::ResourceShare"
SMS_TYPES = (
    "AWS::SMSVOICE::OptOutList",
    "AWS::SMSVOICE::PhoneNumber",
    "AWS::SMSVOICE::SenderId",
    "AWS::SMSVOICE::Pool",
)


class StackOperationError(Exception):
    def __init__(self, logical_id: str, reason: str) -> None:
        super().__init__(f"{logical_id}: {reason}")
        self.logical_id, self.reason = logical_id, reason


@dataclass
class Deployed:
    type: str
    physical_id: str
    properties: Any
    attributes: dict[str, Any]
    retain: bool


@dataclass
class Stack:
    name: str
    account: str
    region: str
    stack_id: str
    template: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Deployed] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)


class LocalCloudFormation:
    def __init__(
        self,
        *,
        sink: HttpsSink,
        handler: Callable[[Any, Any], Any],
        client_for: Callable[[str], Any],
        use_account: Callable[[str], None],
        ram: Any = None,
    ) -> None:
        self.sink, self.handler = sink, handler
        self.ram = ram
        """The emulator's RAM model (tests/fakes/sms_voice/ram.py), for ``AWS::RAM::ResourceShare``."""
        self.client_for, self.use_account = client_for, use_account
        self.stacks: dict[str, Stack] = {}
        self.events: list[dict[str, Any]] = []
        self.exports: dict[tuple[str, str, str], Any] = {}
        """(account, region, export name) -> value, from the Outputs of the stacks deployed."""
        self.ssm_parameters: dict[tuple[str, str, str], str] = {}
        """(account, region, name) -> value: what ``AWS::SSM::Parameter::Value<String>`` parameters read."""

    # -- public operations ------------------------------------------------------------------------
    def deploy(self, cloud_assembly: Path, name: str, parameters: dict[str, str] | None = None) -> None:
        """Create or update stack ``name`` from ``cloud_assembly`` (``parameters``: values for the
        template's parameters, as ``--parameters`` gives them); raise StackOperationError after rollback."""
        manifest = json.loads((cloud_assembly / "manifest.json").read_text())
        artifact = manifest["artifacts"][name]
        account, region = artifact["environment"][len("aws://") :].split("/")
        template = json.loads((cloud_assembly / artifact["properties"]["templateFile"]).read_text())
        stack = self.stacks.get(name) or Stack(
            name, account, region, f"arn:aws:cloudformation:{region}:{account}:stack/{name}/{uuid.uuid4()}"
        )
        previous = dict(stack.resources)
        created: list[str] = []
        updated: list[tuple[str, Deployed]] = []
        replaced: list[tuple[str, Deployed]] = []
        values = {**stack.parameters, **(parameters or {})}  # like --parameters; earlier values are kept
        working = Stack(stack.name, account, region, stack.stack_id, template, dict(previous), values)
        try:
            for logical_id in self._order(template):
                definition = template["Resources"][logical_id]
                props = self._resolve(working, definition.get("Properties", {}))
                old = previous.get(logical_id)
                if old is None:
                    working.resources[logical_id] = self._create(working, logical_id, definition, props)
                    created.append(logical_id)
                elif old.properties != props:
                    new = self._update(working, logical_id, definition, props, old)
                    working.resources[logical_id] = new
                    updated.append((logical_id, old))
                    if new.physical_id != old.physical_id:
                        replaced.append((logical_id, old))
        except StackOperationError:
            self._rollback(working, created, updated)
            raise
        stack.template, stack.resources, stack.parameters = template, working.resources, values
        self.stacks[name] = stack
        for output in template.get("Outputs", {}).values():
            if "Export" in output:
                export = self._resolve(stack, output["Export"]["Name"])
                self.exports[(stack.account, stack.region, export)] = self._resolve(stack, output["Value"])
        for logical_id in [lid for lid in previous if lid not in template["Resources"]]:
            self._delete(stack, logical_id, previous[logical_id])
        for logical_id, old in replaced:  # cleanup phase: the replaced physical resources go last
            if not old.retain:
                self._delete(stack, logical_id, old)

    def outputs(self, name: str) -> dict[str, Any]:
        """The stack's outputs by name, as ``describe-stacks`` shows them."""
        stack = self.stacks[name]
        return {key: self._resolve(stack, output["Value"]) for key, output in stack.template.get("Outputs", {}).items()}

    def delete_stack(self, name: str) -> None:
        stack = self.stacks.pop(name)
        for logical_id in reversed(self._order(stack.template)):
            deployed = stack.resources.get(logical_id)
            if deployed is not None and not deployed.retain:
                self._delete(stack, logical_id, deployed)

    # -- resources --------------------------------------------------------------------------------
    def _create(self, stack: Stack, logical_id: str, definition: dict[str, Any], props: Any) -> Deployed:
        kind = definition["Type"]
        retain = definition.get("DeletionPolicy") == "Retain"
        if kind.startswith("Custom::Sms"):
            answer = self._send(stack, logical_id, kind, "Create", props)
            return Deployed(kind, answer["PhysicalResourceId"], props, answer.get("Data", {}), retain)
        if kind in SMS_TYPES:
            physical, attributes = self._create_sms(stack, logical_id, kind, props)
            return Deployed(kind, physical, props, attributes, retain)
        if kind == RAM_SHARE:
            arn = self._apply_share(stack, logical_id, props)
            return Deployed(kind, arn, props, {"Arn": arn}, retain)
        if kind == "AWS::SSM::Parameter":
            name = props.get("Name") or f"CFN-{logical_id}"
            self.ssm_parameters[(stack.account, stack.region, name)] = props["Value"]
            return Deployed(kind, name, props, {"Type": props.get("Type", "String"), "Value": props["Value"]}, retain)
        physical = f"{stack.name}-{logical_id}"
        service = kind.split("::")[1].lower()
        arn = f"arn:aws:{service}:{stack.region}:{stack.account}:{logical_id}"
        return Deployed(kind, physical, props, {"Arn": arn}, retain)

    def _update(self, stack: Stack, logical_id: str, definition: dict[str, Any], props: Any, old: Deployed) -> Deployed:
        kind = definition["Type"]
        if kind.startswith("Custom::Sms"):
            answer = self._send(stack, logical_id, kind, "Update", props, old)
            return Deployed(kind, answer["PhysicalResourceId"], props, answer.get("Data", {}), old.retain)
        if kind == RAM_SHARE:  # every property updates without replacement
            self._apply_share(stack, logical_id, props, old.physical_id)
            return Deployed(kind, old.physical_id, props, old.attributes, old.retain)
        return self._create(stack, logical_id, definition, props)  # native: replacement

    def _delete(self, stack: Stack, logical_id: str, deployed: Deployed) -> None:
        if deployed.type.startswith("Custom::Sms"):
            self._send(stack, logical_id, deployed.type, "Delete", deployed.properties, deployed)
        else:
            self._delete_physical(stack, deployed)

    def _delete_physical(self, stack: Stack, deployed: Deployed) -> None:
        if deployed.type == RAM_SHARE:
            self._ram().delete_share(deployed.physical_id)
            return
        client = self.client_for(stack.account)
        if deployed.type == "AWS::SMSVOICE::OptOutList":
            client.delete_opt_out_list(OptOutListName=deployed.physical_id)
        elif deployed.type == "AWS::SMSVOICE::PhoneNumber":
            client.release_phone_number(PhoneNumberId=deployed.physical_id)
        elif deployed.type == "AWS::SMSVOICE::SenderId":
            sender_id, country = deployed.physical_id.split("|")
            client.release_sender_id(SenderId=sender_id, IsoCountryCode=country)
        elif deployed.type == "AWS::SMSVOICE::Pool":
            client.delete_pool(PoolId=deployed.physical_id)

    def _create_sms(
        self, stack: Stack, logical_id: str, kind: str, props: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        client = self.client_for(stack.account)
        if kind == "AWS::SMSVOICE::OptOutList":
            name = props.get("OptOutListName") or f"{stack.name}-{logical_id}"[:64]
            answer = client.create_opt_out_list(OptOutListName=name)
            return name, {"Arn": answer["OptOutListArn"]}
        if kind == "AWS::SMSVOICE::PhoneNumber":
            answer = client.request_phone_number(
                IsoCountryCode=props["IsoCountryCode"],
                MessageType="TRANSACTIONAL",
                NumberCapabilities=props["NumberCapabilities"],
                NumberType=props["NumberType"],
            )
            return answer["PhoneNumberId"], {
                "Arn": answer["PhoneNumberArn"],
                "PhoneNumberId": answer["PhoneNumberId"],
                "PhoneNumber": answer["PhoneNumber"],
            }
        if kind == "AWS::SMSVOICE::SenderId":
            answer = client.request_sender_id(SenderId=props["SenderId"], IsoCountryCode=props["IsoCountryCode"])
            return f"{props['SenderId']}|{props['IsoCountryCode']}", {"Arn": answer["SenderIdArn"]}
        answer = client.create_pool(OriginationIdentity=props["OriginationIdentities"][0], MessageType="TRANSACTIONAL")
        return answer["PoolId"], {"Arn": answer["PoolArn"], "PoolId": answer["PoolId"]}

    def _apply_share(self, stack: Stack, logical_id: str, props: dict[str, Any], arn: str | None = None) -> str:
        from tests.fakes.sms_voice.ram import RamError

        arguments = (
            props["Name"],
            list(props.get("ResourceArns", [])),
            list(props.get("Principals", [])),
            str(props.get("AllowExternalPrincipals", True)).lower() == "true",  # RAM's default: allowed
        )
        try:
            if arn is None:
                return str(self._ram().create_share(stack.account, stack.region, *arguments))
            self._ram().update_share(arn, *arguments)
            return arn
        except RamError as error:
            raise StackOperationError(logical_id, str(error)) from None

    def _ram(self) -> Any:
        if self.ram is None:
            raise AssertionError("this driver was built without the emulator's RAM model (ram=emulator.state.ram)")
        return self.ram

    # -- events -----------------------------------------------------------------------------------
    def _send(
        self,
        stack: Stack,
        logical_id: str,
        kind: str,
        request_type: str,
        props: Any,
        old: Deployed | None = None,
        old_props: Any = None,
    ) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": props.get("ServiceToken", ""),
            "ResponseURL": f"{self.sink.url}/{request_id}",
            "StackId": stack.stack_id,
            "RequestId": request_id,
            "ResourceType": kind,
            "LogicalResourceId": logical_id,
            "ResourceProperties": _as_strings(props),
        }
        if old is not None:
            event["PhysicalResourceId"] = old.physical_id
        if request_type == "Update" and old is not None:
            event["OldResourceProperties"] = _as_strings(old_props if old_props is not None else old.properties)
        self.use_account(stack.account)
        with function_of(stack.stack_id):
            self.handler(event, LambdaContext())
        answers = self.sink.answers_for(request_id)
        if len(answers) != 1:
            raise AssertionError(f"{logical_id} {request_type}: expected one answer, got {len(answers)}")
        self.events.append({"event": event, "answer": answers[0]})
        if answers[0]["Status"] != "SUCCESS":
            raise StackOperationError(logical_id, answers[0]["Reason"])
        return answers[0]

    def _rollback(self, stack: Stack, created: list[str], updated: list[tuple[str, Deployed]]) -> None:
        for logical_id, old in reversed(updated):
            current = stack.resources[logical_id]
            if current.type.startswith("Custom::Sms"):
                # Old and new swapped; the physical id is the one the failed stack state had.
                self._send(stack, logical_id, current.type, "Update", old.properties, current, current.properties)
                if current.physical_id != old.physical_id:
                    self._send(stack, logical_id, current.type, "Delete", current.properties, current)
            elif current.type == RAM_SHARE:
                self._apply_share(stack, logical_id, old.properties, current.physical_id)
            elif current.physical_id != old.physical_id:
                self._delete_physical(stack, current)  # what the failed update created goes
        for logical_id in reversed(created):
            deployed = stack.resources.get(logical_id)
            if deployed is not None:
                self._delete(stack, logical_id, deployed)

    # -- template helpers ---------------------------------------------------------------------------
    def _order(self, template: dict[str, Any]) -> list[str]:
        resources = template.get("Resources", {})
        graph = TopologicalSorter()
        for logical_id, definition in resources.items():
            depends = definition.get("DependsOn", [])
            depends = [depends] if isinstance(depends, str) else depends
            needs = (references(definition.get("Properties", {})) | set(depends)) & set(resources)
            graph.add(logical_id, *sorted(needs))
        return list(graph.static_order())

    def _resolve(self, stack: Stack, value: Any) -> Any:
        pseudo = {
            "AWS::Region": stack.region,
            "AWS::AccountId": stack.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack.name,
            "AWS::StackId": stack.stack_id,
        }

        def ref(name: str) -> Any:
            if name in pseudo:
                return pseudo[name]
            parameter = stack.template.get("Parameters", {}).get(name)
            if parameter is not None:
                return self._parameter(stack, name, parameter)
            return stack.resources[name].physical_id

        def get_att(logical_id: str, attribute: str) -> Any:
            return stack.resources[logical_id].attributes[attribute]

        def import_value(export: str) -> Any:
            key = (stack.account, stack.region, export)
            if key not in self.exports:
                raise StackOperationError(stack.name, f"No export named {export} found")
            return self.exports[key]

        return resolve(value, ref, get_att, import_value)

    def _parameter(self, stack: Stack, name: str, parameter: dict[str, Any]) -> Any:
        """A template parameter's value: the one given, its default, or what SSM holds for an SSM-typed one."""
        if name in stack.parameters:
            return stack.parameters[name]
        if parameter.get("Type") == "AWS::SSM::Parameter::Value<String>":
            key = (stack.account, stack.region, parameter["Default"])
            if key not in self.ssm_parameters:
                raise StackOperationError(name, f"Parameters: [{parameter['Default']}] do not exist in SSM")
            return self.ssm_parameters[key]
        if "Default" not in parameter:
            raise StackOperationError(name, "no value given for this parameter and it has no Default")
        return parameter["Default"]


def _as_strings(value: Any) -> Any:
    """CloudFormation passes custom resource property scalars as strings."""
    if isinstance(value, dict):
        return {k: _as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_strings(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value
