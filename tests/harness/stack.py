"""What the local CloudFormation driver tracks per stack, and how its operations fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

StackStatus = Literal[
    "CREATE_IN_PROGRESS",
    "CREATE_COMPLETE",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_FAILED",
]
"""CloudFormation's StackStatus values the driver goes through (a deleted stack leaves the driver)."""
UPDATABLE: frozenset[StackStatus] = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"})
"""The statuses in which CloudFormation accepts an update of a stack."""


class StackOperationError(Exception):
    """A stack operation failed (and, when it got as far as changing anything, was rolled back).

    ``failed``: what CloudFormation goes on tracking for the resource that failed (a custom
    resource that answered FAILED, with the physical id of that answer), so the rollback
    sends it its event too."""

    def __init__(self, logical_id: str, reason: str, failed: Deployed | None = None) -> None:
        super().__init__(f"{logical_id}: {reason}")
        self.logical_id, self.reason, self.failed = logical_id, reason, failed


class TemplateValidationError(StackOperationError):
    """Refused before anything changed, as CloudFormation's ValidationError (no rollback needed)."""


class RollbackFailedError(Exception):
    """The rollback after ``cause`` failed too (UPDATE_ROLLBACK_FAILED / ROLLBACK_FAILED): what is
    deployed now matches neither template. Not a StackOperationError, so a test expecting a clean
    failure does not pass on it."""

    def __init__(self, cause: StackOperationError, error: StackOperationError) -> None:
        super().__init__(f"rolling back after {cause} failed: {error}")
        self.cause, self.error = cause, error


@dataclass(frozen=True)
class SkippedDelete:
    """A delete that failed three times in a cleanup phase and that CloudFormation then skipped:
    the physical resource stays in the account, and the stack no longer knows it."""

    stack: str
    logical_id: str
    physical_id: str
    reason: str


@dataclass
class Deployed:
    type: str
    physical_id: str
    properties: Any
    attributes: dict[str, Any]


@dataclass
class Stack:
    name: str
    account: str
    region: str
    stack_id: str
    template: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Deployed] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, bool] = field(default_factory=dict)
    """The template's Conditions, evaluated with this operation's parameters."""
    status: StackStatus = "CREATE_IN_PROGRESS"
    """CloudFormation's StackStatus, set as each phase of an operation starts (custom resources
    read it while they run)."""
    resource_status: dict[str, str] = field(default_factory=dict)
    """Logical id -> its ResourceStatus (CREATE_COMPLETE, UPDATE_FAILED, ...) as ListStackResources shows it."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """The Outputs, resolved when the last operation that succeeded completed."""
    rollback: Rollback | None = None
    """In UPDATE_ROLLBACK_FAILED: the rollback that ``continue_update_rollback`` runs again."""

    def snapshot(self) -> Snapshot:
        return Snapshot(self.template, dict(self.parameters), dict(self.conditions), dict(self.resources), self.outputs)

    def restore(self, before: Snapshot) -> None:
        """Back to ``before``'s template, parameters and outputs, with the resources it had as they stand now."""
        self.template, self.parameters, self.conditions, self.outputs = (
            before.template,
            before.parameters,
            before.conditions,
            before.outputs,
        )
        self.resources = {lid: self.resources.get(lid, deployed) for lid, deployed in before.resources.items()}
        self.resource_status = {lid: s for lid, s in self.resource_status.items() if lid in self.resources}


@dataclass(frozen=True)
class Snapshot:
    """A stack as an operation found it: what a rollback returns to."""

    template: dict[str, Any]
    parameters: dict[str, str]
    conditions: dict[str, bool]
    resources: dict[str, Deployed]
    outputs: dict[str, Any]


@dataclass
class Rollback:
    """The rollback of one failed update, and how far it got (it may be continued)."""

    before: Snapshot
    cause: StackOperationError | None = None
    """The failure that started it."""
    created: list[str] = field(default_factory=list)
    """Logical ids the update created (or tried to): the rollback's cleanup deletes them."""
    updated: dict[str, Deployed] = field(default_factory=dict)
    """Logical id -> the resource before the update, for those the update changed (or tried to)."""
    reverted: set[str] = field(default_factory=set)
    """Of ``updated``, those back in their old state (or skipped by ``continue_update_rollback``)."""
    failed: set[str] = field(default_factory=set)
    """Of ``updated``, those whose rollback failed (UPDATE_FAILED): the only ones that may be skipped."""
    replaced: dict[str, Deployed] = field(default_factory=dict)
    """Logical id -> the physical resource the update made and the rollback left: the rollback's cleanup deletes it."""
