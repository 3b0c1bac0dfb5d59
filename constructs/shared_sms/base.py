"""``SmsResourceBase``: everything a shareable resource can do from its ARN alone."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import jsii
from aws_cdk import Annotations, Fn, Resource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.interfaces import IEnvironmentAware
from constructs import Construct

from .ownership import ANOTHER, LOOKUP_PLACEHOLDER, UNKNOWN, ownership_of
from .policy_checks import NOT_IN_REFERENCE_WARNING, not_in_reference_message
from .resource_policy import ResourcePolicy
from .resource_share import ResourceShare, check_organization_arn, check_ou_arn, default_share
from .resource_types import SERVICE_SEND_ACTIONS, SmsResourceType
from .shared_check import SharedResourceCheck
from .stack_facts import StackFacts, literal_principal, literal_values, stack_of
from .tokens import is_unresolved


@jsii.implements(iam.IResourceWithPolicy)
class SmsResourceBase(Resource):
    """Policy and grant methods shared by pools, phone numbers, sender IDs and opt-out lists,
    whether created in this stack or imported by ARN."""

    resource_type: ClassVar[SmsResourceType]
    _owner: str | None = None
    """'this' | 'another' | 'unknown': which account owns the resource (see ``ownership``)."""
    _reference_account: str | None = None
    """The account of the CDK reference (``IPhoneNumberRef``...) this was imported from, if any."""
    _importer: str = "the import"

    @property
    def resource_arn(self) -> str:
        raise NotImplementedError

    @property
    def own_stack(self) -> Stack:
        """``Stack.of(self)``, read once (every jsii read is a round trip to Node)."""
        stack: Stack | None = self.__dict__.get("_own_stack")
        if stack is None:
            stack = self.__dict__["_own_stack"] = Stack.of(self)
        return stack

    @property
    def ownership(self) -> str:
        """Whose resource this is, as far as synthesis can tell: ``this`` (created here, or an
        ARN in the stack's account), ``another`` (an ARN of another account) or ``unknown``
        (an ARN or a stack account known only at deploy time, unless ``owned=`` said so). An
        import of a CDK reference goes by the reference's ``env.account`` where it is known."""
        if self._owner is None:
            self._owner = ownership_of(self.own_stack, self.resource_arn, account=self._reference_account)
        return self._owner

    @property
    def owned_by_another_account(self) -> bool:
        """True when the ARN's account is known and differs from the stack's: its policy
        belongs to that account, so this stack can only grant its own principals."""
        return self.ownership == ANOTHER

    def add_to_resource_policy(self, statement: iam.PolicyStatement) -> iam.AddToResourcePolicyResult:
        """Add a statement to this resource's policy (one policy per ARN per stack).

        A statement without ``Resource`` gets this resource's ARN. On a resource owned
        by another account nothing is added and a warning explains why. When the owner
        is unknown at synth time, the policy must be asked for explicitly (``owned=True``
        on the import, or a ``ResourcePolicy`` of your own), else this raises.
        """
        policy = self._writable_policy()
        if policy is None:
            return iam.AddToResourcePolicyResult(statement_added=False)
        policy.add_statements(statement)
        return iam.AddToResourcePolicyResult(statement_added=True, policy_dependable=policy)

    def _writable_policy(self, statement: dict[str, Any] | None = None) -> ResourcePolicy | None:
        """The policy to add to (with ``statement`` added, as CloudFormation JSON); None (and a
        warning) for another account's resource."""
        if self.owned_by_another_account:
            owner = self.env.account
            Annotations.of(self).add_warning_v2(
                "shared-sms:foreign-resource-policy",
                f"this {self.resource_type.noun} belongs to "
                + ("another account" if is_unresolved(owner) else f"account {owner}")
                + ": its resource policy can only be changed from a stack in that account; the statement was not added",
            )
            return None
        if not self._may_write_policy():
            raise ValueError(self._unknown_owner_message())
        return ResourcePolicy.for_resource(self, statement)

    def share_with(self, *principals: iam.IPrincipal) -> iam.AddToResourcePolicyResult:
        """Share with other accounts: they may use it as DOMAIN.md describes for the type
        (send through numbers and sender IDs, view pools, use opt-out lists)."""
        if not principals:
            raise ValueError(f"share_with needs at least one principal for {self.node.path}")
        actions = [f"sms-voice:{a}" for a in self.resource_type.share_actions]
        facts = StackFacts.of_stack(self.own_stack)
        rendered = literal_principal(principals, facts)
        if rendered is None:  # a principal only CDK knows how to render
            return self.add_to_resource_policy(
                iam.PolicyStatement(actions=actions, principals=list(principals), resources=[self.resource_arn])
            )
        # The statement CDK would render, built without a round trip to Node per part.
        statement = {
            "Action": literal_values(actions, facts),
            "Effect": "Allow",
            "Principal": rendered,
            "Resource": self.resource_arn,
        }
        policy = self._writable_policy(statement)
        if policy is None:
            return iam.AddToResourcePolicyResult(statement_added=False)
        return iam.AddToResourcePolicyResult(statement_added=True, policy_dependable=policy)

    def share_with_organization(self, organization_arn: str) -> ResourceShare:
        """Share with every account of an AWS Organizations organization through AWS RAM
        (``arn:aws:organizations::<management account>:organization/o-...``).

        The stack keeps one ``AWS::RAM::ResourceShare`` per organization or OU, so sharing
        ten numbers with one organization is one share. Needs RAM's sharing with AWS
        Organizations enabled once in the management account."""
        return self._share_through_ram(check_organization_arn(organization_arn))

    def share_with_organizational_unit(self, ou_arn: str) -> ResourceShare:
        """Share with every account of an organizational unit through AWS RAM
        (``arn:aws:organizations::<management account>:ou/o-.../ou-...``); see
        ``share_with_organization``."""
        return self._share_through_ram(check_ou_arn(ou_arn))

    def _share_through_ram(self, principal: str) -> ResourceShare:
        share = default_share(self, principal)
        share.add_resources(self)
        return share

    def allow_service(
        self, service_principal: str | iam.ServicePrincipal, *, source_account: str | None = None
    ) -> iam.AddToResourcePolicyResult:
        """Let an AWS service (``sns.amazonaws.com``, ``pinpoint.amazonaws.com``) send with this
        origination identity on behalf of ``source_account`` (default: the stack's account)."""
        service = (
            service_principal.service if isinstance(service_principal, iam.ServicePrincipal) else service_principal
        )
        if service not in SERVICE_SEND_ACTIONS:
            raise ValueError(
                f"allow_service does not know {service!r}: use one of {', '.join(sorted(SERVICE_SEND_ACTIONS))}, "
                "or add_to_resource_policy with your own statement"
            )
        actions = [a for a in SERVICE_SEND_ACTIONS[service] if a in self.resource_type.actions]
        if not actions:
            raise ValueError(
                f"a {self.resource_type.noun} is not an origination identity: {service} cannot send through "
                f"{self.node.path}; allow it on the phone number, sender ID or pool instead"
            )
        return self.add_to_resource_policy(
            iam.PolicyStatement(
                actions=[f"sms-voice:{a}" for a in actions],
                principals=[iam.ServicePrincipal(service)],
                resources=[self.resource_arn],
                conditions={"StringEquals": {"aws:SourceAccount": source_account or StackFacts.of(self).account}},
            )
        )

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant ``sms-voice:`` actions on this resource; a principal in another account
        also gets a statement in this resource's policy."""
        valid = self.resource_type.sms_actions()
        valid_lower = {a.lower() for a in valid}  # IAM actions are case-insensitive
        unlisted = {a: not_in_reference_message(a, self.resource_type.noun) for a in actions}
        unknown = [a for a in actions if a.lower() not in valid_lower and unlisted[a] is None]
        if not actions or unknown:
            raise ValueError(
                f"cannot grant {unknown or 'no actions'} on a {self.resource_type.noun}; "
                f"use one of {', '.join(sorted(valid))}"
            )
        for message in filter(None, unlisted.values()):  # newer than the reference: granted, with a warning
            Annotations.of(self).add_warning_v2(NOT_IN_REFERENCE_WARNING, f"grant: {message}")
        if self.owned_by_another_account or not self._may_write_policy():
            # The owner's policy is theirs to write (or may be): our side is the identity statement.
            grant = iam.Grant.add_to_principal(
                grantee=grantee, actions=list(actions), resource_arns=[self.resource_arn]
            )
            if not grant.success and not self.owned_by_another_account:
                raise ValueError(self._unknown_owner_message())  # nothing was granted: say so
            return grant
        return iam.Grant.add_to_principal_or_resource(
            grantee=grantee, actions=list(actions), resource_arns=[self.resource_arn], resource=self
        )

    def _may_write_policy(self) -> bool:
        """Known to be this account's, or a policy was asked for explicitly."""
        return self.ownership != UNKNOWN or ResourcePolicy.existing_for(self) is not None

    def _unknown_owner_message(self) -> str:
        return (
            f"{self.node.path}: shared_sms cannot tell at synth time which account owns this "
            f"{self.resource_type.noun} (its ARN or the stack's account is only known at deploy time), "
            "and only the owner may write its resource policy: pass owned=True to "
            f"{self._importer} if this stack's account owns it, or create "
            "ResourcePolicy(scope, id, resource=...) for it yourself"
        )

    def verify_shared(self) -> SharedResourceCheck:
        """Fail the deployment until the owner account has shared this resource with the
        deploying one (``Custom::SmsSharedResourceCheck``); the import helpers'
        ``verify_shared=True`` calls this."""
        existing = self.node.try_find_child("SharedCheck")
        if isinstance(existing, SharedResourceCheck):
            return existing  # idempotent: verify_shared=True on the import, then verify_shared()
        return SharedResourceCheck(self, "SharedCheck", resource=self)

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant the send actions that apply to this type (SendTextMessage, and voice and
        media where the type supports them)."""
        if not self.resource_type.send_actions:
            raise ValueError(f"nothing is sent through a {self.resource_type.noun}; use grant() with explicit actions")
        return self.grant(grantee, *(f"sms-voice:{a}" for a in self.resource_type.send_actions))


def environment_of(arn: str) -> dict[str, str]:
    """An import's account and region: read in Python from a literal ARN (CDK's
    ``environment_from_arn`` would parse it in Node), by CDK from a token, none for a
    lookup not done yet."""
    if arn.startswith(LOOKUP_PLACEHOLDER):
        return {}
    if is_unresolved(arn):
        return {"environment_from_arn": arn}
    fields = arn.split(":")
    return {"account": fields[4], "region": fields[3]} if len(fields) > 5 else {"environment_from_arn": arn}


def environment_of_reference(reference: IEnvironmentAware) -> dict[str, str]:
    """An import's account and region: those of the CDK reference it was made from."""
    env = reference.env
    return {"account": env.account, "region": env.region}


