"""The emulator's accounts, resources and resource policies, and the operations that create and
remove resources (listing is in describe.py, the policy operations in policies.py).

How reads see policy writes (``visible_policy``):

- a Put shows to every read once ``Faults.visibility_delay_s`` has passed, a Delete once
  ``delete_visibility_delay_s`` has (by default the Put's lag): assumption, measured by tools/calibrate.py;
- ``read_consistency="monotonic"`` (the default): once a read shows a write, no later read shows
  an older state: assumption, measured by tools/calibrate.py;
- ``read_consistency="replicated"``: each read is answered by a replica that applied each write a
  uniformly random fraction of its lag after it, drawn per read, so within the lag a read can show
  an older state after a newer one: assumption, measured by tools/calibrate.py (whether reads go back,
  not how often);
- writes see every earlier write at once, visible to reads yet or not: assumption, measured by
  tools/calibrate.py.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import access_denied, conflict, not_found
from .grants import grants
from .ram import Ram
from .realism import DEFAULT_POLICIES, sns_default_policy
from .scoping import Caller, parse_arn

ARN_KEY = {
    "pool": "PoolArn",
    "phone-number": "PhoneNumberArn",
    "sender-id": "SenderIdArn",
    "opt-out-list": "OptOutListArn",
}
READ_CONSISTENCIES = ("monotonic", "replicated")
_IN_POOL = {"phone-number": "PHONE_NUMBER_ASSOCIATED_TO_POOL", "sender-id": "SENDER_ID_ASSOCIATED_TO_POOL"}


@dataclass
class Resource:
    type: str
    id: str
    """A sender ID's is ``<SenderId>/<IsoCountryCode>``, as in its ARN."""
    arn: str
    account: str
    region: str
    info: dict[str, Any]
    """What Describe* answers for it, besides the ARN."""
    pools: list[str] = field(default_factory=list)
    """The ARNs of the pools a phone number (at most one) or a sender ID (any number) belongs to."""


@dataclass
class PolicyVersion:
    text: str | None  # None: deleted
    created: float
    visible_at: float


