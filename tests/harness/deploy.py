"""A local stand-in for CloudFormation stack operations (test support).

Takes the templates that the real ``cdk synth`` wrote and plays create, update and delete:
native resources in the SMS Voice V2 emulator and its RAM model (native.py), ``Custom::Sms*``
resources sent to the function's handler with the events CloudFormation sends, answered on
the HTTPS sink, exactly once each.

An operation, as CloudFormation runs one:

- the template is checked first (``DeletionPolicy`` and ``UpdateReplacePolicy`` values,
  ``Conditions``): a refusal changes nothing;
- the resources whose ``Condition`` holds are created or updated in dependency order, every
  resource whose dependencies are done at the same time (schedule.py), custom resources each
  in a Lambda execution environment of its own (lambda_service.py), so they meet the
  emulator's request rates together. A changed native resource is replaced when a create-only property changed, else
  updated in place (native.py); a changed custom resource gets an Update, and a new physical
  id is a replacement; a custom resource's ``ServiceToken`` cannot change;
- when a resource fails, nothing new starts and what runs finishes; the rollback then sends
  the resources updated an Update with old and new properties swapped, and deletes what the
  operation created (a custom resource whose Create or Update failed too, with the physical id
  of its FAILED answer), keeping ``Retain`` resources (policies.py), all in reverse dependency
  order, concurrently;
- once every resource succeeded, the cleanup deletes the resources that left the template
  and the old physical resources of replacements, in reverse dependency order of the old
  template, as their ``DeletionPolicy`` and ``UpdateReplacePolicy`` say.

Stack delete goes in reverse dependency order (concurrently) and keeps ``Retain`` and ``RetainExceptOnCreate``
resources.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from . import conditions, policies
from .https_sink import HttpsSink
from .intrinsics import partition_of, references, resolve
from .native import RAM_SHARE, SMS_TYPES, NativeResources
from .schedule import run_in_dependency_order
from .stack import Deployed, RollbackFailedError, Stack, StackOperationError, TemplateValidationError

__all__ = [
    "RAM_SHARE",
    "SMS_TYPES",
    "Deployed",
    "LocalCloudFormation",
    "RollbackFailedError",
    "Stack",
    "StackOperationError",
    "TemplateValidationError",
]

FUNCTION_TYPES = "Custom::Sms"
"""Custom resources sent to the function; other custom resources are accepted without effect."""
LAMBDA_DEFAULT_TIMEOUT_S = 3.0


class Lambdas(Protocol):
    """Runs the function for one event and returns when its handler did (lambda_service.py, or
    cloudformation.InProcessLambda)."""

    def invoke(self, event: dict[str, Any], timeout_s: float = ...) -> None: ...


class LocalCloudFormation:
    def __init__(
        self,
        *,
        sink: HttpsSink,
        lambdas: Lambdas,
        client_for: Callable[[str], Any],
        ram: Any = None,
        models_lock: Any = None,
        iam: Any = None,
    ) -> None:
        self.sink, self.lambdas = sink, lambdas
        self.ram = ram
        """The emulator's RAM model (tests/fakes/sms_voice/ram.py), for ``AWS::RAM::ResourceShare``."""
        models_lock = models_lock or threading.RLock()
        """Held while the RAM and SSM models change (the emulator's state lock, which its reads hold)."""
        self.client_for = client_for
        self._lock = threading.Lock()  # the driver's own tables, written from resource threads
        self.stacks: dict[str, Stack] = {}
        self.events: list[dict[str, Any]] = []
        """Every custom resource event sent, with its answer, in the order answered; ``seconds``: how
        long the invocation ran, against the function's ``timeout_s``."""
        self.exports: dict[tuple[str, str, str], Any] = {}
        """(account, region, export name) -> value, from the Outputs of the stacks deployed."""
        self._running: dict[str, int] = {}
        self.peak_running: dict[str, int] = {}
        """Stack name -> the most custom-resource events of that stack in progress at once."""
        self.ssm_parameters: dict[tuple[str, str, str], str] = {}
        """(account, region, name) -> value: what ``AWS::SSM::Parameter::Value<String>`` parameters read."""
        self.iam = iam
        """The emulator's IAM model (tests/fakes/sms_voice/iam.py): the function's role gets the policies
        the stack applies, in CloudFormation's order; None: the function may do anything."""
        self.native = NativeResources(
            client_for, lambda: self.ram, self.ssm_parameters, models_lock, iam=lambda: self.iam
        )

    # -- public operations ------------------------------------------------------------------------
    def deploy(self, cloud_assembly: Path, name: str, parameters: dict[str, str] | None = None) -> None:
        """Create or update stack ``name`` from ``cloud_assembly`` (``parameters``: values for the
        template's parameters, as ``--parameters`` gives them); raise StackOperationError after
        rollback (TemplateValidationError when refused before any change)."""
        manifest = json.loads((cloud_assembly / "manifest.json").read_text())
        artifact = manifest["artifacts"][name]
        account, region = artifact["environment"][len("aws://") :].split("/")
        template = json.loads((cloud_assembly / artifact["properties"]["templateFile"]).read_text())
        stack = self.stacks.get(name) or Stack(name, account, region, _stack_arn(name, account, region))
        values = {**stack.parameters, **(parameters or {})}  # like --parameters; earlier values are kept
        working = Stack(stack.name, account, region, stack.stack_id, template, dict(stack.resources), values)
        self._check(working)
        active = _active(template, working.conditions)
        created: list[str] = []
        updated: dict[str, Deployed] = {}

        def apply(logical_id: str) -> None:
            definition = template["Resources"][logical_id]
            props = self._resolve(working, definition.get("Properties", {})) or {}
            old = stack.resources.get(logical_id)
            try:
                if old is None:
                    created.append(logical_id)
                    working.resources[logical_id] = self._create(working, logical_id, definition, props)
                elif old.properties != props:
                    updated[logical_id] = old
                    working.resources[logical_id] = self._update(working, logical_id, definition, props, old)
            except StackOperationError as failure:
                if failure.failed is not None:  # a custom resource that answered FAILED: tracked with that answer
                    working.resources[logical_id] = failure.failed
                raise

        try:
            run_in_dependency_order(_needs(template, active), apply)
        except StackOperationError as failure:
            self._rollback(working, created, updated, failure)
            raise
        old_template, previous = stack.template, stack.resources
        stack.template, stack.parameters, stack.conditions = template, values, working.conditions
        stack.resources = {lid: deployed for lid, deployed in working.resources.items() if lid in active}
        self.stacks[name] = stack
        for output in self._outputs(stack).values():
            if "Export" in output:
                export = self._resolve(stack, output["Export"]["Name"])
                self.exports[(stack.account, stack.region, export)] = self._resolve(stack, output["Value"])
        self._cleanup(stack, old_template, previous)

    def outputs(self, name: str) -> dict[str, Any]:
        """The stack's outputs by name, as ``describe-stacks`` shows them."""
        stack = self.stacks[name]
        return {key: self._resolve(stack, output["Value"]) for key, output in self._outputs(stack).items()}

    def delete_stack(self, name: str) -> None:
        """Delete in reverse dependency order, keeping what DeletionPolicy keeps; a failure leaves
        the stack (DELETE_FAILED) with the resources not deleted yet."""
        stack = self.stacks[name]

        def remove(logical_id: str) -> None:
            if not policies.kept_when_removed(stack.template["Resources"][logical_id]):
                self._delete(stack, logical_id, stack.resources[logical_id])
            del stack.resources[logical_id]

        run_in_dependency_order(_needs(stack.template, set(stack.resources)), remove, reverse=True)
        del self.stacks[name]

    # -- the phases of an operation -----------------------------------------------------------------
    def _check(self, stack: Stack) -> None:
        """What CloudFormation validates before it starts: refused here, nothing changes. (Parameters
        are read when first used: CDK's BootstrapVersion, which only the unevaluated Rules use,
        would need every test account bootstrapped.)"""
        problems = policies.problems(stack.template)
        if problems:
            raise TemplateValidationError(stack.name, "Template format error: " + "; ".join(problems))
        stack.conditions = conditions.evaluate(stack.template, lambda value: self._resolve(stack, value), stack.name)
        active = _active(stack.template, stack.conditions)
        for logical_id in sorted(active):
            depends = stack.template["Resources"][logical_id].get("DependsOn", [])
            missing = sorted(set([depends] if isinstance(depends, str) else depends) - active)
            if missing:
                raise TemplateValidationError(
                    stack.name,
                    f"Template format error: Unresolved resource dependencies [{', '.join(missing)}] "
                    "in the Resources block of the template",
                )

    def _rollback(
        self, stack: Stack, created: list[str], updated: dict[str, Deployed], failure: StackOperationError
    ) -> None:
        """Two phases, as CloudFormation's rollback: the updated resources go back (Updates with old
        and new swapped), then, in the rollback's cleanup, what the operation created is deleted;
        each phase concurrently in reverse dependency order."""

        def revert(logical_id: str) -> None:
            old, current = updated[logical_id], stack.resources[logical_id]
            if current is old:
                return  # refused before anything changed: a service token change, a failed native update
            if current.type.startswith(FUNCTION_TYPES):
                # Old and new swapped; the physical id is the one the failed operation left.
                self._send(stack, logical_id, current.type, "Update", old.properties, current, current.properties)
                if current.physical_id != old.physical_id:
                    self._send(stack, logical_id, current.type, "Delete", current.properties, current)
            elif current.physical_id == old.physical_id:  # updated in place: back in place
                self.native.update(stack, logical_id, current.type, old.properties, current)
            else:
                self.native.delete(stack, logical_id, current)  # the replacement the failed update created

        def remove(logical_id: str) -> None:
            deployed = stack.resources.get(logical_id)  # None: a native create that failed
            if deployed is not None and not policies.kept_on_rollback(stack.template["Resources"][logical_id]):
                self._delete(stack, logical_id, deployed)

        try:
            run_in_dependency_order(_needs(stack.template, updated), revert, reverse=True)
            run_in_dependency_order(_needs(stack.template, created), remove, reverse=True)
        except StackOperationError as error:
            raise RollbackFailedError(failure, error) from error

    def _cleanup(self, stack: Stack, old_template: dict[str, Any], previous: dict[str, Deployed]) -> None:
        """After a successful update: removed resources and replaced physical resources go."""
        going: set[str] = set()
        for logical_id, old in previous.items():
            current = stack.resources.get(logical_id)
            if current is None:  # left the template, or its Condition turned false
                kept = policies.kept_when_removed(old_template["Resources"][logical_id])
            elif current.physical_id != old.physical_id:  # replaced
                kept = policies.kept_when_replaced(stack.template["Resources"][logical_id])
            else:
                continue
            if not kept:
                going.add(logical_id)
        run_in_dependency_order(
            _needs(old_template, going), lambda lid: self._delete(stack, lid, previous[lid]), reverse=True
        )

    # -- resources --------------------------------------------------------------------------------
    def _create(self, stack: Stack, logical_id: str, definition: dict[str, Any], props: Any) -> Deployed:
        kind = definition["Type"]
        if kind.startswith(FUNCTION_TYPES):
            answer = self._send(stack, logical_id, kind, "Create", props)
            return Deployed(kind, answer["PhysicalResourceId"], props, answer.get("Data", {}))
        return self.native.create(stack, logical_id, kind, props)

    def _update(self, stack: Stack, logical_id: str, definition: dict[str, Any], props: Any, old: Deployed) -> Deployed:
        kind = definition["Type"]
        if _is_custom(kind) and props.get("ServiceToken") != old.properties.get("ServiceToken"):
            raise StackOperationError(logical_id, "Modifying service token is not allowed.")
        if kind.startswith(FUNCTION_TYPES):
            answer = self._send(stack, logical_id, kind, "Update", props, old)
            return Deployed(kind, answer["PhysicalResourceId"], props, answer.get("Data", {}))
        return self.native.update(stack, logical_id, kind, props, old)

    def _delete(self, stack: Stack, logical_id: str, deployed: Deployed) -> None:
        if deployed.type.startswith(FUNCTION_TYPES):
            self._send(stack, logical_id, deployed.type, "Delete", deployed.properties, deployed)
        else:
            self.native.delete(stack, logical_id, deployed)

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
        timeout_s = self._timeout_of(stack, event["ServiceToken"])
        with self._lock:
            self._running[stack.name] = running = self._running.get(stack.name, 0) + 1
            self.peak_running[stack.name] = max(self.peak_running.get(stack.name, 0), running)
        started = time.monotonic()
        try:
            self.lambdas.invoke(event, timeout_s)
        finally:
            with self._lock:
                self._running[stack.name] -= 1
        seconds = time.monotonic() - started
        answers = self.sink.answers_for(request_id)
        if len(answers) != 1:
            raise AssertionError(f"{logical_id} {request_type}: expected one answer, got {len(answers)}")
        answer = answers[0]
        with self._lock:
            self.events.append({"event": event, "answer": answer, "seconds": seconds, "timeout_s": timeout_s})
        if answer["Status"] != "SUCCESS":
            # CloudFormation goes on tracking a failed Create or Update under the answer's physical id.
            attributes = old.attributes if old is not None else {}
            failed = Deployed(kind, answer["PhysicalResourceId"], props, attributes)
            raise StackOperationError(logical_id, answer["Reason"], failed if request_type != "Delete" else None)
        return answer

    def _timeout_of(self, stack: Stack, service_token: str) -> float:
        """The serving function's ``Timeout`` (Lambda's default when unset or not in the stack)."""
        with self._lock:
            deployed_now = list(stack.resources.items())  # other resources' threads add and remove
        for logical_id, deployed in deployed_now:
            if deployed.type == "AWS::Lambda::Function" and deployed.attributes.get("Arn") == service_token:
                definition = stack.template["Resources"].get(logical_id, {})
                return float(definition.get("Properties", {}).get("Timeout", LAMBDA_DEFAULT_TIMEOUT_S))
        return 300.0  # a function of another stack or outside CloudFormation

    # -- template helpers ---------------------------------------------------------------------------

    def _outputs(self, stack: Stack) -> dict[str, Any]:
        active = _active(stack.template, stack.conditions, "Outputs")
        return {key: output for key, output in stack.template.get("Outputs", {}).items() if key in active}

    def _resolve(self, stack: Stack, value: Any) -> Any:
        partition, url_suffix = partition_of(stack.region)
        pseudo = {
            "AWS::Region": stack.region,
            "AWS::AccountId": stack.account,
            "AWS::Partition": partition,
            "AWS::URLSuffix": url_suffix,
            "AWS::StackName": stack.name,
            "AWS::StackId": stack.stack_id,
        }

        def ref(name: str) -> Any:
            if name in pseudo:
                return pseudo[name]
            parameter = stack.template.get("Parameters", {}).get(name)
            if parameter is not None:
                return self._parameter(stack, name, parameter)
            if name not in stack.resources:
                raise StackOperationError(name, f"Unresolved resource dependencies [{name}]: not deployed")
            return stack.resources[name].physical_id

        def get_att(logical_id: str, attribute: str) -> Any:
            return stack.resources[logical_id].attributes[attribute]

        def import_value(export: str) -> Any:
            key = (stack.account, stack.region, export)
            if key not in self.exports:
                raise StackOperationError(stack.name, f"No export named {export} found")
            return self.exports[key]

        def condition(name: str) -> bool:
            if name not in stack.conditions:
                raise TemplateValidationError(stack.name, f"Template format error: Unresolved dependencies [{name}]")
            return stack.conditions[name]

        return resolve(value, ref, get_att, import_value, condition)

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


