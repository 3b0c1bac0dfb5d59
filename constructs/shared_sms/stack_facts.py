"""Plain-Python helpers for synthesis: a stack's environment read once, and ``Lazy`` values
computed by Python callables. The bottom layer, with ``tokens`` and ``resource_types``."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import IStableAnyProducer, Stack
from aws_cdk.region_info import RegionInfo
from constructs import Construct

from .tokens import is_unresolved


@dataclass(frozen=True)
class StackFacts:
    """A stack's account, region and partition, read once: every jsii read is a round trip to Node."""

    account: str
    region: str
    partition: str | None  # None when the region is only known at deploy time

    @classmethod
    def of(cls, scope: Construct) -> StackFacts:
        return cls.of_stack(Stack.of(scope))

    @classmethod
    def of_stack(cls, stack: Stack) -> StackFacts:
        facts = _FACTS.get(stack)
        if facts is None:
            region = stack.region
            partition = None if is_unresolved(region) else RegionInfo.get(region).partition
            facts = _FACTS[stack] = cls(stack.account, region, partition)
        return facts


_FACTS: weakref.WeakKeyDictionary[Stack, StackFacts] = weakref.WeakKeyDictionary()


@jsii.implements(IStableAnyProducer)
class Producer:
    """Adapts a Python callable to ``Lazy.any``: the value is computed at synth time."""

    def __init__(self, produce: Any) -> None:
        self._produce = produce

    def produce(self) -> Any:
        return self._produce()