@dataclass
class State:
    """Everything the emulator knows; one lock, as the real service is per-resource atomic."""

    no_policy_style: str = "not-found"
    """How Get answers a resource without a policy: 'not-found' (404 of type policy) or 'empty' ('{}')."""
    visibility_delay_s: Callable[[], float] = lambda: 0.0
    """How long a Put (and a Delete, unless ``delete_visibility_delay_s``) stays invisible to reads."""
    delete_visibility_delay_s: float | None = None
    """How long a Delete stays invisible to reads (None: as long as a Put)."""
    read_consistency: str = "monotonic"
    """How reads lag behind writes: 'monotonic' or 'replicated' (the module docstring)."""
    rng: random.Random = field(default_factory=random.Random)
    """Draws the replica of each read under 'replicated' consistency (seed it to repeat a run)."""
    normalize_policies: bool = False
    """Store and return an equivalent rewrite of every policy (realism.py)."""
    default_policy: str | None = None
    """'sns': requested numbers and sender IDs start with the console's SNS policy (realism.py)."""
    scopes: dict[tuple[str, str], dict[str, Resource]] = field(default_factory=dict)
    """(account, region) -> ``<type>/<id>`` -> resource: a call sees its own scope, and another
    account's resource only through its ARN and a grant (``resolve``)."""
    policies: dict[str, list[PolicyVersion]] = field(default_factory=dict)
    """Resource ARN -> its policy's writes, in order (reads lag behind them: ``visible_policy``)."""
    ram: Ram = field(default_factory=Ram)
    """Resource shares and the organization (ram.py); the other way across accounts."""
    calls: dict[str, int] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    issued: int = 0

    def reset(self) -> None:
        """Forget every resource, policy, share and counter, and switch the realism options off."""
        with self.lock:
            self.scopes.clear()
            self.policies.clear()
            self.ram.reset()
            self.calls.clear()
            self.no_policy_style, self.normalize_policies, self.default_policy = "not-found", False, None
            self.delete_visibility_delay_s, self.read_consistency = None, "monotonic"
            self.issued = 0

    def new_id(self) -> str:
        """32 hex digits like the service's ids, but counted: runs after a reset repeat their ARNs."""
        self.issued += 1
        return f"{self.issued:032x}"

    def all_resources(self, region: str | None = None) -> Iterator[Resource]:
        for (_, scope_region), scope in self.scopes.items():
            if region in (None, scope_region):
                yield from scope.values()

    # -- finding what a request names --------------------------------------------------------------
    def resolve(self, caller: Caller, kind: str, value: str, action: str, *, owner_only: bool = False) -> Resource:
        """The resource that ``value`` (an id, or an ARN) names for ``caller`` calling ``action``.

        An id names one of the caller's own resources in the caller's region. An ARN of another
        region or partition answers ResourceNotFoundException: the endpoint is regional and holds
        no such resource. An ARN of another account answers AccessDeniedException unless RAM or the
        resource's policy grants ``action`` (never for ``owner_only`` ones such as a release): IAM
        authorizes a request against the ARN it names before the service looks it up, so another
        account cannot learn whether an unshared resource exists, which ResourceNotFound would tell.
        """
        arn = parse_arn(value) if value.startswith("arn:") else None
        if value.startswith("arn:") and (arn is None or arn.type != kind or not arn.in_region_of(caller)):
            raise not_found(kind, value)
        foreign = arn is not None and arn.account != caller.account
        if foreign and (owner_only or not self.granted(caller, value, action)):
            raise access_denied(caller.principal, action, value)
        account, ident = (arn.account, arn.id) if arn is not None else (caller.account, value)
        resource = self.scopes.get((account, caller.region), {}).get(f"{kind}/{ident}")
        if resource is None:
            raise not_found(kind, value)
        return resource

    def granted(self, caller: Caller, arn: str, action: str) -> bool:
        """RAM shares let consumers list and describe (the user guide's "view"); a resource policy
        grants what its statements name."""
        if action.startswith("sms-voice:Describe") and caller.account in self.ram.accounts_with_access(arn):
            return True
        version = self.visible_policy(arn)
        return version is not None and grants(version.text or "{}", caller.account, action)

    def visible_policy(self, arn: str, now: float | None = None) -> PolicyVersion | None:
        """The newest write a read of ``arn`` shows now (None: no policy), as ``read_consistency`` says."""
        now = time.time() if now is None else now
        if self.read_consistency not in READ_CONSISTENCIES:
            raise ValueError(f"unknown read consistency {self.read_consistency!r}: one of {READ_CONSISTENCIES}")
        # replicated: this read's replica applied each write this fraction of its lag after it
        applied = self.rng.random() if self.read_consistency == "replicated" else None
        for version in reversed(self.policies.get(arn, [])):
            shown_at = version.visible_at
            if applied is not None:
                shown_at = version.created + applied * (version.visible_at - version.created)
            if shown_at <= now:
                return version if version.text is not None else None
        return None

    # -- creating and removing resources -------------------------------------------------------------
    def _add(self, caller: Caller, kind: str, ident: str, info: dict[str, Any]) -> Resource:
        scope = self.scopes.setdefault((caller.account, caller.region), {})
        if f"{kind}/{ident}" in scope:
            raise conflict(kind, ident, "RESOURCE_ALREADY_EXISTS", f"{kind} {ident} already exists")
        resource = scope[f"{kind}/{ident}"] = Resource(
            kind, ident, caller.arn(kind, ident), caller.account, caller.region, info
        )
        return resource

    def _remove(self, resource: Resource) -> dict[str, Any]:
        if resource.info.get("DeletionProtectionEnabled"):
            raise conflict(
                resource.type,
                resource.id,
                "DELETION_PROTECTION_ENABLED",
                f"{resource.type} {resource.id} has deletion protection enabled: turn it off first",
            )
        if resource.pools:
            raise conflict(
                resource.type,
                resource.id,
                _IN_POOL[resource.type],
                f"{resource.type} {resource.id} belongs to pool {resource.pools[0]}: remove it from the pool first",
            )
        del self.scopes[(resource.account, resource.region)][f"{resource.type}/{resource.id}"]
        self.policies.pop(resource.arn, None)
        for share in self.ram.shares.values():  # RAM drops a deleted resource from its shares
            if resource.arn in share.resources:
                share.resources.remove(resource.arn)
        return {ARN_KEY[resource.type]: resource.arn, **resource.info}

    def create_opt_out_list(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        name = body["OptOutListName"]
        r = self._add(caller, "opt-out-list", name, {"OptOutListName": name, "CreatedTimestamp": time.time()})
        return {"OptOutListArn": r.arn, **r.info}

    def request_phone_number(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        action = "sms-voice:RequestPhoneNumber"
        opt_out_list = self._opt_out_list_name(caller, body.get("OptOutListName"), action)
        pool = None if body.get("PoolId") is None else self.resolve(caller, "pool", body["PoolId"], action)
        ident = f"phone-{self.new_id()}"
        info = {
            "PhoneNumberId": ident,
            "PhoneNumber": f"+1206555{self.issued % 10000:04d}",
            "Status": "ACTIVE",
            "IsoCountryCode": body["IsoCountryCode"],
            "MessageType": body["MessageType"],
            "NumberCapabilities": body["NumberCapabilities"],
            "NumberType": body["NumberType"],
            "MonthlyLeasingPrice": "1.00",
            "TwoWayEnabled": False,
            "SelfManagedOptOutsEnabled": False,
            "OptOutListName": opt_out_list,
            "DeletionProtectionEnabled": body.get("DeletionProtectionEnabled", False),
            "CreatedTimestamp": time.time(),
            **({"PoolId": pool.id} if pool else {}),
        }
        r = self._add(caller, "phone-number", ident, info)
        r.pools = [pool.arn] if pool else []
        self._attach_default_policy(r)
        return {"PhoneNumberArn": r.arn, **info}

    def _opt_out_list_name(self, caller: Caller, value: str | None, action: str) -> str:
        """The name of the opt-out list ``value`` names: every account has ``Default`` without
        creating it; any other list must exist (a name, or an ARN, never stored as the name)."""
        if value is None or value in ("Default", caller.arn("opt-out-list", "Default")):
            return "Default"
        return self.resolve(caller, "opt-out-list", value, action).id

    def request_sender_id(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        ident = f"{body['SenderId']}/{body['IsoCountryCode']}"
        info = {
            "SenderId": body["SenderId"],
            "IsoCountryCode": body["IsoCountryCode"],
            "MessageTypes": body.get("MessageTypes") or ["TRANSACTIONAL"],
            "MonthlyLeasingPrice": "0.00",
            "DeletionProtectionEnabled": body.get("DeletionProtectionEnabled", False),
            "Registered": False,
        }
        r = self._add(caller, "sender-id", ident, info)
        self._attach_default_policy(r)
        return {"SenderIdArn": r.arn, **info}

    def create_pool(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        member = self._origination_identity(caller, body)
        if member.type == "phone-number" and member.pools:  # a sender ID may be in many pools
            raise conflict(
                member.type, member.id, _IN_POOL[member.type], f"{member.arn} already belongs to pool {member.pools[0]}"
            )
        ident = f"pool-{self.new_id()}"
        info = {
            "PoolId": ident,
            "Status": "ACTIVE",
            "MessageType": body["MessageType"],
            "TwoWayEnabled": False,
            "SelfManagedOptOutsEnabled": False,
            "OptOutListName": member.info.get("OptOutListName", "Default"),  # inherited from the member
            "SharedRoutesEnabled": False,
            "DeletionProtectionEnabled": body.get("DeletionProtectionEnabled", False),
            "CreatedTimestamp": time.time(),
        }
        r = self._add(caller, "pool", ident, info)
        member.pools.append(r.arn)
        if member.type == "phone-number":
            member.info["PoolId"] = ident
        return {"PoolArn": r.arn, **info}

    def _origination_identity(self, caller: Caller, body: dict[str, Any]) -> Resource:
        """A phone number (id, E.164 number or ARN) or a sender ID (with IsoCountryCode, or ARN)."""
        identity, country = body["OriginationIdentity"], body.get("IsoCountryCode")
        kind = "sender-id" if country else "phone-number"
        if identity.startswith("arn:"):
            arn = parse_arn(identity)
            if arn is None or arn.type not in _IN_POOL:
                raise not_found(kind, identity)
            return self.resolve(caller, arn.type, identity, "sms-voice:CreatePool")
        scope = self.scopes.get((caller.account, caller.region), {})
        found = scope.get(f"phone-number/{identity}") or scope.get(f"sender-id/{identity}/{country}")
        found = found or next(
            (r for r in scope.values() if r.type == "phone-number" and r.info["PhoneNumber"] == identity), None
        )
        if found is None:
            raise not_found(kind, identity)
        return found

    def _attach_default_policy(self, resource: Resource) -> None:
        if self.default_policy is None:
            return
        if self.default_policy not in DEFAULT_POLICIES:
            raise ValueError(f"unknown default policy {self.default_policy!r}: one of {DEFAULT_POLICIES}")
        now = time.time()
        text = sns_default_policy(resource.arn, resource.account)
        self.policies.setdefault(resource.arn, []).append(PolicyVersion(text, now, now))

    def release_phone_number(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        action = "sms-voice:ReleasePhoneNumber"
        return self._remove(self.resolve(caller, "phone-number", body["PhoneNumberId"], action, owner_only=True))

    def release_sender_id(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        # An ARN names the sender ID and its country; a plain sender ID takes IsoCountryCode.
        value = body["SenderId"]
        value = value if value.startswith("arn:") else f"{value}/{body['IsoCountryCode']}"
        return self._remove(self.resolve(caller, "sender-id", value, "sms-voice:ReleaseSenderId", owner_only=True))

    def delete_opt_out_list(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        action = "sms-voice:DeleteOptOutList"
        return self._remove(self.resolve(caller, "opt-out-list", body["OptOutListName"], action, owner_only=True))

    def delete_pool(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        pool = self.resolve(caller, "pool", body["PoolId"], "sms-voice:DeletePool", owner_only=True)
        answer = self._remove(pool)  # refuses a protected pool before any member leaves it
        for member in self.all_resources(pool.region):
            if pool.arn in member.pools:
                member.pools.remove(pool.arn)
                member.info.pop("PoolId", None)
        return answer
