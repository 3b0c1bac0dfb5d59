"""Sender IDs."""

from __future__ import annotations

import jsii
from aws_cdk import RemovalPolicy
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk.interfaces.aws_smsvoice import ISenderIdRef, SenderIdReference
from constructs import Construct

from .base import (
    SmsResourceBase,
    arn_parts,
    check_reference,
    environment_of,
    environment_of_reference,
    finish_import,
)
from .cfn_property_checks import check_properties
from .resource_types import SENDER_ID


@jsii.implements(ISenderIdRef)
class SenderIdBase(SmsResourceBase):
    """A sender ID, created here or imported; CDK's ``ISenderIdRef``."""

    resource_type = SENDER_ID
    _importer = "SenderId.from_sender_id_arn"
    _arn: str
    _sender_id: str
    _country: str

    @property
    def sender_id_arn(self) -> str:
        return self._arn

    @property
    def sender_id(self) -> str:
        return self._sender_id

    @property
    def iso_country_code(self) -> str:
        return self._country

    @property
    def sender_id_ref(self) -> SenderIdReference:
        """CDK's reference to this sender ID (``ISenderIdRef``)."""
        return SenderIdReference(sender_id_arn=self._arn, sender_id=self._sender_id, iso_country_code=self._country)

    @property
    def resource_arn(self) -> str:
        return self._arn


class SenderId(SenderIdBase):
    """A sender ID (``AWS::SMSVOICE::SenderId``), registered for one country.

    :param sender_id: the alphanumeric sender ID, e.g. ``MYBRAND`` (upper case letters, digits,
        ``_`` and ``-``, as CloudFormation's schema requires).
    :param iso_country_code: two-letter country code, e.g. ``GB``.
    :param deletion_protection: refuse ``ReleaseSenderId`` while on. Default: off.
    :param removal_policy: default ``RETAIN_ON_UPDATE_OR_DELETE`` (``RetainExceptOnCreate``): a released
        sender ID may be hard to get back, but one requested by a deployment that failed and rolled
        back is released (a retry would find its name taken).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        sender_id: str,
        iso_country_code: str,
        deletion_protection: bool | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    ) -> None:
        super().__init__(scope, id)
        check_properties(
            self,
            "AWS::SMSVOICE::SenderId",
            {"SenderId": sender_id, "IsoCountryCode": iso_country_code},
            {"SenderId": "sender_id", "IsoCountryCode": "iso_country_code"},
        )
        resource = smsvoice.CfnSenderId(
            self,
            "Resource",
            sender_id=sender_id,
            iso_country_code=iso_country_code,
            deletion_protection_enabled=deletion_protection,
        )
        resource.apply_removal_policy(removal_policy)
        self._arn, self._sender_id, self._country = resource.attr_arn, sender_id, iso_country_code

    @classmethod
    def from_sender_id_arn(
        cls, scope: Construct, id: str, sender_id_arn: str, *, verify_shared: bool = False, owned: bool | None = None
    ) -> SenderIdBase:
        """Import a sender ID by ARN (``...:sender-id/${SenderId}/${IsoCountryCode}``).

        :param verify_shared: add a ``SharedResourceCheck`` (an ARN another account shares with you).
        :param owned: whether this stack's account owns the resource. Default: read from the
            ARN; needed when the ARN or the stack's account is only known at deploy time and
            this stack should write the resource's policy.
        """
        sender_id, country = arn_parts(scope, sender_id_arn, SENDER_ID)
        imported = SenderIdBase(scope, id, **environment_of(sender_id_arn))
        imported._arn, imported._sender_id, imported._country = sender_id_arn, sender_id, country
        return finish_import(imported, scope=scope, verify_shared=verify_shared, owned=owned)

    @classmethod
    def from_sender_id_ref(
        cls,
        scope: Construct,
        id: str,
        sender_id: ISenderIdRef,
        *,
        verify_shared: bool = False,
        owned: bool | None = None,
    ) -> SenderIdBase:
        """Import a sender ID that CDK references: a ``CfnSenderId`` of this app, or any other
        ``ISenderIdRef``. Whose sender ID it is comes from the reference's ``env.account``
        where known (see ``PhoneNumber.from_phone_number_ref``).

        :param verify_shared: add a ``SharedResourceCheck`` (a sender ID another account shares with you).
        :param owned: whether this stack's account owns the resource. Default: from the reference.
        """
        importer = "SenderId.from_sender_id_ref"
        ref: SenderIdReference = check_reference(sender_id, "sender_id_ref", "ISenderIdRef", importer)
        arn_parts(scope, ref.sender_id_arn, SENDER_ID)  # a literal ARN is checked now
        imported = SenderIdBase(scope, id, **environment_of_reference(sender_id))
        imported._arn, imported._sender_id, imported._country = ref.sender_id_arn, ref.sender_id, ref.iso_country_code
        return finish_import(
            imported, scope=scope, verify_shared=verify_shared, owned=owned, reference=sender_id, importer=importer
        )
