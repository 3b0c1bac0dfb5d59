"""Phone numbers."""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from aws_cdk import RemovalPolicy
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk.interfaces.aws_smsvoice import IOptOutListRef, IPhoneNumberRef, PhoneNumberReference
from constructs import Construct

from .base import (
    SmsResourceBase,
    arn_parts,
    check_reference,
    environment_of,
    environment_of_reference,
    finish_import,
)
from .cfn_property_checks import KEYWORD_NAMES, check_properties
from .opt_out_list import OptOutListBase, association_reference_of
from .resource_types import PHONE_NUMBER


@jsii.implements(IPhoneNumberRef)
class PhoneNumberBase(SmsResourceBase):
    """A phone number, created here or imported; CDK's ``IPhoneNumberRef``, so it goes where CDK
    takes one (``CfnPhoneNumber.arn_for_phone_number``...)."""

    resource_type = PHONE_NUMBER
    _importer = "PhoneNumber.from_phone_number_arn"
    _arn: str
    _id: str

    @property
    def phone_number_arn(self) -> str:
        return self._arn

    @property
    def phone_number_id(self) -> str:
        return self._id

    @property
    def phone_number_ref(self) -> PhoneNumberReference:
        """CDK's reference to this number (``IPhoneNumberRef``)."""
        return PhoneNumberReference(phone_number_arn=self._arn, phone_number_id=self._id)

    @property
    def resource_arn(self) -> str:
        return self._arn


class PhoneNumber(PhoneNumberBase):
    """A phone number requested through CloudFormation (``AWS::SMSVOICE::PhoneNumber``).

    Numbers that need registration are usually bought outside CloudFormation:
    import those with ``PhoneNumber.from_phone_number_arn``.

    :param iso_country_code: two-letter country code, e.g. ``US``.
    :param number_type: ``LONG_CODE``, ``TOLL_FREE``, ``TEN_DLC`` or ``SIMULATOR`` (what
        CloudFormation accepts; short codes are requested in the console, then imported by ARN).
    :param number_capabilities: any of ``SMS``, ``VOICE``, ``MMS``.
    :param help_message: the reply to HELP (a mandatory keyword).
    :param stop_message: the reply to STOP (a mandatory keyword).
    :param opt_out_list: the opt-out list to use (an ``OptOutList``, an import, or a CDK
        ``IOptOutListRef`` such as a ``CfnOptOutList``). Default: the account's default list.
    :param deletion_protection: refuse ``ReleasePhoneNumber`` while on. Default: off.
    :param removal_policy: default ``RETAIN_ON_UPDATE_OR_DELETE`` (``RetainExceptOnCreate``): a released
        number is gone for good, but one requested by a deployment that failed and rolled back is
        released rather than left behind unmanaged (and billed). After ``cdk destroy`` the number
        stays in the account (billed, in no pool once its ``Pool`` went with the stack); deploying
        the app again requests a new number, and importing the kept one by ARN
        (``from_phone_number_arn``) pools and shares it again. Release it yourself
        (``aws pinpoint-sms-voice-v2 release-phone-number``) when it is no longer wanted.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        iso_country_code: str,
        number_type: str,
        number_capabilities: Sequence[str],
        help_message: str,
        stop_message: str,
        opt_out_list: OptOutListBase | IOptOutListRef | None = None,
        deletion_protection: bool | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    ) -> None:
        super().__init__(scope, id)
        check_properties(
            self,
            "AWS::SMSVOICE::PhoneNumber",
            {
                "IsoCountryCode": iso_country_code,
                "NumberType": number_type,
                "NumberCapabilities": list(number_capabilities),
                "MandatoryKeywords": {"HELP": {"Message": help_message}, "STOP": {"Message": stop_message}},
                "OptOutListName": association_reference_of(opt_out_list),
            },
            KEYWORD_NAMES
            | {
                "IsoCountryCode": "iso_country_code",
                "NumberType": "number_type",
                "NumberCapabilities": "number_capabilities",
                "OptOutListName": "opt_out_list",
            },
        )
        resource = smsvoice.CfnPhoneNumber(
            self,
            "Resource",
            iso_country_code=iso_country_code,
            number_type=number_type,
            number_capabilities=list(number_capabilities),
            mandatory_keywords=smsvoice.CfnPhoneNumber.MandatoryKeywordsProperty(
                help=smsvoice.CfnPhoneNumber.MandatoryKeywordProperty(message=help_message),
                stop=smsvoice.CfnPhoneNumber.MandatoryKeywordProperty(message=stop_message),
            ),
            opt_out_list_name=association_reference_of(opt_out_list),
            deletion_protection_enabled=deletion_protection,
        )
        resource.apply_removal_policy(removal_policy)
        self._arn, self._id = resource.attr_arn, resource.attr_phone_number_id
        self.phone_number = resource.attr_phone_number
        """The number in E.164 format, e.g. ``+12065550100``."""

    @classmethod
    def from_phone_number_arn(
        cls, scope: Construct, id: str, phone_number_arn: str, *, verify_shared: bool = False, owned: bool | None = None
    ) -> PhoneNumberBase:
        """Import a phone number by ARN (``...:phone-number/${PhoneNumberId}``).

        :param verify_shared: add a ``SharedResourceCheck`` (an ARN another account shares with you).
        :param owned: whether this stack's account owns the resource. Default: read from the
            ARN; needed when the ARN or the stack's account is only known at deploy time and
            this stack should write the resource's policy.
        """
        (phone_number_id,) = arn_parts(scope, phone_number_arn, PHONE_NUMBER)
        imported = PhoneNumberBase(scope, id, **environment_of(phone_number_arn))
        imported._arn, imported._id = phone_number_arn, phone_number_id
        return finish_import(imported, scope=scope, verify_shared=verify_shared, owned=owned)

    @classmethod
    def from_phone_number_ref(
        cls,
        scope: Construct,
        id: str,
        phone_number: IPhoneNumberRef,
        *,
        verify_shared: bool = False,
        owned: bool | None = None,
    ) -> PhoneNumberBase:
        """Import a phone number that CDK references: a ``CfnPhoneNumber`` of this app, what
        ``CfnPhoneNumber.from_phone_number_arn`` or ``from_phone_number_id`` returns, or any
        other ``IPhoneNumberRef``, to share it or grant on it.

        Whose number it is comes from the reference's ``env.account`` where it and the stack's
        account are known (a ``CfnPhoneNumber`` is its stack's), else from its ARN as for
        ``from_phone_number_arn``.

        :param verify_shared: add a ``SharedResourceCheck`` (a number another account shares with you).
        :param owned: whether this stack's account owns the resource. Default: from the reference.
        """
        importer = "PhoneNumber.from_phone_number_ref"
        ref: PhoneNumberReference = check_reference(phone_number, "phone_number_ref", "IPhoneNumberRef", importer)
        arn_parts(scope, ref.phone_number_arn, PHONE_NUMBER)  # a literal ARN is checked now
        imported = PhoneNumberBase(scope, id, **environment_of_reference(phone_number))
        imported._arn, imported._id = ref.phone_number_arn, ref.phone_number_id
        return finish_import(
            imported, scope=scope, verify_shared=verify_shared, owned=owned, reference=phone_number, importer=importer
        )
