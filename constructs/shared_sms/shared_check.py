"""``SharedResourceCheck``: fail a consumer's deployment until the owner has shared the ARN."""

from __future__ import annotations

from aws_cdk import CfnResource
from constructs import Construct

from .ownership import THIS
from .policy_function import SERVICE_TIMEOUT_S, PolicyFunction
from .shareable import Shareable
from .stack_facts import StackFacts

RESOURCE_TYPE = "Custom::SmsSharedResourceCheck"


class SharedResourceCheck(Construct):
    """Checks at deploy time that ``resource`` (owned by another account) is shared with
    the deploying account, through ``Describe*`` with ``Owner="SHARED"``.

    The deployment fails with a message naming the owner account until it is. On
    success, ``attribute(name)`` reads what the owner shares, by the Describe* field
    name: ``Status``, ``MessageType``, ``TwoWayEnabled``, ``OptOutListName``...
    (booleans as ``"true"``/``"false"``). Deleting the check changes nothing.

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
        """A field of the owner's Describe* entry, e.g. ``Status`` or ``MessageType``."""
        return self._resource.get_att(name).to_string()

    @property
    def attr_status(self) -> str:
        """``ACTIVE`` and so on (pools and phone numbers)."""
        return self.attribute("Status")
