"""AWS RAM resource shares and an AWS Organizations organization, as far as SMS Voice V2 sees them.

No RAM wire API: the function never calls RAM. The local CloudFormation driver applies
``AWS::RAM::ResourceShare`` here, and ``Describe*`` with ``Owner="SHARED"`` lists what
a share gives the caller. What RAM's documentation says, modelled:

- RAM shares only resources the sharing account owns, in the share's region
  (``UnknownResourceException`` otherwise);
- an organization or OU principal needs the sharer to be in that organization, and
  RAM's sharing with AWS Organizations enabled (``OperationNotPermittedException``);
- an account outside the organization needs ``AllowExternalPrincipals`` and gets an
  invitation that it must accept; with sharing with Organizations disabled, accounts
  inside the organization get invitations too;
- an OU contains the accounts directly in it and in its child OUs.

Not modelled: RAM writing a resource policy onto the resource (whether a RAM share's
statements appear in GetResourcePolicy for sms-voice is not documented), managed
permissions, and the hidden CREATED_FROM_POLICY shares.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from .scoping import partition_of

_ORGANIZATIONS = r"^arn:aws[a-z-]*:organizations::(?P<management>\d{12}):"
_ORGANIZATION = re.compile(_ORGANIZATIONS + r"organization/(?P<org>o-[a-z0-9]+)$")
_OU = re.compile(_ORGANIZATIONS + r"ou/(?P<org>o-[a-z0-9]+)/(?P<ou>ou-[a-z0-9-]+)$")
_ACCOUNT = re.compile(r"^\d{12}$")
_RESOURCE = re.compile(r"^arn:aws[a-z-]*:sms-voice:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):")


class RamError(Exception):
    """What RAM answers, as ``code: message`` (the driver reports it as the resource's failure)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass
class Organization:
    id: str
    management_account: str
    units: dict[str, set[str]] = field(default_factory=dict)
    """OU id -> the accounts directly in it."""
    parents: dict[str, str] = field(default_factory=dict)
    """OU id -> its parent OU id (OUs under the root have none)."""
    other_accounts: set[str] = field(default_factory=set)
    """Member accounts directly under the root."""
    sharing_enabled: bool = True
    """RAM's "enable sharing with AWS Organizations" (done once, in the management account)."""

    @property
    def arn(self) -> str:
        return f"arn:aws:organizations::{self.management_account}:organization/{self.id}"

    def ou_arn(self, ou: str) -> str:
        return f"arn:aws:organizations::{self.management_account}:ou/{self.id}/{ou}"

    @property
    def accounts(self) -> set[str]:
        return {self.management_account, *self.other_accounts, *itertools.chain(*self.units.values())}

    def accounts_in(self, ou: str) -> set[str]:
        children = [child for child, parent in self.parents.items() if parent == ou]
        return set(self.units.get(ou, set())).union(*(self.accounts_in(child) for child in children))


@dataclass
class ResourceShare:
    arn: str
    owner: str
    region: str
    name: str
    resources: list[str]
    principals: list[str]
    allow_external: bool
    accepted: set[str] = field(default_factory=set)
    """Accounts that accepted their invitation."""


@dataclass
class Ram:
    organization: Organization | None = None
    shares: dict[str, ResourceShare] = field(default_factory=dict)
    issued: int = 0

    def reset(self) -> None:
        self.organization, self.issued = None, 0
        self.shares.clear()

    # -- what CloudFormation's AWS::RAM::ResourceShare does ------------------------------------------
    def create_share(
        self, owner: str, region: str, name: str, resources: list[str], principals: list[str], allow_external: bool
    ) -> str:
        self.issued += 1
        share_id = f"{self.issued:08x}-0000-4000-8000-000000000000"
        arn = f"arn:{partition_of(region)}:ram:{region}:{owner}:resource-share/{share_id}"
        share = ResourceShare(arn, owner, region, name, [], [], allow_external)
        self._apply(share, resources, principals)
        self.shares[arn] = share
        return arn

    def update_share(
        self, arn: str, name: str, resources: list[str], principals: list[str], allow_external: bool
    ) -> None:
        share = self.shares[arn]
        changed = ResourceShare(arn, share.owner, share.region, name, [], [], allow_external, set(share.accepted))
        self._apply(changed, resources, principals)  # raises before anything changed
        self.shares[arn] = changed

    def delete_share(self, arn: str) -> None:
        self.shares.pop(arn, None)

    def accept_invitation(self, account: str, share_arn: str) -> None:
        """What ``aws ram accept-resource-share-invitation`` does for ``account``."""
        share = self.shares[share_arn]
        if account not in self._invited(share):
            raise RamError("ResourceShareInvitationArnNotFoundException", f"no invitation for {account}")
        share.accepted.add(account)

    # -- what a consumer sees -------------------------------------------------------------------------
    def accounts_with_access(self, resource_arn: str) -> set[str]:
        accounts: set[str] = set()
        for share in self.shares.values():
            if resource_arn in share.resources:
                accounts |= self._direct(share) | (self._invited(share) & share.accepted)
        return accounts

    def _direct(self, share: ResourceShare) -> set[str]:
        """Accounts that have access without an invitation: the organization's, when sharing is enabled."""
        org = self.organization
        if org is None or not org.sharing_enabled or share.owner not in org.accounts:
            return set()
        accounts: set[str] = set()
        for principal in share.principals:
            if _ORGANIZATION.match(principal):
                accounts |= org.accounts
            elif match := _OU.match(principal):
                accounts |= org.accounts_in(match["ou"])
            elif principal in org.accounts:
                accounts.add(principal)
        return accounts - {share.owner}

    def _invited(self, share: ResourceShare) -> set[str]:
        return {p for p in share.principals if _ACCOUNT.match(p)} - self._direct(share) - {share.owner}

    def _apply(self, share: ResourceShare, resources: list[str], principals: list[str]) -> None:
        for arn in resources:
            match = _RESOURCE.match(arn)
            if match is None or match["account"] != share.owner or match["region"] != share.region:
                raise RamError(
                    "UnknownResourceException",
                    f"{arn} is not a resource of account {share.owner} in {share.region}",
                )
        org = self.organization
        for principal in principals:
            organization, ou = _ORGANIZATION.match(principal), _OU.match(principal)
            if organization or ou:
                matched = organization or ou
                assert matched is not None
                if org is None or share.owner not in org.accounts or matched["org"] != org.id:
                    raise RamError("UnknownResourceException", f"{principal} is not this account's organization")
                if ou and ou["ou"] not in org.units and ou["ou"] not in org.parents:
                    raise RamError("UnknownResourceException", f"organizational unit {ou['ou']} not found")
                if not org.sharing_enabled:
                    raise RamError(
                        "OperationNotPermittedException",
                        "sharing with AWS Organizations is not enabled: run "
                        "`aws ram enable-sharing-with-aws-organization` in the management account",
                    )
            elif not _ACCOUNT.match(principal):
                raise RamError("MalformedArnException", f"{principal} is not an account id, organization or OU ARN")
            elif not share.allow_external and (org is None or principal not in org.accounts):
                raise RamError(
                    "OperationNotPermittedException",
                    f"account {principal} is outside your organization and the share does not allow "
                    "external principals",
                )
        share.resources, share.principals = list(dict.fromkeys(resources)), list(dict.fromkeys(principals))
