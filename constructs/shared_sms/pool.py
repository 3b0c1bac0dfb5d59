"""Pools of origination identities."""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import Annotations, RemovalPolicy
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk.interfaces.aws_smsvoice import IOptOutListRef, IPhoneNumberRef, IPoolRef, ISenderIdRef, PoolReference
from constructs import Construct, IConstruct, IValidation

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
from .ownership import LOOKUP_PLACEHOLDER, created_resource_of
from .phone_number import PhoneNumber, PhoneNumberBase
from .resource_policy import ResourcePolicy
from .resource_share import shared_through_ram
from .resource_types import POOL
from .sender_id import SenderId, SenderIdBase
from .tokens import is_unresolved

# app -> phone number (a literal ARN, or the path of the resource that creates it) -> its pool
_POOLED: weakref.WeakKeyDictionary[IConstruct, dict[str, Construct]] = weakref.WeakKeyDictionary()


@jsii.implements(IPoolRef)
class PoolBase(SmsResourceBase):
    """A pool, created here or imported; CDK's ``IPoolRef``."""

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
    def pool_ref(self) -> PoolReference:
        """CDK's reference to this pool (``IPoolRef``)."""
        return PoolReference(pool_arn=self._arn, pool_id=self._id)

    @property
    def resource_arn(self) -> str:
        return self._arn


