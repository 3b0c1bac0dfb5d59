"""``Shareable``: what policies, RAM shares and shared-resource checks need of a resource.

``SmsResourceBase`` (the layer above) provides it; the modules in between depend on
this protocol instead, so that no module imports one that imports it back.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from aws_cdk import Stack
from aws_cdk.interfaces import ResourceEnvironment
from constructs import Node

from .resource_types import SmsResourceType


class Shareable(Protocol):
    resource_type: ClassVar[SmsResourceType]

    @property
    def node(self) -> Node: ...

    @property
    def resource_arn(self) -> str: ...

    @property
    def env(self) -> ResourceEnvironment:
        """The resource's account and region (tokens where only the deploy knows them)."""
        ...

    @property
    def own_stack(self) -> Stack:
        """``Stack.of(self)``, read once."""
        ...

    @property
    def ownership(self) -> str:
        """``this``, ``another`` or ``unknown`` (see ``ownership``)."""
        ...