def check_reference(reference: object, attribute: str, interface: str, importer: str) -> Any:
    """``reference.<attribute>`` (e.g. ``phone_number_ref``), or a TypeError naming what was expected."""
    if not hasattr(reference, attribute) or not hasattr(reference, "env"):
        raise TypeError(
            f"{importer} takes an {interface} (a Cfn resource of this type, what its from_* methods "
            f"return, or an L2 of this library), not {type(reference).__name__}"
        )
    return getattr(reference, attribute)


def finish_import(
    imported: _Imported,
    *,
    scope: Construct,
    verify_shared: bool,
    owned: bool | None,
    reference: IEnvironmentAware | None = None,
    importer: str | None = None,
) -> _Imported:
    """What every ``from_*_arn`` and ``from_*_ref`` does after setting the attributes;
    ``reference``: the CDK reference imported (its account decides the ownership)."""
    imported.__dict__["_own_stack"] = stack_of(scope)  # the import's stack is its scope's
    imported._owner = None if owned is None else ("this" if owned else "another")
    if reference is not None:
        imported._reference_account = reference.env.account
    if importer is not None:
        imported._importer = importer
    if verify_shared:
        imported.verify_shared()
    return imported


_Imported = TypeVar("_Imported", bound=SmsResourceBase)


def arn_parts(scope: Construct, arn: str, resource_type: SmsResourceType) -> list[str]:
    """The identifier parts after ``<type>/`` of an ARN to import.

    A literal ARN is checked now (ValueError naming the expected format); a token
    is split with CloudFormation functions at deploy time.
    """
    if arn.startswith(LOOKUP_PLACEHOLDER):
        return [arn] * resource_type.resource_pattern.count("(?P<")  # the CLI looks it up, then synthesizes again
    if not is_unresolved(arn):
        match = resource_type.parse_arn(arn)
        return [value for name, value in match.groupdict().items() if name not in _PREFIX_GROUPS]
    # "<type>/<id>[/<country>]" is the ARN's sixth field; its parts after the type are the identifier.
    count = resource_type.resource_pattern.count("(?P<")
    parts = Fn.split("/", Fn.select(5, Fn.split(":", arn)), count + 1)
    return [Fn.select(i + 1, parts) for i in range(count)]


_PREFIX_GROUPS = ("partition", "region", "account")
