"""PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy: owner-only, with reads that can
lag behind writes (``State.visibility_delay_s``, ``delete_visibility_delay_s``, ``read_consistency``).

A resource without a policy answers GetResourcePolicy as ``State.no_policy_style`` says:
ResourceNotFoundException of type ``policy`` (the default) or HTTP 200 with ``Policy`` ``"{}"``
(what the Terraform provider documents AWS answering): assumption, measured by tools/calibrate.py."""

from __future__ import annotations

import json
import time
from typing import Any

from .errors import not_found, validation
from .realism import equivalent_rewrite
from .scoping import Caller, parse_arn
from .state import PolicyVersion, Resource, State


def put_resource_policy(state: State, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    resource = _target(state, caller, body["ResourceArn"])
    try:
        parsed = json.loads(body["Policy"])
    except ValueError:
        raise validation("the policy is not valid JSON", "CANNOT_PARSE") from None
    if not isinstance(parsed, dict) or "Statement" not in parsed:
        raise validation("the policy has no Statement", "CANNOT_PARSE")
    now = time.time()
    stored = equivalent_rewrite(body["Policy"]) if state.normalize_policies else body["Policy"]
    state.policies.setdefault(resource.arn, []).append(PolicyVersion(stored, now, now + state.visibility_delay_s()))
    return {"ResourceArn": resource.arn, "Policy": stored, "CreatedTimestamp": now}


def get_resource_policy(state: State, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    resource = _target(state, caller, body["ResourceArn"])
    version = state.visible_policy(resource.arn)
    if version is None:
        if state.no_policy_style == "empty":
            return {"ResourceArn": resource.arn, "Policy": "{}"}
        raise not_found("policy", resource.arn, f"no policy on {resource.arn}")
    return {"ResourceArn": resource.arn, "Policy": version.text, "CreatedTimestamp": version.created}


def delete_resource_policy(state: State, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    resource = _target(state, caller, body["ResourceArn"])
    # Writes see every earlier write, visible yet or not; only reads lag behind them.
    versions = state.policies.get(resource.arn, [])
    version = versions[-1] if versions and versions[-1].text is not None else None
    if version is None:
        raise not_found("policy", resource.arn, f"no policy on {resource.arn}")
    now = time.time()  # like a Put, a Delete shows after the read-after-write lag
    lag = state.visibility_delay_s() if state.delete_visibility_delay_s is None else state.delete_visibility_delay_s
    versions.append(PolicyVersion(None, now, now + lag))
    return {"ResourceArn": resource.arn, "Policy": version.text, "CreatedTimestamp": version.created}


def _target(state: State, caller: Caller, text: str) -> Resource:
    arn = parse_arn(text)
    if arn is None:
        raise validation(f"{text} is not a valid resource ARN", "INVALID_ARN")
    if not arn.in_region_of(caller):  # the endpoint is regional: it holds no such resource
        raise not_found(arn.type, arn.id, f"resource {text} not found")
    if arn.account != caller.account:
        # Only the owner reads or writes a resource's policy. Whether AWS answers this or
        # AccessDenied is undocumented; the function's and the CLI's tests expect this answer.
        raise validation(f"{text} is not owned by account {caller.account}", "RESOURCE_NOT_ACCESSIBLE")
    resource = state.scopes.get((arn.account, arn.region), {}).get(f"{arn.type}/{arn.id}")
    if resource is None:
        raise not_found(arn.type, arn.id, f"resource {text} not found")
    return resource
