"""What the local CloudFormation driver tracks per stack, and how its operations fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
