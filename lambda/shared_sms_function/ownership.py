"""Which statements of a policy belong to which custom resource (docs/ownership.md).

Sids end in ``SharedSms<8 hex of StackId>R<8 hex of StackId|LogicalResourceId><n>``. A
resource owns the statements with its marker. The same stack's other markers belong to a
renamed or moved construct (CloudFormation creates the new resource before deleting the
old) and are kept; everything else is foreign. The earlier form
``SharedSms<12 hex of StackId|LogicalResourceId><n>`` is still recognized as its resource's own.

A marker is only a hash, and anyone who may edit the policy can copy it. Where it matters
(``REPLACE`` keeps the same stack's statements, ``FAIL`` does not refuse them), a same-stack
marker counts only when CloudFormation vouches for it (``Owner.vouched``: the stack's resources
whose physical id is this ARN); otherwise it is foreign.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .equivalence import statements_of

MARKER_PREFIX = "SharedSms"
MARKER = re.compile(
    MARKER_PREFIX + r"(?:(?P<stack>[0-9a-f]{8})R(?P<resource>[0-9a-f]{8})|(?P<legacy>[0-9a-f]{12}))(?P<index>\d+)$"
)


def _hex(text: str, digits: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


@dataclass
class Split:
    """A live policy's statements by owner."""

    mine: list[dict[str, Any]] = field(default_factory=list)
    same_stack: list[dict[str, Any]] = field(default_factory=list)
    foreign: list[dict[str, Any]] = field(default_factory=list)

    @property
    def kept(self) -> list[dict[str, Any]]:
        """What a merge keeps beside this resource's statements."""
        return self.foreign + self.same_stack


@dataclass(frozen=True)
class Owner:
    """The custom resource (stack + logical id) on whose behalf statements are written."""

    stack: str
    resource: str
    legacy: str
    vouched: frozenset[str] | None = None
    """Resource hashes of the same stack's markers that count as its own (None: every one)."""

    @classmethod
    def of(cls, stack_id: str, logical_resource_id: str) -> Owner:
        return cls(
            stack=_hex(stack_id, 8),
            resource=_hex(f"{stack_id}|{logical_resource_id}", 8),
            legacy=_hex(f"{stack_id}|{logical_resource_id}", 12),
        )

    def vouching(self, stack_id: str, logical_resource_ids: frozenset[str]) -> Owner:
        """This owner, for whom only those logical ids' markers count as the same stack's."""
        vouched = frozenset(_hex(f"{stack_id}|{logical_id}", 8) for logical_id in logical_resource_ids)
        return Owner(self.stack, self.resource, self.legacy, vouched)

    @property
    def marker(self) -> str:
        return f"{MARKER_PREFIX}{self.stack}R{self.resource}"

    def stamp(self, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The statements with this owner's marker at the end of every Sid."""
        stamped = copy.deepcopy(statements)
        for index, statement in enumerate(stamped):
            statement["Sid"] = f"{user_sid(statement)}{self.marker}{index}"
        return stamped

    def whose(self, statement: dict[str, Any]) -> str:
        """'mine', 'same-stack' or 'foreign'."""
        match = MARKER.search(str(statement.get("Sid") or ""))
        if match is None:
            return "foreign"
        if match["legacy"]:
            return "mine" if match["legacy"] == self.legacy else "foreign"
        if match["stack"] != self.stack:
            return "foreign"
        if match["resource"] == self.resource:
            return "mine"
        return "same-stack" if self.vouched is None or match["resource"] in self.vouched else "foreign"

    def split(self, policy: dict[str, Any] | None) -> Split:
        split = Split()
        buckets = {"mine": split.mine, "same-stack": split.same_stack, "foreign": split.foreign}
        for statement in statements_of(policy):
            buckets[self.whose(statement)].append(statement)
        return split


def user_sid(statement: dict[str, Any]) -> str:
    """The Sid as the template wrote it: any ownership marker removed."""
    return MARKER.sub("", str(statement.get("Sid") or ""))
