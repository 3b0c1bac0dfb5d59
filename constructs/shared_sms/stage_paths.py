"""Paths that stay the same when an app's stacks move into a ``cdk.Stage`` (CDK Pipelines)."""

from __future__ import annotations

from aws_cdk import Stage
from constructs import IConstruct


def stage_relative_path(construct: IConstruct) -> str:
    """``construct``'s path below its nearest ``Stage``: for a stack directly in the ``App``,
    its whole path (the App's path is empty); ``Prod/Producer/OptOuts/Resource`` in the Stage
    ``Prod`` is ``Producer/OptOuts/Resource``, as if the stack were in the App."""
    path = construct.node.path
    stage = Stage.of(construct)
    prefix = stage.node.path if stage is not None else ""
    return path[len(prefix) + 1 :] if prefix and path.startswith(prefix + "/") else path
