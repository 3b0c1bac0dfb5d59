"""Plain-Python helpers for synthesis: a stack's environment read once, and ``Lazy`` values
computed by Python callables. The bottom layer, with ``tokens`` and ``resource_types``."""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Aws, FeatureFlags, IStableAnyProducer, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from .tokens import is_unresolved


@dataclass(frozen=True)
class StackFacts:
    """A stack's account, region and partition, read once: every jsii read is a round trip to Node."""

    account: str
    region: str
    partition: str | None  # None when the region is only known at deploy time
    minimize_policies: bool = False
    """``@aws-cdk/aws-iam:minimizePolicies``: CDK then sorts a statement's values."""

    @classmethod
    def of(cls, scope: Construct) -> StackFacts:
        return cls.of_stack(Stack.of(scope))

    @classmethod
    def of_stack(cls, stack: Stack) -> StackFacts:
        facts = _FACTS.get(stack)
        if facts is None:
            region = stack.region
            partition = None if is_unresolved(region) else partition_of(region)
            minimize = FeatureFlags.of(stack).is_enabled("@aws-cdk/aws-iam:minimizePolicies") is True
            facts = _FACTS[stack] = cls(stack.account, region, partition, minimize)
        return facts


_FACTS: weakref.WeakKeyDictionary[Stack, StackFacts] = weakref.WeakKeyDictionary()

# Region name -> partition, as CDK's RegionInfo has it (tests/constructs/test_stack_facts.py keeps
# the two in step): RegionInfo's first use costs 50 ms of loading fact tables in Node.
_PARTITIONS = (
    (re.compile(r"cn-[a-z]+-\d+"), "aws-cn"),
    (re.compile(r"us-gov-[a-z]+-\d+"), "aws-us-gov"),
    (re.compile(r"us-iso-[a-z]+-\d+"), "aws-iso"),
    (re.compile(r"us-isob-[a-z]+-\d+"), "aws-iso-b"),
    (re.compile(r"us-isof-[a-z]+-\d+"), "aws-iso-f"),
    (re.compile(r"eu-isoe-[a-z]+-\d+"), "aws-iso-e"),
    (re.compile(r"eusc-[a-z]+-[a-z]+-\d+"), "aws-eusc"),
    (re.compile(r"(af|ap|ca|eu|il|me|mx|sa|us)-[a-z]+-\d+"), "aws"),
)


def partition_of(region: str) -> str | None:
    """The partition of a region name; None for a name no rule knows (the template then keeps
    ``AWS::Partition``)."""
    return next((partition for pattern, partition in _PARTITIONS if pattern.fullmatch(region)), None)


@jsii.implements(IStableAnyProducer)
class Producer:
    """Adapts a Python callable to ``Lazy.any``: the value is computed at synth time."""

    def __init__(self, produce: Any) -> None:
        self._produce = produce

    def produce(self) -> Any:
        return self._produce()


_STACKS: weakref.WeakKeyDictionary[Construct, Stack] = weakref.WeakKeyDictionary()


def stack_of(scope: Construct) -> Stack:
    """``Stack.of(scope)``, without a round trip when ``scope`` is a stack or was asked before."""
    if isinstance(scope, Stack):
        return scope
    stack = _STACKS.get(scope)
    if stack is None:
        stack = _STACKS[scope] = Stack.of(scope)
    return stack


_ACCOUNT = re.compile(r"^\d{12}$")


def literal_principal(principals: Sequence[Any], facts: StackFacts) -> dict[str, Any] | None:
    """``{"AWS": ...}`` as CDK renders these principals in a statement, when every one is an
    ``iam.AccountPrincipal`` of a literal account (one read each); None for anything else."""
    if not principals or any(type(p) is not iam.AccountPrincipal for p in principals):
        return None
    accounts = [p.account_id for p in principals]
    if not all(isinstance(a, str) and _ACCOUNT.match(a) for a in accounts) or len(set(accounts)) < len(accounts):
        return None
    arns = [f"arn:{facts.partition or Aws.PARTITION}:iam::{account}:root" for account in accounts]
    return {"AWS": arns[0] if len(arns) == 1 else sorted(arns) if facts.minimize_policies else arns}


def literal_values(values: list[str], facts: StackFacts) -> str | list[str]:
    """A statement's list of literal strings as CDK renders it: one alone, sorted when minimizing."""
    return values[0] if len(values) == 1 else sorted(values) if facts.minimize_policies else values