class Pool(PoolBase):
    """A pool (``AWS::SMSVOICE::Pool``) of phone numbers and sender IDs.

    Sharing a pool lets consumers view it; its numbers must be shared separately.

    :param origination_identities: the phone numbers and sender IDs in the pool (at least one):
        this library's, or CDK references (a ``CfnPhoneNumber``, ``CfnSenderId``, any
        ``IPhoneNumberRef`` or ``ISenderIdRef``), imported as ``OriginationIdentity<n>`` children.
    :param help_message: the reply to HELP (a mandatory keyword).
    :param stop_message: the reply to STOP (a mandatory keyword).
    :param opt_out_list: the pool's opt-out list (also an ``IOptOutListRef``). Default: the account's
        default list.
    :param self_managed_opt_outs: you handle STOP yourself. Default: off.
    :param shared_routes: use shared routes where dedicated ones are missing. Default: off.
    :param deletion_protection: refuse ``DeletePool`` while on. Default: off.
    :param removal_policy: default ``DESTROY``: a pool holds no data (its numbers, sender IDs and
        opt-out list are resources of their own, with their own removal policies, and its keywords are
        in this code), while a pool left behind keeps its phone numbers, and a number is in at most
        one pool: after ``cdk destroy`` a retained pool would make the next ``cdk deploy`` of the
        same app fail on CreatePool, and the numbers could be neither pooled nor released until it
        was deleted by hand. Deleting the pool frees its members; ``deletion_protection=True`` makes
        the deletion fail instead. Pass another policy to keep the pool.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        origination_identities: Sequence[PhoneNumberBase | SenderIdBase | IPhoneNumberRef | ISenderIdRef],
        help_message: str,
        stop_message: str,
        opt_out_list: OptOutListBase | IOptOutListRef | None = None,
        self_managed_opt_outs: bool | None = None,
        shared_routes: bool | None = None,
        deletion_protection: bool | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, id)
        if not origination_identities:
            raise ValueError(f"{self.node.path}: a pool needs at least one phone number or sender id")
        self.origination_identities = tuple(self._identity(i, x) for i, x in enumerate(origination_identities))
        check_properties(
            self,
            "AWS::SMSVOICE::Pool",
            {
                "OriginationIdentities": [identity.resource_arn for identity in self.origination_identities],
                "MandatoryKeywords": {"HELP": {"Message": help_message}, "STOP": {"Message": stop_message}},
                "OptOutListName": association_reference_of(opt_out_list),
            },
            KEYWORD_NAMES | {"OriginationIdentities": "origination_identities", "OptOutListName": "opt_out_list"},
        )
        self._claim_numbers()
        resource = smsvoice.CfnPool(
            self,
            "Resource",
            origination_identities=[identity.resource_arn for identity in self.origination_identities],
            mandatory_keywords=smsvoice.CfnPool.MandatoryKeywordsProperty(
                help=smsvoice.CfnPool.MandatoryKeywordProperty(message=help_message),
                stop=smsvoice.CfnPool.MandatoryKeywordProperty(message=stop_message),
            ),
            opt_out_list_name=association_reference_of(opt_out_list),
            self_managed_opt_outs_enabled=self_managed_opt_outs,
            shared_routes_enabled=shared_routes,
            deletion_protection_enabled=deletion_protection,
        )
        resource.apply_removal_policy(removal_policy)
        self._arn, self._id = resource.attr_arn, resource.attr_pool_id
        self.node.add_validation(_PoolValidation(self))

    def _claim_numbers(self) -> None:
        """A phone number is in at most one pool (CreatePool refuses one that already is): a
        number of this app given to two pools of the app fails here, not at deploy time."""
        pooled = _POOLED.setdefault(self.node.root, {})
        for identity in self.origination_identities:
            if not isinstance(identity, PhoneNumberBase):
                continue  # a sender ID may be in several pools
            arn = identity.resource_arn
            if arn.startswith(LOOKUP_PLACEHOLDER):
                continue  # not looked up yet
            created = created_resource_of(arn)
            key = f"created:{created.node.path}" if created is not None else arn
            other = pooled.setdefault(key, self)
            if other is not self:
                number = identity.node.path if is_unresolved(arn) else f"{identity.node.path} ({arn})"
                raise ValueError(
                    f"{self.node.path}: phone number {number} is already in pool {other.node.path}; a number is "
                    "in at most one pool, so the deployment would fail on CreatePool: give it to one pool only"
                )

    def _unshared_identities(self) -> list[str]:
        """The pool's numbers and sender IDs that some principal of the pool's policy (an Allow
        statement's principal and conditions) is not given by their own policy or a RAM share."""
        policy = ResourcePolicy.existing_for(self)
        wanted = _grantees(policy) if policy is not None else set()
        missing = []
        for identity in self.origination_identities if wanted else ():
            theirs = ResourcePolicy.existing_for(identity)
            given = _grantees(theirs) if theirs is not None else set()
            if not all(_covered(g, given, identity) for g in wanted):
                missing.append(identity.node.path)
        return missing

    def _identity(
        self, index: int, identity: PhoneNumberBase | SenderIdBase | IPhoneNumberRef | ISenderIdRef
    ) -> PhoneNumberBase | SenderIdBase:
        """This library's resource for an origination identity (a CDK reference imported)."""
        if isinstance(identity, PhoneNumberBase | SenderIdBase):
            return identity
        id = f"OriginationIdentity{index}"
        if hasattr(identity, "phone_number_ref"):
            return PhoneNumber.from_phone_number_ref(self, id, identity)  # type: ignore[arg-type]
        if hasattr(identity, "sender_id_ref"):
            return SenderId.from_sender_id_ref(self, id, identity)
        raise TypeError(
            f"{self.node.path}: an origination identity is a phone number or a sender ID (this library's, "
            f"or an IPhoneNumberRef or ISenderIdRef such as a CfnPhoneNumber), not {type(identity).__name__}"
        )

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

    @classmethod
    def from_pool_ref(
        cls, scope: Construct, id: str, pool: IPoolRef, *, verify_shared: bool = False, owned: bool | None = None
    ) -> PoolBase:
        """Import a pool that CDK references: a ``CfnPool`` of this app, what
        ``CfnPool.from_pool_arn`` or ``from_pool_id`` returns, or any other ``IPoolRef``.
        Whose pool it is comes from the reference's ``env.account`` where known (see
        ``PhoneNumber.from_phone_number_ref``).

        :param verify_shared: add a ``SharedResourceCheck`` (a pool another account shares with you).
        :param owned: whether this stack's account owns the resource. Default: from the reference.
        """
        importer = "Pool.from_pool_ref"
        ref: PoolReference = check_reference(pool, "pool_ref", "IPoolRef", importer)
        arn_parts(scope, ref.pool_arn, POOL)  # a literal ARN is checked now
        imported = PoolBase(scope, id, **environment_of_reference(pool))
        imported._arn, imported._id = ref.pool_arn, ref.pool_id
        return finish_import(
            imported, scope=scope, verify_shared=verify_shared, owned=owned, reference=pool, importer=importer
        )


@jsii.implements(IValidation)
class _PoolValidation:
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    def validate(self) -> list[str]:
        missing = self._pool._unshared_identities()
        if missing:
            # The RAM path's warning (ResourceShare), for a pool shared through its policy.
            Annotations.of(self._pool).add_warning_v2(
                "shared-sms:pool-identities-not-shared",
                f"pool {self._pool.node.path} is shared but its origination identities {', '.join(missing)} "
                "are not shared with the same principals; consumers see the pool but cannot send "
                "through them: share them too (share_with, allow_service or add_to_resource_policy on each, "
                "with the same principals)",
            )
        return []


def _grantees(policy: ResourcePolicy) -> set[tuple[str, str, str]]:
    """``(principal kind, principal, conditions)`` of every Allow statement of ``policy``; an
    account's root ARN is its account id, as IAM treats them."""
    rendered: Any = policy._rendered() or {}
    found = set()
    for statement in rendered.get("Statement", []) if isinstance(rendered, dict) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        conditions = json.dumps(statement.get("Condition"), sort_keys=True)
        if principal == "*":
            found.add(("*", "*", conditions))
            continue
        for kind, values in principal.items() if isinstance(principal, dict) else ():
            for value in values if isinstance(values, list) else [values]:
                found.add((kind, _account_of(value), conditions))
    return found


def _covered(
    grantee: tuple[str, str, str], given: set[tuple[str, str, str]], identity: PhoneNumberBase | SenderIdBase
) -> bool:
    """Whether ``grantee`` of the pool's policy is given ``identity`` too: by the same principal and
    conditions in its policy, by its account's (an IAM role or user of that account), or by a RAM
    share of the identity's stack to that account."""
    kind, principal, conditions = grantee
    if grantee in given:
        return True
    if kind != "AWS":
        return False
    fields = principal.split(":")
    account = fields[4] if len(fields) == 6 and fields[2] == "iam" else principal
    return (kind, account, conditions) in given or shared_through_ram(identity, account)


def _account_of(principal: Any) -> str:
    if not isinstance(principal, str):
        return json.dumps(principal, sort_keys=True)
    parts = principal.split(":")
    if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
        return parts[4]
    return principal
