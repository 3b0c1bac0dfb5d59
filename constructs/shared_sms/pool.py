"""Pools of origination identities."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_smsvoice as smsvoice
from constructs import Construct

from .base import SmsResourceBase, arn_parts, environment_of, finish_import
from .opt_out_list import OptOutListBase
from .phone_number import PhoneNumberBase
from .resource_types import POOL
from .sender_id import SenderIdBase


class PoolBase(SmsResourceBase):
    """A pool, created here or imported."""

    resource_type = POOL
    _importer = "Pool.from_pool_arn"
    _arn: str
    _id: str
    origination_identities: tuple[PhoneNumberBase | SenderIdBase, ...] = ()
    """The numbers and sender IDs in the pool, where this app knows them (a pool created here)."""

    @property
    def pool_arn(self) -> str:
        return self._arn

    @property
    def pool_id(self) -> str:
        return self._id

    @property
    def resource_arn(self) -> str:
        return self._arn


class Pool(PoolBase):
    """A pool (``AWS::SMSVOICE::Pool``) of phone numbers and sender IDs.

    Sharing a pool lets consumers view it; its numbers must be shared separately.

    :param origination_identities: the phone numbers and sender IDs in the pool (at least one).
    :param help_message: the reply to HELP (a mandatory keyword).
    :param stop_message: the reply to STOP (a mandatory keyword).
    :param opt_out_list: the pool's opt-out list. Default: the account's default list.
    :param self_managed_opt_outs: you handle STOP yourself. Default: off.
    :param shared_routes: use shared routes where dedicated ones are missing. Default: off.
    :param deletion_protection: refuse ``DeletePool`` while on. Default: off.
    :param removal_policy: default ``RETAIN_ON_UPDATE_OR_DELETE`` (``RetainExceptOnCreate``): kept on
        delete and replacement, deleted when the deployment that created it rolls back.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        origination_identities: Sequence[PhoneNumberBase | SenderIdBase],
        help_message: str,
        stop_message: str,
        opt_out_list: OptOutListBase | None = None,
        self_managed_opt_outs: bool | None = None,
        shared_routes: bool | None = None,
        deletion_protection: bool | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    ) -> None:
        super().__init__(scope, id)
        if not origination_identities:
            raise ValueError(f"{self.node.path}: a pool needs at least one phone number or sender id")
        self.origination_identities = tuple(origination_identities)
        resource = smsvoice.CfnPool(
            self,
            "Resource",
            origination_identities=[identity.resource_arn for identity in origination_identities],
            mandatory_keywords=smsvoice.CfnPool.MandatoryKeywordsProperty(
                help=smsvoice.CfnPool.MandatoryKeywordProperty(message=help_message),
                stop=smsvoice.CfnPool.MandatoryKeywordProperty(message=stop_message),
            ),
            opt_out_list_name=opt_out_list.association_reference if opt_out_list else None,
            self_managed_opt_outs_enabled=self_managed_opt_outs,
            shared_routes_enabled=shared_routes,
            deletion_protection_enabled=deletion_protection,
        )
        resource.apply_removal_policy(removal_policy)
        self._arn, self._id = resource.attr_arn, resource.attr_pool_id

    @classmethod
    def from_pool_arn(
        cls, scope: Construct, id: str, pool_arn: str, *, verify_shared: bool = False, owned: bool | None = None
    ) -> PoolBase:
        """Import a pool by ARN (``arn:${Partition}:sms-voice:${Region}:${Account}:pool/${PoolId}``).

        :param verify_shared: add a ``SharedResourceCheck`` (an ARN another account shares with you).
        :param owned: whether this stack's account owns the resource. Default: read from the
            ARN; needed when the ARN or the stack's account is only known at deploy time and
            this stack should write the resource's policy.
        """
        (pool_id,) = arn_parts(scope, pool_arn, POOL)
        imported = PoolBase(scope, id, **environment_of(pool_arn))
        imported._arn, imported._id = pool_arn, pool_id
        return finish_import(imported, scope=scope, verify_shared=verify_shared, owned=owned)
