"""A local stand-in for CloudFormation stack operations (test support).

Takes the templates that the real ``cdk synth`` wrote and plays create, update and delete:
native resources in the SMS Voice V2 emulator and its RAM model (native.py), ``Custom::Sms*``
resources sent to the function's handler with the events CloudFormation sends, answered on
the HTTPS sink, exactly once each.

An operation, as CloudFormation runs one, each phase setting the stack's ``status`` as it
starts (CloudFormation's StackStatus; the CloudFormation emulator serves it live, so a custom
resource can tell a rollback Update from a forward one):

- the template is checked first (``DeletionPolicy`` and ``UpdateReplacePolicy`` values,
  ``Conditions``), and the stack's status (an update needs CREATE_COMPLETE, UPDATE_COMPLETE or
  UPDATE_ROLLBACK_COMPLETE: "Stack:... is in UPDATE_ROLLBACK_FAILED state and can not be
  updated."): a refusal changes nothing. A stack whose creation failed (ROLLBACK_COMPLETE,
  ROLLBACK_FAILED) is deleted first, as ``cdk deploy`` does;
- CREATE_IN_PROGRESS / UPDATE_IN_PROGRESS: the resources whose ``Condition`` holds are created
  or updated in dependency order, every resource whose dependencies are done at the same time
  (schedule.py), custom resources each in a Lambda execution environment of its own
  (lambda_service.py), so they meet the emulator's request rates together. A changed native
  resource is replaced when a create-only property changed, else updated in place (native.py);
  a changed custom resource gets an Update, and a new physical id is a replacement; a custom
  resource's ``ServiceToken`` cannot change. Every answer is checked as CloudFormation checks
  it (https_sink.answer_problem): one it refuses fails the resource. ``Fn::GetAtt`` of a custom
  resource reads its latest answer's ``Data``: a missing key fails the resource that reads it;
- then every Output is resolved (a missing attribute fails the operation);
- when anything fails, nothing new starts and what runs finishes. After a failed create,
  ROLLBACK_IN_PROGRESS deletes what it made and leaves the stack in ROLLBACK_COMPLETE
  (ROLLBACK_FAILED when a delete fails). After a failed update, UPDATE_ROLLBACK_IN_PROGRESS sends
  the resources updated an Update with old and new properties swapped (a native one goes back in
  place, or to its old physical resource); a failure there leaves UPDATE_ROLLBACK_FAILED, which
  ``continue_update_rollback`` resumes. UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS then deletes
  what the update created (a custom resource whose Create failed too, with the physical id of its
  FAILED answer) and the physical resources its replacements made, keeping ``Retain`` resources
  (policies.py); each phase concurrently in reverse dependency order;
- once everything succeeded, UPDATE_COMPLETE_CLEANUP_IN_PROGRESS deletes the resources that left
  the template and the old physical resources of replacements, in reverse dependency order of
  the old template, as their ``DeletionPolicy`` and ``UpdateReplacePolicy`` say.

In both cleanup phases a delete that fails is tried three times, then skipped (recorded in
``skipped``), and the operation completes: "CloudFormation tries to delete a resource three
times before CloudFormation skips the resource and continues the cleanup process" (AWS re:Post,
"Why is my CloudFormation stack stuck in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS").

Stack delete (DELETE_IN_PROGRESS) goes in reverse dependency order (concurrently) and keeps
``Retain`` and ``RetainExceptOnCreate`` resources; a failure leaves DELETE_FAILED.
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
from .https_sink import HttpsSink, answer_problem, physical_id_of
from .intrinsics import partition_of, references, resolve
from .native import RAM_SHARE, SMS_TYPES, NativeResources
from .schedule import run_in_dependency_order
from .stack import (
    UPDATABLE,
    Deployed,
    Rollback,
    RollbackFailedError,
    SkippedDelete,
    Snapshot,
    Stack,
    StackOperationError,
    TemplateValidationError,
)

__all__ = [
    "RAM_SHARE",
    "SMS_TYPES",
    "Deployed",
    "LocalCloudFormation",
    "RollbackFailedError",
    "SkippedDelete",
    "Stack",
    "StackOperationError",
    "TemplateValidationError",
]

FUNCTION_TYPES = "Custom::Sms"
"""Custom resources sent to the function; other custom resources are accepted without effect."""
LAMBDA_DEFAULT_TIMEOUT_S = 3.0
CLEANUP_TRIES = 3
"""How often a cleanup phase tries a delete before it skips it."""


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
        self.skipped: list[SkippedDelete] = []
        """Deletes that failed three times in a cleanup phase and were skipped, as CloudFormation skips
        them: what a real account is left with."""
        self._answered: dict[tuple[str, str], str] = {}
        """(stack id, logical id) -> the RequestId of the custom resource's latest SUCCESS answer."""
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
        stack = self.stacks.get(name)
        if stack is not None and stack.status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED"):
            self.delete_stack(name)  # as `cdk deploy` does with a stack whose creation failed
            stack = None
        if stack is not None and stack.status not in UPDATABLE:
            raise TemplateValidationError(
                name, f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated."
            )
        creating = stack is None
        stack = stack or Stack(name, account, region, _stack_arn(name, account, region))
        values = {**stack.parameters, **(parameters or {})}  # like --parameters; earlier values are kept
        checked = Stack(stack.name, account, region, stack.stack_id, template, dict(stack.resources), values)
        self._check(checked)
        rollback = Rollback(stack.snapshot())
        stack.template, stack.parameters, stack.conditions = template, values, checked.conditions
        stack.status = "CREATE_IN_PROGRESS" if creating else "UPDATE_IN_PROGRESS"
        self.stacks[name] = stack
        active = _active(template, stack.conditions)

        def apply(logical_id: str) -> None:
            definition = template["Resources"][logical_id]
            props = self._resolve(stack, definition.get("Properties", {}), logical_id) or {}
            old = rollback.before.resources.get(logical_id)
            if old is not None and old.properties == props:
                return
            verb = "CREATE" if old is None else "UPDATE"
            stack.resource_status[logical_id] = f"{verb}_IN_PROGRESS"
            try:
                if old is None:
                    rollback.created.append(logical_id)
                    stack.resources[logical_id] = self._create(stack, logical_id, definition, props)
                else:
                    rollback.updated[logical_id] = old
                    stack.resources[logical_id] = self._update(stack, logical_id, definition, props, old)
            except StackOperationError as failure:
                if failure.failed is not None:  # a custom resource that answered FAILED: tracked with that answer
                    stack.resources[logical_id] = failure.failed
                stack.resource_status[logical_id] = f"{verb}_FAILED"
                raise
            stack.resource_status[logical_id] = f"{verb}_COMPLETE"

        try:
            run_in_dependency_order(_needs(template, active), apply)
            outputs, exports = self._resolve_outputs(stack)
        except StackOperationError as failure:
            if creating:
                self._roll_back_create(stack, rollback.created, failure)
            else:
                rollback.cause = failure
                self._roll_back_update(stack, rollback)
            raise
        stack.outputs = outputs
        for export, value in exports.items():
            self.exports[(stack.account, stack.region, export)] = value
        if creating:
            stack.status = "CREATE_COMPLETE"
            return
        stack.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
        self._cleanup(stack, rollback.before, active)
        stack.status = "UPDATE_COMPLETE"

    def continue_update_rollback(self, name: str, resources_to_skip: Iterable[str] = ()) -> None:
        """Run the rollback of stack ``name`` (UPDATE_ROLLBACK_FAILED) again, as ContinueUpdateRollback
        does: the resources in ``resources_to_skip`` (only those whose rollback failed) count as
        rolled back and are sent nothing; on success the stack is UPDATE_ROLLBACK_COMPLETE with its
        old template. RollbackFailedError when the rollback fails again."""
        stack = self.stacks.get(name)
        if stack is None:
            raise TemplateValidationError(name, f"Stack with id {name} does not exist")
        if stack.status != "UPDATE_ROLLBACK_FAILED" or stack.rollback is None:
            raise TemplateValidationError(
                name, f"Stack:{stack.stack_id} is in {stack.status} state: only UPDATE_ROLLBACK_FAILED can continue"
            )
        rollback, skip = stack.rollback, set(resources_to_skip)
        not_failed = sorted(skip - rollback.failed)
        if not_failed:
            raise TemplateValidationError(
                name,
                f"Resources to skip must be in UPDATE_FAILED state because their rollback failed: {not_failed}",
            )
        for logical_id in skip:  # "CloudFormation sets the status of the specified resources to UPDATE_COMPLETE"
            stack.resources[logical_id] = rollback.updated[logical_id]
            stack.resource_status[logical_id] = "UPDATE_COMPLETE"
            rollback.reverted.add(logical_id)
            rollback.failed.discard(logical_id)
        self._roll_back_update(stack, rollback)

    def outputs(self, name: str) -> dict[str, Any]:
        """The stack's outputs by name, as ``describe-stacks`` shows them (resolved at the end of
        the last operation that succeeded)."""
        return dict(self.stacks[name].outputs)

    def delete_stack(self, name: str) -> None:
        """Delete in reverse dependency order, keeping what DeletionPolicy keeps; a failure leaves
        the stack (DELETE_FAILED) with the resources not deleted yet."""
        stack = self.stacks[name]
        stack.status = "DELETE_IN_PROGRESS"
        # In UPDATE_ROLLBACK_FAILED the stack holds resources of both templates.
        before = stack.rollback.before.template if stack.rollback is not None else {}
        template = {"Resources": {**before.get("Resources", {}), **stack.template.get("Resources", {})}}

        def remove(logical_id: str) -> None:
            if not policies.kept_when_removed(template["Resources"][logical_id]):
                stack.resource_status[logical_id] = "DELETE_IN_PROGRESS"
                try:
                    self._delete(stack, logical_id, stack.resources[logical_id])
                except StackOperationError:
                    stack.resource_status[logical_id] = "DELETE_FAILED"
                    raise
            _forget(stack, logical_id)

        try:
            run_in_dependency_order(_needs(template, set(stack.resources)), remove, reverse=True)
        except StackOperationError:
            stack.status = "DELETE_FAILED"
            raise
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

    def _roll_back_create(self, stack: Stack, created: list[str], failure: StackOperationError) -> None:
        """ROLLBACK_IN_PROGRESS: what the failed create made is deleted (``Retain`` resources are
        kept and forgotten), concurrently in reverse dependency order. The stack stays, empty, in
        ROLLBACK_COMPLETE; a delete that fails leaves it in ROLLBACK_FAILED with what is left."""
        stack.status = "ROLLBACK_IN_PROGRESS"

        def remove(logical_id: str) -> None:
            deployed = stack.resources.get(logical_id)  # None: a native create that failed
            if deployed is not None and not policies.kept_on_rollback(stack.template["Resources"][logical_id]):
                stack.resource_status[logical_id] = "DELETE_IN_PROGRESS"
                try:
                    self._delete(stack, logical_id, deployed)
                except StackOperationError:
                    stack.resource_status[logical_id] = "DELETE_FAILED"
                    raise
            _forget(stack, logical_id)

        try:
            run_in_dependency_order(_needs(stack.template, created), remove, reverse=True)
        except StackOperationError as error:
            stack.status = "ROLLBACK_FAILED"
            raise RollbackFailedError(failure, error) from error
        stack.status = "ROLLBACK_COMPLETE"

    def _roll_back_update(self, stack: Stack, rollback: Rollback) -> None:
        """Two phases, as CloudFormation's rollback of an update. UPDATE_ROLLBACK_IN_PROGRESS: the
        updated resources go back (custom resources get an Update with old and new swapped; a native
        one updated in place is updated back, a replaced one returns to its old physical resource).
        A failure there leaves UPDATE_ROLLBACK_FAILED with the resources as they stand (see
        ``continue_update_rollback``). UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: what the update
        created and the physical resources its replacements made are deleted, each delete tried
        three times and then skipped (``skipped``). Each phase runs concurrently in reverse
        dependency order; the stack ends UPDATE_ROLLBACK_COMPLETE with its old template."""
        assert rollback.cause is not None
        stack.status, stack.rollback = "UPDATE_ROLLBACK_IN_PROGRESS", None

        def revert(logical_id: str) -> None:
            old, current = rollback.updated[logical_id], stack.resources[logical_id]
            if logical_id in rollback.reverted or current is old:
                return  # done, or refused before anything changed: a service token change, a failed native update
            stack.resource_status[logical_id] = "UPDATE_IN_PROGRESS"
            try:
                if current.type.startswith(FUNCTION_TYPES):
                    # Old and new swapped; the physical id is the one the failed operation left.
                    answer = self._send(
                        stack, logical_id, current.type, "Update", old.properties, current, current.properties
                    )
                    back = Deployed(current.type, answer["PhysicalResourceId"], old.properties, answer.get("Data", {}))
                elif current.physical_id == old.physical_id:  # updated in place: back in place
                    back = self.native.update(stack, logical_id, current.type, old.properties, current)
                else:  # replaced: the old physical resource is still there
                    back = old
            except StackOperationError:
                rollback.failed.add(logical_id)
                stack.resource_status[logical_id] = "UPDATE_FAILED"
                raise
            if back.physical_id != current.physical_id:
                rollback.replaced[logical_id] = current
            stack.resources[logical_id] = back
            stack.resource_status[logical_id] = "UPDATE_COMPLETE"
            rollback.reverted.add(logical_id)
            rollback.failed.discard(logical_id)

        try:
            run_in_dependency_order(_needs(stack.template, rollback.updated), revert, reverse=True)
        except StackOperationError as error:
            stack.status, stack.rollback = "UPDATE_ROLLBACK_FAILED", rollback
            raise RollbackFailedError(rollback.cause, error) from error
        stack.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
        going = dict(rollback.replaced)
        for logical_id in rollback.created:
            deployed = stack.resources.get(logical_id)  # None: a native create that failed
            if deployed is not None and not policies.kept_on_rollback(stack.template["Resources"][logical_id]):
                going[logical_id] = deployed
            elif deployed is not None:
                _forget(stack, logical_id)
        self._delete_in_cleanup(stack, stack.template, going)
        stack.restore(rollback.before)
        stack.status = "UPDATE_ROLLBACK_COMPLETE"

    def _cleanup(self, stack: Stack, before: Snapshot, active: set[str]) -> None:
        """UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, after a successful update: the resources that left
        the template and the old physical resources of replacements go, as DeletionPolicy and
        UpdateReplacePolicy say, in reverse dependency order of the old template."""
        going: dict[str, Deployed] = {}
        for logical_id, old in before.resources.items():
            if logical_id not in active:  # left the template, or its Condition turned false
                if policies.kept_when_removed(before.template["Resources"][logical_id]):
                    _forget(stack, logical_id)
                else:
                    going[logical_id] = old
            elif stack.resources[logical_id].physical_id != old.physical_id and not policies.kept_when_replaced(
                stack.template["Resources"][logical_id]
            ):  # replaced
                going[logical_id] = old
        self._delete_in_cleanup(stack, before.template, going)

    def _delete_in_cleanup(self, stack: Stack, template: dict[str, Any], going: dict[str, Deployed]) -> None:
        """Delete ``going`` (logical id -> physical resource) as a cleanup phase does: "CloudFormation
        tries to delete a resource three times before CloudFormation skips the resource and continues
        the cleanup process" (AWS re:Post, "Why is my CloudFormation stack stuck in
        UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"); a skipped delete is recorded in ``skipped``."""

        def remove(logical_id: str) -> None:
            deployed = going[logical_id]
            if stack.resources.get(logical_id) is deployed:  # left the stack: listed as being deleted
                stack.resource_status[logical_id] = "DELETE_IN_PROGRESS"
            for _ in range(CLEANUP_TRIES):
                try:
                    self._delete(stack, logical_id, deployed)
                    break
                except StackOperationError as error:
                    reason = error.reason
            else:
                with self._lock:
                    self.skipped.append(SkippedDelete(stack.name, logical_id, deployed.physical_id, reason))
            if stack.resources.get(logical_id) is deployed:  # left the stack (not a replacement's other half)
                _forget(stack, logical_id)

        run_in_dependency_order(_needs(template, going), remove, reverse=True)

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
            "ResponseURL": self.sink.response_url(request_id),
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
        problem = answer_problem(event, answer)
        if problem is None and answer["Status"] == "SUCCESS":
            with self._lock:
                self._answered[(stack.stack_id, logical_id)] = request_id  # what GetAtt reads from now on
            return answer
        # CloudFormation goes on tracking a failed Create or Update under the answer's physical id
        # (after a refused answer: an Update under the id it had, a Create under none if it is not valid).
        attributes = old.attributes if old is not None else {}
        physical = old.physical_id if problem is not None and old is not None else physical_id_of(answer)
        failed = Deployed(kind, physical, props, attributes) if physical and request_type != "Delete" else None
        raise StackOperationError(logical_id, problem or str(answer.get("Reason", "")), failed)

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

    def _resolve_outputs(self, stack: Stack) -> tuple[dict[str, Any], dict[str, Any]]:
        """Every Output's value, and the exports by name, as CloudFormation resolves them at the end
        of an operation: one that cannot be resolved fails the operation (on the stack)."""
        active = _active(stack.template, stack.conditions, "Outputs")
        values: dict[str, Any] = {}
        exports: dict[str, Any] = {}
        for key, output in stack.template.get("Outputs", {}).items():
            if key in active:
                values[key] = self._resolve(stack, output["Value"], stack.name)
                if "Export" in output:
                    exports[self._resolve(stack, output["Export"]["Name"], stack.name)] = values[key]
        return values, exports

    def _resolve(self, stack: Stack, value: Any, for_id: str | None = None) -> Any:
        """``value`` with its intrinsics resolved on behalf of resource ``for_id`` (or the stack's
        outputs): a GetAtt of an attribute the resource does not have fails ``for_id``."""
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
            deployed = stack.resources.get(logical_id)
            if deployed is None:
                raise StackOperationError(for_id or logical_id, f"Unresolved resource dependencies [{logical_id}]")
            if attribute in deployed.attributes:
                return deployed.attributes[attribute]
            if _is_custom(deployed.type):  # read from its latest answer's Data, as CloudFormation stores it
                request_id = self._answered.get((stack.stack_id, logical_id), "")
                raise StackOperationError(
                    for_id or stack.name,
                    f"CustomResource attribute error: Vendor response doesn't contain {attribute} key in object "
                    f"{stack.stack_id}|{logical_id}|{request_id} in S3 bucket "
                    f"cloudformation-custom-resource-storage-{stack.region.replace('-', '')}",
                )
            raise StackOperationError(
                for_id or stack.name,
                f"Template error: resource {logical_id} does not support attribute type {attribute} in Fn::GetAtt",
            )

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


def _needs(template: dict[str, Any], subset: Iterable[str]) -> dict[str, Iterable[str]]:
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


def _forget(stack: Stack, logical_id: str) -> None:
    """The resource is no longer the stack's (deleted, or kept by a policy)."""
    stack.resources.pop(logical_id, None)
    stack.resource_status.pop(logical_id, None)


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
