"""``DeletionPolicy`` and ``UpdateReplacePolicy`` as CloudFormation applies them.

- ``DeletionPolicy`` (default ``Delete``) decides what becomes of a resource that leaves the
  stack: removed from the template (or its ``Condition`` turned false) by an update, or its
  stack deleted. ``Retain`` and ``RetainExceptOnCreate`` keep it.
- A rollback deletes what the failed operation created (the custom resource whose Create
  failed included), except ``Retain`` resources; ``RetainExceptOnCreate`` "behaves like
  Retain for stack operations, except for the stack operation that initially created the
  resource", so those are deleted.
- ``UpdateReplacePolicy`` (default ``Delete``) decides the old physical resource after a
  replacement: ``Retain`` keeps it. ``DeletionPolicy`` plays no part there.
- ``Snapshot`` exists for types that can be snapshotted (RDS, EBS, ElastiCache, Redshift),
  none of which this driver creates: treated as ``Delete``.

Every resource kept leaves the stack: it is no longer CloudFormation's to update or delete.
"""

from __future__ import annotations

from typing import Any

DELETION_POLICIES = ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot")
UPDATE_REPLACE_POLICIES = ("Delete", "Retain", "Snapshot")


def problems(template: dict[str, Any]) -> list[str]:
    """What CloudFormation would refuse in the template's policies, before any change."""
    found = []
    attributes = (("DeletionPolicy", DELETION_POLICIES), ("UpdateReplacePolicy", UPDATE_REPLACE_POLICIES))
    for logical_id, definition in template.get("Resources", {}).items():
        for attribute, allowed in attributes:
            value = definition.get(attribute, "Delete")
            if value not in allowed:
                found.append(f"{logical_id}: unrecognized {attribute} {value!r} (one of {', '.join(allowed)})")
    return found


def kept_when_removed(definition: dict[str, Any]) -> bool:
    """A resource leaving the stack (update or stack delete) is kept."""
    return definition.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate")


def kept_on_rollback(definition: dict[str, Any]) -> bool:
    """A resource the failed operation created is kept by its rollback."""
    return definition.get("DeletionPolicy") == "Retain"


def kept_when_replaced(definition: dict[str, Any]) -> bool:
    """The old physical resource of a replacement is kept."""
    return definition.get("UpdateReplacePolicy") == "Retain"
