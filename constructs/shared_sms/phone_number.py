"""Phone numbers."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_smsvoice as smsvoice
from constructs import Construct

from .base import SmsResourceBase, arn_parts, environment_of, finish_import
from .opt_out_list import OptOutListBase
from .resource_types import PHONE_NUMBER


class PhoneNumberBase(SmsResourceBase):
    """A phone number, created here or imported."""

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
    def resource_arn(self) -> str:
        return self._arn


class PhoneNumber(PhoneNumberBase):
    """A phone number requested through CloudFormation (``AWS::SMSVOICE::PhoneNumber``).

    Numbers that need registration are usually bought outside CloudFormation:
    import those with ``PhoneNumber.from_phone_number_arn``.

    :param iso_country_code: two-letter country code, e.g. ``US``.
    :param number_type: ``LONG_CODE``, ``TOLL_FREE``, ``TEN_DLC``, ``SHORT_CODE`` or ``SIMULATOR``.
    :param number_capabilities: any of ``SMS``, ``VOICE``, ``MMS``.
    :param help_message: the reply to HELP (a mandatory keyword).
    :param stop_message: the reply to STOP (a mandatory keyword).
    :param opt_out_list: the opt-out list to use. Default: the account's default list.
    :param deletion_protection: refuse ``ReleasePhoneNumber`` while on. Default: off.
    :param removal_policy: default ``RETAIN_ON_UPDATE_OR_DELETE`` (``RetainExceptOnCreate``): a released
        number is gone for good, but one requested by a deployment that failed and rolled back is
        released rather than left behind unmanaged (and billed).
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
        opt_out_list: OptOutListBase | None = None,
        deletion_protection: bool | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    ) -> None:
        super().__init__(scope, id)
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
            opt_out_list_name=opt_out_list.association_reference if opt_out_list else None,
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
