"""IAM for the callers that the local CloudFormation driver gave a role (test support).

The function signs with its role's credentials; here that is an access key derived from its
stack's id (``function_key``), which the driver binds to the role named by the stack's
``AWS::Lambda::Function`` (``bind``). A request signed with a bound key is allowed only when
an identity policy of the role allows the action on the request's resource, no identity
policy denies it, and no service control policy of the account denies it (IAM's evaluation
logic for one account, without conditions: a statement with a ``Condition`` never matches,
which only ever denies more). Keys bound to no role are the account itself and may do
anything, as before this model existed.

The driver writes the role's policies as CloudFormation applies ``AWS::IAM::Policy``,
``AWS::IAM::RolePolicy``, ``AWS::IAM::ManagedPolicy`` and a role's inline ``Policies``: in the update phase, and deletes
removed ones in the cleanup phase. A change reaches callers after ``propagation_delay_s``
(IAM is eventually consistent; 0 by default: the order of CloudFormation's phases, not the
delay, is what the tests are about).

The CloudFormation emulator asks the same model for ``cloudformation:`` actions, against the
stack's ARN (``refuses``). The resource a request is authorized against: its ``ResourceArn`` for the three policy
operations, ``*`` for the rest (the Describe* calls the function makes name no ids; what
IAM authorizes for the other operations is not modelled). A denied request is answered
before it takes a token of the request rates (assumption: AWS documents neither order).
"""

from __future__ import annotations

import fnmatch
import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

POLICY_OPERATIONS = ("PutResourcePolicy", "GetResourcePolicy", "DeleteResourcePolicy")


def function_key(stack_id: str) -> str:
    """The access key the function of stack ``stack_id`` signs with: its role's session
    (the last 12 digits are the account, as every key the emulator knows)."""
    account = stack_id.split(":")[4]
    return f"ASIA{hashlib.sha256(stack_id.encode()).hexdigest()[:8].upper()}{account}"


def role_arn(partition: str, account: str, name: str) -> str:
    return f"arn:{partition}:iam::{account}:role/{name}"


@dataclass
class _Change:
    effective_at: float
    document: dict[str, Any] | None  # None: the policy was deleted


@dataclass
class Iam:
    propagation_delay_s: float = 0.0
    _roles_by_key: dict[str, str] = field(default_factory=dict)
    _policies: dict[tuple[str, str], list[_Change]] = field(default_factory=dict)
    _scps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    denied: list[tuple[str, str, str]] = field(default_factory=list)
    """(role ARN, action, resource) of every request refused, in order."""

    def reset(self) -> None:
        with self._lock:
            self.propagation_delay_s = 0.0
            self._roles_by_key.clear()
            self._policies.clear()
            self._scps.clear()
            self.denied.clear()

    # -- what the driver applies ---------------------------------------------------------------------
    def bind(self, stack_id: str, role: str) -> None:
        """The function of ``stack_id`` runs as ``role`` (an ARN) from now on."""
        with self._lock:
            self._roles_by_key[function_key(stack_id)] = role

    def put_role_policy(self, role: str, name: str, document: dict[str, Any]) -> None:
        self._change(role, name, document)

    def delete_role_policy(self, role: str, name: str) -> None:
        self._change(role, name, None)

    def deny_by_scp(self, account: str, action: str, resource: str = "*") -> None:
        """An organization's service control policy denies ``action`` (a pattern) on ``resource``."""
        with self._lock:
            self._scps.setdefault(account, []).append({"Effect": "Deny", "Action": action, "Resource": resource})

    def _change(self, role: str, name: str, document: dict[str, Any] | None) -> None:
        with self._lock:
            changes = self._policies.setdefault((role, name), [])
            changes.append(_Change(time.monotonic() + self.propagation_delay_s, document))

    # -- what the emulator asks ----------------------------------------------------------------------
    def role_of(self, access_key: str) -> str | None:
        with self._lock:
            return self._roles_by_key.get(access_key)

    def documents(self, role: str) -> list[dict[str, Any]]:
        """The role's identity policies as callers see them now."""
        now = time.monotonic()
        with self._lock:
            found = []
            for (owner, _), changes in self._policies.items():
                seen = [c for c in changes if c.effective_at <= now]
                if owner == role and seen and seen[-1].document is not None:
                    found.append(seen[-1].document)
            return found

    def refusal(self, access_key: str, account: str, operation: str, body: dict[str, Any]) -> str | None:
        """Why IAM refuses this SMS Voice V2 request, or None when it is allowed."""
        resource = str(body.get("ResourceArn", "*")) if operation in POLICY_OPERATIONS else "*"
        return self.refuses(access_key, account, f"sms-voice:{operation}", resource)

    def refuses(self, access_key: str, account: str, action: str, resource: str) -> str | None:
        """Why IAM refuses ``action`` on ``resource`` to the caller signing with ``access_key``
        (any service: the CloudFormation emulator asks too), or None when it is allowed."""
        role = self.role_of(access_key)
        if role is None:
            return None
        statements = [s for d in self.documents(role) for s in _statements(d)]
        with self._lock:
            scps = list(self._scps.get(account, []))
        session = f"arn:aws:sts::{account}:assumed-role/{role.rsplit('/', 1)[-1]}/shared-sms"
        why = None
        if any(_matches(s, action, resource) for s in scps):
            why = "with an explicit deny in a service control policy"
        elif any(s.get("Effect") == "Deny" and _matches(s, action, resource) for s in statements):
            why = "with an explicit deny in an identity-based policy"
        elif not any(s.get("Effect") == "Allow" and _matches(s, action, resource) for s in statements):
            why = f"because no identity-based policy allows the {action} action"
        if why is None:
            return None
        with self._lock:
            self.denied.append((role, action, resource))
        return f"User: {session} is not authorized to perform: {action} on resource: {resource} {why}"


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _matches(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "Condition" in statement or "NotAction" in statement or "NotResource" in statement:
        return False
    actions = _listed(statement.get("Action"))
    resources = _listed(statement.get("Resource"))
    return any(_glob(action.lower(), a.lower()) for a in actions) and any(_glob(resource, r) for r in resources)


def _glob(value: str, pattern: str) -> bool:
    """IAM's wildcards: ``*`` any run of characters (``:`` and ``/`` included), ``?`` one."""
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))
