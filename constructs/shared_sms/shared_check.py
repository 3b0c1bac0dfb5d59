"""``SharedResourceCheck``: fail a consumer's deployment until the owner has shared the ARN."""

from __future__ import annotations

from typing import TypeVar

from aws_cdk import Annotations, CfnResource
from constructs import Construct

from .check_attributes import (
    BY_TYPE,
    CHECK_ATTRIBUTE_OPTIONAL_WARNING,
    CheckAttributes,
    OptOutListCheckAttributes,
    PhoneNumberCheckAttributes,
    PoolCheckAttributes,
    SenderIdCheckAttributes,
    attribute_problem,
)
from .ownership import THIS
from .policy_function import SERVICE_TIMEOUT_S, PolicyFunction
from .shareable import Shareable
from .stack_facts import StackFacts
from .tokens import is_unresolved

RESOURCE_TYPE = "Custom::SmsSharedResourceCheck"


class SharedResourceCheck(Construct):
    """Checks at deploy time that ``resource`` (owned by another account) is shared with
    the deploying account, through ``Describe*`` with ``Owner="SHARED"``.

    The deployment fails with a message naming the owner account until it is. On
    success, ``attribute(name)`` reads what the owner shares, by the Describe* field
    name: ``Status``, ``MessageType``, ``TwoWayEnabled``, ``OptOutListName``...
    (booleans as ``"true"``/``"false"``). Deleting the check changes nothing.

    The function lists in the ARN's region (the service is regional), so a stack in
    us-west-2 may check a number of us-east-1; an ARN of another partition than the
    stack's fails synthesis, naming its region (no credentials of this stack reach it).

    :param resource: an imported pool, phone number, sender ID or opt-out list of another account.
    """

    def __init__(self, scope: Construct, id: str, *, resource: Shareable) -> None:
        super().__init__(scope, id)
        arn = resource.resource_arn
        if resource.ownership == THIS:
            raise ValueError(
                f"{self.node.path}: {resource.node.path} belongs to this stack's account "
                f"{StackFacts.of(self).account}; a shared-resource check is for resources other accounts share with you"
            )
        problem = partition_problem(StackFacts.of(self), arn)
        if problem is not None:
            raise ValueError(f"{self.node.path}: {problem}")
        function = PolicyFunction.of(self)
        function.register_check(resource.resource_type)
        self.resource = resource
        self._resource = CfnResource(
            self,
            "Resource",
            type=RESOURCE_TYPE,
            properties={
                "ServiceToken": function.service_token,
                "ServiceTimeout": SERVICE_TIMEOUT_S,
                "ResourceArn": arn,
            },
        )
        function.enqueue(self._resource)

    def attribute(self, name: str) -> str:
        """A scalar field of the owner's Describe* entry, e.g. ``Status`` or ``MessageType``;
        ValueError for a field the type's entry does not have (``check_attributes``)."""
        problem = attribute_problem(self.resource.resource_type.name, self.resource.resource_type.noun, name)
        if problem is not None:
            raise ValueError(f"{self.node.path}: {problem}")
        if name in BY_TYPE[self.resource.resource_type.name].optional:
            Annotations.of(self).add_warning_v2(
                CHECK_ATTRIBUTE_OPTIONAL_WARNING,
                f"{name} is only in the owner's entry when it is set: the deployment fails when it is not",
            )
        return self._resource.get_att(name).to_string()

    @property
    def attributes(self) -> CheckAttributes:
        """The type's attributes as properties (``PoolCheckAttributes``...); typed per type:
        ``pool_attributes``, ``phone_number_attributes``, ``sender_id_attributes``,
        ``opt_out_list_attributes``."""
        return BY_TYPE[self.resource.resource_type.name](self)

    @property
    def pool_attributes(self) -> PoolCheckAttributes:
        return self._typed(PoolCheckAttributes)

    @property
    def phone_number_attributes(self) -> PhoneNumberCheckAttributes:
        return self._typed(PhoneNumberCheckAttributes)

    @property
    def sender_id_attributes(self) -> SenderIdCheckAttributes:
        return self._typed(SenderIdCheckAttributes)

    @property
    def opt_out_list_attributes(self) -> OptOutListCheckAttributes:
        return self._typed(OptOutListCheckAttributes)

    def _typed(self, kind: type[_Attributes]) -> _Attributes:
        attributes = self.attributes
        if not isinstance(attributes, kind):
            raise ValueError(
                f"{self.node.path} checks a {self.resource.resource_type.noun}: {kind.__name__} are a "
                f"{kind.noun}'s; use check.attributes"
            )
        return attributes

    @property
    def attr_status(self) -> str:
        """``ACTIVE`` and so on: pools and phone numbers only (sender IDs and opt-out lists
        have no ``Status``: ValueError)."""
        return self.attribute("Status")


_Attributes = TypeVar("_Attributes", bound=CheckAttributes)


def partition_problem(facts: StackFacts, arn: str) -> str | None:
    """Why a check of ``arn`` can never pass from a stack with ``facts``: the function lists in
    the ARN's region with its own credentials, which work in any region of the stack's
    partition and in no other. None when it can pass, or when only the deploy knows."""
    fields = arn.split(":") if not is_unresolved(arn) else []
    if len(fields) < 6 or fields[0] != "arn" or facts.partition is None or fields[1] == facts.partition:
        return None
    return (
        f"{arn} is in region {fields[3]} of partition {fields[1]}, but the stack deploys to {facts.region} "
        f"({facts.partition}): the check lists in the ARN's region with the credentials of this stack's "
        f"function, which {fields[1]} does not accept; check it from a stack in {fields[1]}"
    )
