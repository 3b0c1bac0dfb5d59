"""What a ``SharedResourceCheck`` answers, per type: the scalar fields of the type's
``Describe*`` entry (lists, structures and timestamps are not attributes), as the function's
``check_shared`` returns them (booleans as ``"true"``/``"false"``).

A field the API always returns has a typed property here (``PoolCheckAttributes.status``);
the optional ones (``PoolId`` of a number in no pool, ``TwoWayChannelArn``...) are only
``check.attribute(name)``, with a warning: the deployment fails when the owner's entry lacks it.
"""

from __future__ import annotations

from typing import ClassVar, Protocol


class _Attributed(Protocol):
    """What these classes read a check through (``SharedResourceCheck``, which imports this module)."""

    def attribute(self, name: str) -> str: ...

CHECK_ATTRIBUTE_OPTIONAL_WARNING = "shared-sms:check-attribute-optional"


class CheckAttributes:
    """The attributes of one type's check; see the subclasses."""

    operation: ClassVar[str]
    """The Describe call the check lists with."""
    noun: ClassVar[str]
    always: ClassVar[tuple[str, ...]]
    """Fields every entry has."""
    optional: ClassVar[tuple[str, ...]]
    """Fields an entry may lack."""

    def __init__(self, check: _Attributed) -> None:
        self._check = check

    def _get(self, name: str) -> str:
        return self._check.attribute(name)


class PoolCheckAttributes(CheckAttributes):
    """A shared pool (``DescribePools``)."""

    noun = "pool"
    operation = "DescribePools"
    always = (
        "PoolArn",
        "PoolId",
        "Status",
        "MessageType",
        "TwoWayEnabled",
        "SelfManagedOptOutsEnabled",
        "OptOutListName",
        "SharedRoutesEnabled",
        "DeletionProtectionEnabled",
    )
    optional = ("TwoWayChannelArn", "TwoWayChannelRole")

    @property
    def pool_arn(self) -> str:
        return self._get("PoolArn")

    @property
    def pool_id(self) -> str:
        return self._get("PoolId")

    @property
    def status(self) -> str:
        """``CREATING``, ``ACTIVE`` or ``DELETED``."""
        return self._get("Status")

    @property
    def message_type(self) -> str:
        """``TRANSACTIONAL`` or ``PROMOTIONAL``."""
        return self._get("MessageType")

    @property
    def two_way_enabled(self) -> str:
        return self._get("TwoWayEnabled")

    @property
    def self_managed_opt_outs_enabled(self) -> str:
        return self._get("SelfManagedOptOutsEnabled")

    @property
    def opt_out_list_name(self) -> str:
        return self._get("OptOutListName")

    @property
    def shared_routes_enabled(self) -> str:
        return self._get("SharedRoutesEnabled")

    @property
    def deletion_protection_enabled(self) -> str:
        return self._get("DeletionProtectionEnabled")


class PhoneNumberCheckAttributes(CheckAttributes):
    """A shared phone number (``DescribePhoneNumbers``)."""

    noun = "phone number"
    operation = "DescribePhoneNumbers"
    always = (
        "PhoneNumberArn",
        "PhoneNumber",
        "Status",
        "IsoCountryCode",
        "MessageType",
        "NumberType",
        "MonthlyLeasingPrice",
        "TwoWayEnabled",
        "SelfManagedOptOutsEnabled",
        "OptOutListName",
        "DeletionProtectionEnabled",
    )
    optional = (
        "PhoneNumberId",
        "TwoWayChannelArn",
        "TwoWayChannelRole",
        "InternationalSendingEnabled",
        "PoolId",
        "RegistrationId",
        "PricingTier",
    )

    @property
    def phone_number_arn(self) -> str:
        return self._get("PhoneNumberArn")

    @property
    def phone_number(self) -> str:
        """The number in E.164 format."""
        return self._get("PhoneNumber")

    @property
    def status(self) -> str:
        """``PENDING``, ``ACTIVE``, ``ASSOCIATING``, ``DISASSOCIATING`` or ``DELETED``."""
        return self._get("Status")

    @property
    def iso_country_code(self) -> str:
        return self._get("IsoCountryCode")

    @property
    def message_type(self) -> str:
        return self._get("MessageType")

    @property
    def number_type(self) -> str:
        return self._get("NumberType")

    @property
    def monthly_leasing_price(self) -> str:
        return self._get("MonthlyLeasingPrice")

    @property
    def two_way_enabled(self) -> str:
        return self._get("TwoWayEnabled")

    @property
    def self_managed_opt_outs_enabled(self) -> str:
        return self._get("SelfManagedOptOutsEnabled")

    @property
    def opt_out_list_name(self) -> str:
        return self._get("OptOutListName")

    @property
    def deletion_protection_enabled(self) -> str:
        return self._get("DeletionProtectionEnabled")


class SenderIdCheckAttributes(CheckAttributes):
    """A shared sender ID (``DescribeSenderIds``): no ``Status``."""

    noun = "sender id"
    operation = "DescribeSenderIds"
    always = (
        "SenderIdArn",
        "SenderId",
        "IsoCountryCode",
        "MonthlyLeasingPrice",
        "DeletionProtectionEnabled",
        "Registered",
    )
    optional = ("RegistrationId", "PricingTier")

    @property
    def sender_id_arn(self) -> str:
        return self._get("SenderIdArn")

    @property
    def sender_id(self) -> str:
        return self._get("SenderId")

    @property
    def iso_country_code(self) -> str:
        return self._get("IsoCountryCode")

    @property
    def monthly_leasing_price(self) -> str:
        return self._get("MonthlyLeasingPrice")

    @property
    def deletion_protection_enabled(self) -> str:
        return self._get("DeletionProtectionEnabled")

    @property
    def registered(self) -> str:
        """Whether the sender ID is registered (``"true"``/``"false"``)."""
        return self._get("Registered")


class OptOutListCheckAttributes(CheckAttributes):
    """A shared opt-out list (``DescribeOptOutLists``): its ARN and name only, no ``Status``."""

    noun = "opt-out list"
    operation = "DescribeOptOutLists"
    always = ("OptOutListArn", "OptOutListName")
    optional = ()

    @property
    def opt_out_list_arn(self) -> str:
        return self._get("OptOutListArn")

    @property
    def opt_out_list_name(self) -> str:
        return self._get("OptOutListName")


BY_TYPE: dict[str, type[CheckAttributes]] = {
    "pool": PoolCheckAttributes,
    "phone-number": PhoneNumberCheckAttributes,
    "sender-id": SenderIdCheckAttributes,
    "opt-out-list": OptOutListCheckAttributes,
}


def attribute_problem(type_name: str, noun: str, name: str) -> str | None:
    """Why a check of ``type_name`` cannot answer ``name``, or None."""
    attributes = BY_TYPE[type_name]
    if name in attributes.always or name in attributes.optional:
        return None
    hint = (
        f"; {attributes.operation} returns no Status: read another attribute ({', '.join(attributes.always)})"
        if name == "Status"
        else ""
    )
    article = "an" if noun[0] in "aeiou" else "a"
    return (
        f"the check of {article} {noun} has no attribute {name!r}: {attributes.operation} entries have "
        f"{', '.join(attributes.always + attributes.optional)}{hint}"
    )