def _needs(template: dict[str, Any], subset: Iterable[str]) -> dict[str, set[str]]:
    """For each logical id of ``subset``: the resources of ``subset`` it needs, directly (a
    reference or DependsOn) or through resources outside ``subset``, which CloudFormation
    passes over in order too."""
    resources = template.get("Resources", {})
    direct: dict[str, set[str]] = {}
    for logical_id, definition in resources.items():
        depends = definition.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else depends
        direct[logical_id] = (references(definition.get("Properties", {})) | set(depends)) & set(resources)
    chosen = set(subset)
    found: dict[str, set[str]] = {}

    def reach(logical_id: str) -> set[str]:
        """The ``chosen`` resources that ``logical_id`` needs, directly or not (graphs are acyclic)."""
        if logical_id not in found:
            needed: set[str] = set()
            for other in direct.get(logical_id, ()):
                needed |= {other} if other in chosen else reach(other)
            found[logical_id] = needed
        return found[logical_id]

    return {logical_id: reach(logical_id) for logical_id in chosen}


def _active(template: dict[str, Any], values: dict[str, bool], block: str = "Resources") -> set[str]:
    """The logical ids of ``block`` whose Condition holds (or that have none)."""
    items = template.get(block, {}).items()
    return {key for key, definition in items if "Condition" not in definition or values[definition["Condition"]]}


def _is_custom(kind: str) -> bool:
    return kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"


def _stack_arn(name: str, account: str, region: str) -> str:
    return f"arn:{partition_of(region)[0]}:cloudformation:{region}:{account}:stack/{name}/{uuid.uuid4()}"


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
