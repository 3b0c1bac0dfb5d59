"""``ResourceShare``: share resources with accounts, an organization or OUs through AWS RAM.

An L2 over ``AWS::RAM::ResourceShare``. A resource policy names accounts one by one
(about 290 fit in its 10,000 characters); a RAM share names an organization or an
organizational unit once, and new member accounts get access without a redeploy.
RAM shares only what the deploying account owns, in the stack's region.
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Mapping, Sequence
from typing import cast

import jsii
from aws_cdk import Annotations, CfnTag, Lazy, Stack
from aws_cdk import aws_ram as ram
from constructs import Construct, IValidation

from .ownership import ANOTHER, placement_problems
from .shareable import Shareable
from .stack_facts import Producer
from .stage_paths import stage_relative_path
from .tokens import is_unresolved

DEFAULT_SHARES_ID = "SharedSmsResourceShares"  # where share_with_organization(...) puts its shares

# Matched with fullmatch: "$" would let a trailing newline (a value read from a file) through.
_ACCOUNT = re.compile(r"\d{12}")
_ORGANIZATION = re.compile(r"arn:aws[a-z-]*:organizations::\d{12}:organization/(?P<org>o-[a-z0-9]{10,32})")
_OU = re.compile(r"arn:aws[a-z-]*:organizations::\d{12}:ou/(?P<org>o-[a-z0-9]{10,32})/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}")
_SERVICE = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com")
# AWS managed: arn:aws:ram::aws:permission/<name>; customer managed: arn:aws:ram:<region>:<account>:permission/<name>.
_PERMISSION = re.compile(r"arn:aws[a-z-]*:ram:[a-z0-9-]*:(aws|\d{12}):permission/[A-Za-z0-9_./-]+")
_PERMISSION_EXAMPLE = "arn:aws:ram::aws:permission/AWSRAMDefaultPermission<Type>"
_ORGANIZATION_EXAMPLE = "arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5"
_OU_EXAMPLE = "arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cdef5678"
_SHARES: weakref.WeakKeyDictionary[Stack, list[ResourceShare]] = weakref.WeakKeyDictionary()
_DEFAULTS: weakref.WeakKeyDictionary[Stack, dict[str, ResourceShare]] = weakref.WeakKeyDictionary()


def check_principal(principal: str) -> str:
    """``principal`` if RAM can share with it, else ValueError saying what it should look like."""
    if not isinstance(principal, str):
        raise ValueError(
            f"a RAM principal is a string (an account id, an organization ARN or an OU ARN), got {principal!r}"
        )
    if is_unresolved(principal) or _ACCOUNT.fullmatch(principal) or _ORGANIZATION.fullmatch(principal):
        return principal
    if _OU.fullmatch(principal) or _SERVICE.fullmatch(principal):
        return principal
    if principal.startswith("arn:") and ":organizations::" in principal:
        raise ValueError(
            f"malformed organization or OU ARN {principal!r}: expected {_ORGANIZATION_EXAMPLE} "
            f"or {_OU_EXAMPLE} (see `aws organizations describe-organization` and "
            "`list-organizational-units-for-parent`)"
        )
    raise ValueError(
        f"cannot share with {principal!r}: a RAM principal is a 12-digit account id, an organization ARN "
        f"({_ORGANIZATION_EXAMPLE}), an OU ARN ({_OU_EXAMPLE}) or a service principal (sns.amazonaws.com)"
    )


def check_organization_arn(arn: str) -> str:
    if not is_unresolved(arn) and not _ORGANIZATION.fullmatch(str(arn)):
        raise ValueError(
            f"malformed organization ARN {arn!r}: expected {_ORGANIZATION_EXAMPLE} "
            "(`aws organizations describe-organization --query Organization.Arn`)"
        )
    return arn


def check_ou_arn(arn: str) -> str:
    if not is_unresolved(arn) and not _OU.fullmatch(str(arn)):
        raise ValueError(
            f"malformed organizational unit ARN {arn!r}: expected {_OU_EXAMPLE} "
            "(`aws organizations list-organizational-units-for-parent`)"
        )
    return arn


@jsii.implements(IValidation)
class _ShareValidation:
    def __init__(self, share: ResourceShare) -> None:
        self._share = share

    def validate(self) -> list[str]:
        return self._share._problems()


class ResourceShare(Construct):
    """An AWS RAM resource share of pools, phone numbers, sender IDs and opt-out lists.

    Consumers in the organization get access at once (with RAM's sharing with AWS
    Organizations enabled); other accounts accept an invitation first, and only when
    ``allow_external_principals`` is on. Consumers use shared resources through the SMS
    and Voice v2 API with the full ARN (not SNS ``Publish``, Pinpoint or the console).

    :param resources: resources this stack's account owns, in the stack's region.
    :param principals: 12-digit account ids, organization ARNs
        (``arn:aws:organizations::<management account>:organization/o-...``) or OU ARNs
        (``arn:aws:organizations::<management account>:ou/o-.../ou-...``).
        (``arn:aws:organizations::<management account>:ou/o-.../ou-...``), or service principals
        (``sns.amazonaws.com``; then ``sources`` is needed).
    :param allow_external_principals: let accounts outside the organization accept. Default: False.
    :param resource_share_name: the share's name in RAM. Default: a name unique in the app.
    :param permission_arns: the RAM managed permissions to use (``arn:aws:ram::aws:permission/...``,
        or a customer managed permission of this account), at most one per resource type.
        Default: RAM's default permission for each type.
    :param sources: for service principals, the 12-digit accounts the service may act for
        (RAM's ``Sources``: the ``aws:SourceAccount`` of a resource policy). Needed with a service
        principal; refused without one.
    :param tags: tags of the share itself (not of the shared resources). ``Tags.of(share)`` adds more.
    :param resource_share_configuration: RAM's ``ResourceShareConfiguration``
        (``RetainSharingOnAccountLeaveOrganization``...). Default: RAM's.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        resources: Sequence[Shareable] = (),
        principals: Sequence[str] = (),
        allow_external_principals: bool = False,
        resource_share_name: str | None = None,
        permission_arns: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        tags: Mapping[str, str] | None = None,
        resource_share_configuration: ram.CfnResourceShare.ResourceShareConfigurationProperty | None = None,
    ) -> None:
        super().__init__(scope, id)
        problems = _literal_problems(permission_arns or (), sources or (), tags or {})
        if problems:
            raise ValueError(f"{self.node.path}: " + "; ".join(problems))
        self._sources = list(sources) if sources is not None else None
        self._stack = Stack.of(self)
        self._allow_external_principals = allow_external_principals
        self._resources: dict[str, Shareable] = {}
        self._principals: dict[str, str] = {}
        self._fixed_principals = False  # a default share names its one principal for good
        self._resource = ram.CfnResourceShare(
            self,
            "Resource",
            name=resource_share_name or _default_name(self),
            resource_arns=Lazy.list(Producer(lambda: [r.resource_arn for r in self._resources.values()])),
            principals=Lazy.list(Producer(lambda: list(self._principals.values()))),
            allow_external_principals=allow_external_principals,
            permission_arns=list(permission_arns) if permission_arns is not None else None,
            sources=self._sources,
            tags=[CfnTag(key=key, value=value) for key, value in sorted(tags.items())] if tags else None,
            resource_share_configuration=resource_share_configuration,
        )
        _SHARES.setdefault(self._stack, []).append(self)
        self.add_resources(*resources)
        self.add_principals(*principals)
        self.node.add_validation(_ShareValidation(self))

    @property
    def resource_share_arn(self) -> str:
        return self._resource.attr_arn

    @property
    def allow_external_principals(self) -> bool:
        """Whether accounts outside the organization may accept (fixed at construction)."""
        return self._allow_external_principals

    @property
    def resources(self) -> list[Shareable]:
        return list(self._resources.values())

    @property
    def principals(self) -> list[str]:
        return list(self._principals.values())

    def add_resources(self, *resources: Shareable) -> None:
        """Share more resources; each must belong to this stack's account and region."""
        for resource in resources:
            if resource.ownership == ANOTHER:
                raise ValueError(
                    f"{self.node.path}: {resource.node.path} belongs to another account; RAM shares only "
                    "resources the deploying account owns: create the share in a stack of the owner account"
                )
            self._resources.setdefault(_key(self._stack, resource.resource_arn), resource)

    def add_principals(self, *principals: str) -> None:
        """Share with more account ids, organization ARNs or OU ARNs."""
        if self._fixed_principals:
            raise ValueError(
                f"{self.node.path} is the stack's share for {', '.join(self._principals.values())}: every resource "
                "shared with that principal is in it, so another principal would get all of them. Create a "
                "ResourceShare(scope, id, resources=[...], principals=[...]) for what the other principal gets"
            )
        for principal in principals:
            check_principal(principal)
            self._principals.setdefault(_key(self._stack, principal), principal)

    def gives(self, resource: Shareable, principal: str) -> bool:
        """Whether this share gives ``resource`` to ``principal`` (an organization covers its OUs)."""
        if _key(self._stack, resource.resource_arn) not in self._resources:
            return False
        organizations = {_organization_of(p) for p in self._principals.values() if _ORGANIZATION.fullmatch(p)}
        return principal in self._principals or _organization_of(principal) in organizations - {None}

    def _problems(self) -> list[str]:
        problems: list[str] = []
        if not self._resources:
            problems.append(f"{self.node.path}: the resource share has no resources: add_resources(...) or remove it")
        if not self._principals:
            problems.append(
                f"{self.node.path}: the resource share has no principals: add_principals(...) with an account "
                "id, an organization ARN or an OU ARN"
            )
        services = [p for p in self._principals.values() if not is_unresolved(p) and _SERVICE.fullmatch(p)]
        if services and not self._sources:
            problems.append(
                f"{self.node.path}: shares with {', '.join(services)} without sources: the service could use the "
                "resources for any account; name the accounts it acts for with sources=[...]"
            )
        if self._sources and not services and all(not is_unresolved(p) for p in self._principals.values()):
            problems.append(
                f"{self.node.path}: sources only apply to service principals, and this share has none: "
                "remove sources, or share with the service (e.g. sns.amazonaws.com)"
            )
        for resource in self._resources.values():
            problems += [
                f"{self.node.path}: {resource.node.path} is in {part} {place} but the stack deploys to "
                f"{value}; RAM shares only resources of the deploying account in its own region: "
                "create the share in a stack there"
                for part, place, value in placement_problems(self._stack, resource)
            ]
        self._warn_about_pools()
        return problems

    def _warn_about_pools(self) -> None:
        """The user guide: any resources contained in a shared pool must also be shared."""
        shares = _SHARES.get(self._stack, [])
        for resource in self._resources.values():
            identities = getattr(resource, "origination_identities", ())  # known for pools created here
            missing = [
                identity.node.path
                for identity in identities
                if not all(any(share.gives(identity, p) for share in shares) for p in self._principals)
            ]
            if missing:
                Annotations.of(self).add_warning_v2(
                    "shared-sms:pool-identities-not-shared",
                    f"pool {resource.node.path} is shared but its origination identities {', '.join(missing)} "
                    "are not shared with the same principals; consumers see the pool but cannot send "
                    "through them: add them to this share (add_resources)",
                )


