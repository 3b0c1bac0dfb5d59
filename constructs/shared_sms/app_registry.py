"""Every resource policy of the app whose ARN is literal, so that two stacks writing one
ARN's policy are seen at synth time.

Two stacks may both write statements to one ARN when both MERGE (each owns its own
statements): each gets a warning that names the other. With FAIL or REPLACE on either
side they would fight at deploy time (FAIL refuses the other's statements, REPLACE
removes them), so that is an error naming both and the fix.
"""

from __future__ import annotations

import weakref

from aws_cdk import Annotations, Stack
from constructs import Construct, IConstruct

from .ownership import created_resource_of, is_deploy_time
from .shareable import Shareable

_ROOTS: weakref.WeakKeyDictionary[Stack, IConstruct] = weakref.WeakKeyDictionary()
# app -> ARN (or created resource) -> (policy construct, its OnExistingPolicy mode)
_BY_APP: weakref.WeakKeyDictionary[IConstruct, dict[str, list[tuple[Construct, str]]]] = weakref.WeakKeyDictionary()
MERGE = "MERGE"


def register_in_app(policy: Construct, *, resource: Shareable, mode: str) -> None:
    """Record that ``policy`` (a ResourcePolicy in ``mode``) writes ``resource``'s policy."""
    arn = resource.resource_arn
    if is_deploy_time(arn):
        created = created_resource_of(arn)
        if created is None:
            return  # a parameter, an SSM value...: which resource it names is not known here
        key, arn = f"created:{created.node.path}", created.node.path
    else:
        key = arn
    stack = resource.own_stack
    root = _ROOTS.get(stack)
    if root is None:
        root = _ROOTS[stack] = stack.node.root
    others = _BY_APP.setdefault(root, {}).setdefault(key, [])
    for other, other_mode in others:
        if mode != MERGE or other_mode != MERGE:
            raise ValueError(
                f"{policy.node.path} ({mode}) and {other.node.path} "
                f"({other_mode}) both write the resource policy of {arn}; with FAIL or "
                'REPLACE they would undo each other at deploy time: use on_existing_policy="MERGE" in '
                "both (each stack then owns only its own statements), or keep the statements in one stack"
            )
        for one, two in ((policy, other), (other, policy)):
            Annotations.of(one).add_warning_v2(
                "shared-sms:policy-in-several-stacks",
                f"stack {Stack.of(two).node.path} ({two.node.path}) also writes statements to the policy of "
                f"{arn}; both MERGE, so each keeps its own statements beside the other's",
            )
    others.append((policy, mode))
