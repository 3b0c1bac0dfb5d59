"""Whose resource an ARN names, as far as synthesis can tell (README, "Several stacks, and
ARNs known only at deploy time").

- ``this``: created in this stack; created in another stack of the app in the same
  account (a cross-stack reference); or an ARN whose account is this stack's, literally or
  as ``AWS::AccountId`` (``stack.format_arn``, ``Fn.sub``, ``Aws.ACCOUNT_ID``).
- ``another``: an ARN or a creating stack with another literal account.
- An import of a CDK reference (``IPhoneNumberRef``, ``IPoolRef``...) goes by the reference's
  ``env.account`` first, where it and the stack's account are both literal.
- ``unknown``: everything else (a ``CfnParameter``, an SSM value, an ``Fn.import_value``, a
  context lookup not done yet, a literal ARN in a stack without an account).
"""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import CfnResource, Reference, Stack, Tokenization

from .shareable import Shareable
from .stack_facts import StackFacts
from .tokens import is_unresolved

THIS, ANOTHER, UNKNOWN = "this", "another", "unknown"
# What ssm.StringParameter.value_from_lookup (and other context lookups) return before the
# CLI has done the lookup: synthesis must go on so that the CLI learns what to look up.
LOOKUP_PLACEHOLDER = "dummy-value-for-"
_SELF = "\x00self\x00"  # AWS::AccountId in a rendered ARN
_PSEUDO = "\x00pseudo\x00"  # another pseudo parameter (partition, region, URL suffix)
_ACCOUNT = re.compile(r"^\d{12}$")


def is_deploy_time(arn: str) -> bool:
    return is_unresolved(arn) or arn.startswith(LOOKUP_PLACEHOLDER)


def ownership_of(stack: Stack, arn: str, *, account: str | None = None) -> str:
    """``this``, ``another`` or ``unknown`` for ``arn`` seen from ``stack``; ``account``: the
    resource's account as its CDK reference's ``env`` gives it, which decides where it and the
    stack's account are both known."""
    if arn.startswith(LOOKUP_PLACEHOLDER):
        return UNKNOWN
    stack_account = StackFacts.of_stack(stack).account
    if account is not None and not is_unresolved(account) and not is_unresolved(stack_account):
        return _compare(account, stack_account)
    if not is_unresolved(arn):
        return _compare(arn.split(":")[4], stack_account)
    target = created_resource_of(arn)
    if target is not None:
        target_stack = Stack.of(target)
        if target_stack is stack or (is_unresolved(target_stack.account) and is_unresolved(stack_account)):
            return THIS  # a cross-stack reference only works within one account and region
        return _compare(target_stack.account, stack_account)
    account = account_in(stack.resolve(arn))
    if account == _SELF:
        return THIS
    return _compare(account, stack_account) if account else UNKNOWN


def _compare(arn_account: str, stack_account: str) -> str:
    if is_unresolved(arn_account) or is_unresolved(stack_account):
        return UNKNOWN
    return THIS if arn_account == stack_account else ANOTHER


def created_resource_of(arn: str) -> CfnResource | None:
    """The ``AWS::SMSVOICE::*`` resource of this app whose attribute ``arn`` is, if any."""
    if not is_unresolved(arn):
        return None
    fragments = Tokenization.reverse_string(arn)
    if fragments.length != 1:
        return None
    token = fragments.first_token
    target = token.target if isinstance(token, Reference) else None
    if isinstance(target, CfnResource) and target.cfn_resource_type.startswith("AWS::SMSVOICE::"):
        return target
    return None


def account_in(resolved: Any) -> str | None:
    """The account field of a resolved ARN: 12 digits, ``_SELF`` for AWS::AccountId, or None."""
    text = _render(resolved)
    if text is None:
        return None
    fields = text.split(":")
    if len(fields) < 6:
        return None
    account = fields[4]
    return account if account == _SELF or _ACCOUNT.match(account) else None


def _render(value: Any) -> str | None:
    """A resolved string as text, pseudo parameters as markers; None for other intrinsics."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((name, arg),) = value.items()
    if name == "Ref" and isinstance(arg, str) and arg.startswith("AWS::"):
        return _SELF if arg == "AWS::AccountId" else _PSEUDO
    if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        parts = [_render(part) for part in arg[1]]
        return None if any(p is None for p in parts) else str(arg[0]).join(p for p in parts if p is not None)
    if name == "Fn::Sub" and isinstance(arg, str):
        text = arg.replace("${AWS::AccountId}", _SELF)
        text = re.sub(r"\$\{AWS::(Partition|Region|URLSuffix)\}", _PSEUDO, text)
        return None if "${" in text else text
    return None


def placement_problems(stack: Stack, resource: Shareable) -> list[tuple[str, str, str]]:
    """``(part, resource's value, stack's value)`` for the region and account, where both are
    known and differ: only the owner, in the resource's region, writes its policy or shares it."""
    arn = resource.resource_arn
    if is_deploy_time(arn):
        target = created_resource_of(arn)
        if target is None:
            # The import's environment: a token from an ARN token, a CDK reference's own otherwise.
            env = resource.env
            place = {"region": env.region, "account": env.account}
        else:
            target_stack = Stack.of(target)
            place = {"region": target_stack.region, "account": target_stack.account}
    else:
        place = resource.resource_type.parse_arn(arn).groupdict()
    facts = StackFacts.of_stack(stack)
    return [
        (part, place[part], value)
        for part, value in (("region", facts.region), ("account", facts.account))
        if not is_unresolved(value) and not is_unresolved(place[part]) and place[part] != value
    ]
