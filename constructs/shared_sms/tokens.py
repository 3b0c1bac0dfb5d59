"""Cheap, pure-Python token checks for hot paths (each jsii call costs a round trip to Node)."""

from __future__ import annotations

from typing import Any

# How aws-cdk-lib encodes a token inside a string: "${Token[NAME.123]}".
_STRING_TOKEN_MARK = "${Token["


def is_unresolved(value: str) -> bool:
    """Like ``Token.is_unresolved`` for strings, without leaving Python."""
    return _STRING_TOKEN_MARK in value


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::"))


def inline_partition(value: Any, partition: str | None) -> Any:
    """Resolved CloudFormation JSON with ``{"Ref": "AWS::Partition"}`` replaced by ``partition``
    and every ``Fn::Join`` of literals folded into one string."""
    if partition is None:
        return value
    if isinstance(value, list):
        return [inline_partition(item, partition) for item in value]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": "AWS::Partition"}:
        return partition
    if set(value) == {"Fn::Join"} and isinstance(value["Fn::Join"], list) and len(value["Fn::Join"]) == 2:
        separator, parts = value["Fn::Join"]
        parts = [inline_partition(part, partition) for part in parts]
        if all(isinstance(part, str) for part in parts):
            return str(separator).join(parts)
        return {"Fn::Join": [separator, parts]}
    return {key: inline_partition(item, partition) for key, item in value.items()}


def contains_token(value: Any) -> bool:
    """Whether a string anywhere in ``value`` (dicts, lists) is an unresolved token."""
    if isinstance(value, str):
        return is_unresolved(value)
    if isinstance(value, dict):
        return any(contains_token(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_token(item) for item in value)
    return False


def contains_intrinsic(value: Any) -> bool:
    if is_intrinsic(value):
        return True
    if isinstance(value, dict):
        return any(contains_intrinsic(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_intrinsic(item) for item in value)
    return False