def _literal_problems(permission_arns: Sequence[str], sources: Sequence[str], tags: Mapping[str, str]) -> list[str]:
    """What RAM would refuse at deploy time among the literal values (tokens are not checked)."""
    problems = [
        f"permission_arns: {arn!r} is not a RAM permission ARN (expected {_PERMISSION_EXAMPLE}, "
        "see `aws ram list-permissions --resource-type sms-voice:<type>`)"
        for arn in permission_arns
        if not is_unresolved(arn) and not _PERMISSION.fullmatch(arn)
    ]
    if len(set(permission_arns)) < len(permission_arns):
        problems.append("permission_arns names a permission twice: name each once")
    problems += [
        f"sources: {source!r} is not a 12-digit account id"
        for source in sources
        if not is_unresolved(source) and not _ACCOUNT.fullmatch(source)
    ]
    for key, value in tags.items():
        if not is_unresolved(key) and (not 1 <= len(key) <= 128 or key.lower().startswith("aws:")):
            problems.append(f"tags: key {key!r} must be 1 to 128 characters, not starting with aws:")
        if not is_unresolved(value) and len(value) > 256:
            problems.append(f"tags: the value of {key!r} is longer than 256 characters")
    return problems


def default_share(resource: Shareable, principal: str) -> ResourceShare:
    """The share of ``resource``'s stack for ``principal``, created on first use.

    One share per principal, not one per stack: a share gives every resource in it to
    every principal in it, so a second principal would widen what the first one got.
    """
    stack = resource.own_stack
    key = _key(stack, principal)
    defaults = _DEFAULTS.setdefault(stack, {})
    if key not in defaults:
        container = cast(Construct, stack.node.try_find_child(DEFAULT_SHARES_ID) or Construct(stack, DEFAULT_SHARES_ID))
        share = defaults[key] = ResourceShare(container, _principal_id(principal, key), principals=[principal])
        share._fixed_principals = True
    return defaults[key]


def shared_through_ram(resource: Shareable, account: str) -> bool:
    """Whether a RAM share of ``resource``'s stack gives it to ``account`` (an account id, or
    an AWS principal that names one)."""
    return any(share.gives(resource, account) for share in _SHARES.get(resource.own_stack, []))


def _organization_of(principal: str) -> str | None:
    """The ``o-...`` id an organization or OU ARN names."""
    match = _ORGANIZATION.fullmatch(principal) or _OU.fullmatch(principal)
    return match["org"] if match else None


def _key(stack: Stack, value: str) -> str:
    """Equal for two values that CloudFormation resolves equally."""
    return json.dumps(stack.resolve(value), sort_keys=True) if is_unresolved(value) else value


def _principal_id(principal: str, key: str) -> str:
    if is_unresolved(principal):
        return f"deploy-time-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
    return principal.rsplit("/", 1)[-1]  # o-..., ou-...-..., or the account id


def _default_name(share: ResourceShare) -> str:
    """RAM names need not be unique; a readable, stable one per construct path (below the
    Stage, so that moving the stacks into a Stage keeps it)."""
    path = stage_relative_path(share)
    return path if len(path) <= 255 else path[:246] + hashlib.sha256(path.encode()).hexdigest()[:8]
