"""The resource types the local CloudFormation driver provisions itself (everything but custom
resources):

- ``AWS::SMSVOICE::OptOutList|PhoneNumber|SenderId|Pool`` in the SMS Voice V2 emulator, with
  their real ARN formats (a pool gets its first origination identity only);
- ``AWS::RAM::ResourceShare`` in the emulator's RAM model, updated in place;
- ``AWS::SSM::Parameter`` in the driver's own table (what ``AWS::SSM::Parameter::Value<String>``
  parameters read);
- IAM as far as the function meets it, in the emulator's IAM model (tests/fakes/sms_voice/iam.py):
  ``AWS::IAM::Role`` (its ARN, its inline ``Policies``), ``AWS::IAM::Policy``,
  ``AWS::IAM::RolePolicy`` and ``AWS::IAM::ManagedPolicy`` (its ``Roles``) written to the role
  when CloudFormation applies them and removed when
  it deletes them, and ``AWS::Lambda::Function``, whose ``Role`` the function then runs as;
- every other type is accepted without effect, with a made-up physical id and ARN (for
  ``Fn::GetAtt ... Arn``), new on every replacement.

A changed resource is replaced when one of its ``createOnlyProperties`` changed (the resource
type's registry schema, as cfn-lint ships it); otherwise it is updated in place: a share and
an SSM parameter for real, the SMS types with no effect on the emulator (it models no
UpdatePool, AssociateOriginationIdentity or UpdatePhoneNumber), the rest without effect.

What the service refuses fails the resource (a StackOperationError), as a resource handler's
error does in CloudFormation, so the operation rolls back.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from tests.fakes.sms_voice.iam import role_arn

from .intrinsics import partition_of
from .stack import Deployed, Stack, StackOperationError

RAM_SHARE = "AWS::RAM::ResourceShare"
SSM_PARAMETER = "AWS::SSM::Parameter"
IAM_ROLE, IAM_POLICY, IAM_ROLE_POLICY = "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::RolePolicy"
IAM_MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
IAM_TYPES = (IAM_ROLE, IAM_POLICY, IAM_ROLE_POLICY, IAM_MANAGED_POLICY)
LAMBDA_FUNCTION = "AWS::Lambda::Function"
SMS_TYPES = (
    "AWS::SMSVOICE::OptOutList",
    "AWS::SMSVOICE::PhoneNumber",
    "AWS::SMSVOICE::SenderId",
    "AWS::SMSVOICE::Pool",
)


class NativeResources:
    def __init__(
        self,
        client_for: Callable[[str], Any],
        ram: Callable[[], Any],
        ssm_parameters: dict[tuple[str, str, str], str],
        lock: threading.RLock,
        iam: Callable[[], Any] = lambda: None,
    ) -> None:
        self.client_for, self.ram, self.ssm_parameters = client_for, ram, ssm_parameters
        self.iam = iam
        """The emulator's IAM model, or None: then IAM resources have no effect."""
        self._lock = lock
        """Held while the in-memory models (RAM, SSM) change: resources run on several threads."""

    def create(self, stack: Stack, logical_id: str, kind: str, props: Any) -> Deployed:
        try:
            if kind in SMS_TYPES:
                physical, attributes = self._create_sms(stack, logical_id, kind, props)
                return Deployed(kind, physical, props, attributes)
            if kind == RAM_SHARE:
                arn = self._apply_share(stack, logical_id, props)
                return Deployed(kind, arn, props, {"Arn": arn})
        except ClientError as error:
            raise StackOperationError(logical_id, _handler_message(error)) from None
        if kind == SSM_PARAMETER:
            return self._put_parameter(stack, props.get("Name") or f"{stack.name}-{logical_id}-{_suffix()}", props)
        physical = f"{stack.name}-{logical_id}-{_suffix()}"
        if kind == IAM_MANAGED_POLICY:  # its physical id is its ARN
            physical = f"arn:{partition_of(stack.region)[0]}:iam::{stack.account}:policy/{physical}"
        if kind in (*IAM_TYPES, LAMBDA_FUNCTION):
            return self._apply_iam(stack, kind, physical, props)
        service = kind.split("::")[1].lower()
        arn = f"arn:{partition_of(stack.region)[0]}:{service}:{stack.region}:{stack.account}:{physical}"
        return Deployed(kind, physical, props, {"Arn": arn})

    def update(self, stack: Stack, logical_id: str, kind: str, props: Any, old: Deployed) -> Deployed:
        """In place, or a replacement when a create-only property changed (the caller deletes the
        old physical resource in the cleanup phase, as UpdateReplacePolicy says)."""
        if replaces(kind, stack.region, old.properties, props):
            return self.create(stack, logical_id, kind, props)
        if kind == RAM_SHARE:
            self._apply_share(stack, logical_id, props, old.physical_id)
        elif kind == SSM_PARAMETER:
            return self._put_parameter(stack, old.physical_id, props)
        elif kind in (*IAM_TYPES, LAMBDA_FUNCTION):
            self._remove_iam(stack, old)
            return self._apply_iam(stack, kind, old.physical_id, props)
        return Deployed(kind, old.physical_id, props, old.attributes)

    def delete(self, stack: Stack, logical_id: str, deployed: Deployed) -> None:
        try:
            self._delete(stack, deployed)
        except ClientError as error:
            raise StackOperationError(logical_id, _handler_message(error)) from None

    # -- per type ------------------------------------------------------------------------------------
    def _delete(self, stack: Stack, deployed: Deployed) -> None:
        if deployed.type == RAM_SHARE:
            with self._lock:
                self._ram().delete_share(deployed.physical_id)
            return
        if deployed.type == SSM_PARAMETER:
            with self._lock:
                self.ssm_parameters.pop((stack.account, stack.region, deployed.physical_id), None)
            return
        if deployed.type in IAM_TYPES:
            self._remove_iam(stack, deployed)
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

    def _put_parameter(self, stack: Stack, name: str, props: Any) -> Deployed:
        with self._lock:
            self.ssm_parameters[(stack.account, stack.region, name)] = props["Value"]
        return Deployed(SSM_PARAMETER, name, props, {"Type": props.get("Type", "String"), "Value": props["Value"]})

    def _create_sms(
        self, stack: Stack, logical_id: str, kind: str, props: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        client = self.client_for(stack.account)
        if kind == "AWS::SMSVOICE::OptOutList":
            name = props.get("OptOutListName") or f"{stack.name}-{logical_id}"[:64]
            answer = client.create_opt_out_list(OptOutListName=name)  # no other request fields
            return name, {"Arn": answer["OptOutListArn"]}
        if kind == "AWS::SMSVOICE::PhoneNumber":
            answer = client.request_phone_number(
                IsoCountryCode=props["IsoCountryCode"],
                MessageType=props.get("MessageType") or "TRANSACTIONAL",
                NumberCapabilities=props["NumberCapabilities"],
                NumberType=props["NumberType"],
                **_optional(props, "OptOutListName", "DeletionProtectionEnabled"),
            )
            return answer["PhoneNumberId"], {
                "Arn": answer["PhoneNumberArn"],
                "PhoneNumberId": answer["PhoneNumberId"],
                "PhoneNumber": answer["PhoneNumber"],
            }
        if kind == "AWS::SMSVOICE::SenderId":
            answer = client.request_sender_id(
                SenderId=props["SenderId"],
                IsoCountryCode=props["IsoCountryCode"],
                **_optional(props, "DeletionProtectionEnabled"),
            )
            return f"{props['SenderId']}|{props['IsoCountryCode']}", {"Arn": answer["SenderIdArn"]}
        answer = client.create_pool(
            OriginationIdentity=props["OriginationIdentities"][0],
            MessageType=props.get("MessageType") or "TRANSACTIONAL",
            **_optional(props, "DeletionProtectionEnabled"),
        )
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
            with self._lock:
                if arn is None:
                    return str(self._ram().create_share(stack.account, stack.region, *arguments))
                self._ram().update_share(arn, *arguments)
                return arn
        except RamError as error:
            raise StackOperationError(logical_id, str(error)) from None

    def _apply_iam(self, stack: Stack, kind: str, physical: str, props: Any) -> Deployed:
        """Write what ``kind`` grants to the IAM model; a role's physical id is its name."""
        iam = self.iam()
        partition = partition_of(stack.region)[0]
        attributes: dict[str, Any] = {}
        if kind == IAM_ROLE:
            name = props.get("RoleName") or physical[:64]
            arn = role_arn(partition, stack.account, name)
            attributes = {"Arn": arn, "RoleId": "AROA" + _suffix()}
            for inline in props.get("Policies") or []:
                if iam is not None:
                    iam.put_role_policy(arn, inline["PolicyName"], inline["PolicyDocument"])
            return Deployed(kind, name, props, attributes)
        if iam is not None:
            for role, name, document in _role_policies(partition, stack.account, kind, props, physical):
                iam.put_role_policy(role, name, document)
            if kind == LAMBDA_FUNCTION and props.get("Role"):
                iam.bind(stack.stack_id, props["Role"])
        arn = f"arn:{partition}:lambda:{stack.region}:{stack.account}:function:{physical}"
        return Deployed(kind, physical, props, {"Arn": arn} if kind == LAMBDA_FUNCTION else {})

    def _remove_iam(self, stack: Stack, deployed: Deployed) -> None:
        iam = self.iam()
        if iam is None:
            return
        partition = partition_of(stack.region)[0]
        if deployed.type == IAM_ROLE:
            arn = role_arn(partition, stack.account, deployed.physical_id)
            for inline in deployed.properties.get("Policies") or []:
                iam.delete_role_policy(arn, inline["PolicyName"])
            return
        for role, name, _ in _role_policies(
            partition, stack.account, deployed.type, deployed.properties, deployed.physical_id
        ):
            iam.delete_role_policy(role, name)

    def _ram(self) -> Any:
        ram = self.ram()
        if ram is None:
            raise AssertionError("this driver was built without the emulator's RAM model (ram=emulator.state.ram)")
        return ram


def replaces(kind: str, region: str, old: Any, new: Any) -> bool:
    """Whether CloudFormation replaces a ``kind`` resource whose properties change from ``old`` to ``new``."""
    return any(_at(old, path) != _at(new, path) for path in _create_only(kind, region))


@functools.cache
def _create_only(kind: str, region: str) -> tuple[tuple[str, ...], ...]:
    """The property paths of ``kind`` that only a replacement can change, from its registry schema."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region=region, resource_type=kind).schema
    except (ResourceNotFoundError, KeyError):  # a type or region cfn-lint does not list there
        if region == "us-east-1":
            return ()
        return _create_only(kind, "us-east-1")
    pointers = schema.get("createOnlyProperties") or []
    return tuple(tuple(pointer.split("/")[2:]) for pointer in pointers if pointer.startswith("/properties/"))


def _at(properties: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(properties, dict):
            return None
        properties = properties.get(key)
    return properties


def _role_policies(partition: str, account: str, kind: str, props: Any, physical: str) -> list[tuple[str, str, Any]]:
    """(role ARN, policy name, document) for each role an IAM policy resource attaches to (a
    managed policy under its ARN)."""
    if kind in (IAM_POLICY, IAM_MANAGED_POLICY):
        roles = props.get("Roles") or []
    elif kind == IAM_ROLE_POLICY:
        roles = [props["RoleName"]]
    else:
        return []
    name = physical if kind == IAM_MANAGED_POLICY else props["PolicyName"]
    return [(role_arn(partition, account, role), name, props["PolicyDocument"]) for role in roles]


def _suffix() -> str:
    """Like the suffix of the names CloudFormation generates."""
    return uuid.uuid4().hex[:12].upper()


def _handler_message(error: ClientError) -> str:
    """How CloudFormation shows a resource handler's error in the stack events."""
    details = error.response.get("Error", {})
    return f'Resource handler returned message: "{details.get("Message", "")} (Error Code: {details.get("Code")})"'


def _optional(props: dict[str, Any], *names: str) -> dict[str, Any]:
    """The template's values for request fields the service takes at creation (the emulator
    enforces deletion protection: a protected resource must refuse the stack's delete)."""
    return {name: props[name] for name in names if name in props}
