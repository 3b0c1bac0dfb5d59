"""Resolving the CloudFormation intrinsics that CDK templates use: Ref, Fn::GetAtt,
Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue, Fn::If and the pseudo parameters."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.fakes import partitions

NO_VALUE = object()


class UnsupportedIntrinsicError(Exception):
    pass


def references(value: Any) -> set[str]:
    """Logical ids that ``value`` refers to (Ref, Fn::GetAtt, Fn::Sub variables)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str) and not item.startswith("AWS::"):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".")[0])
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                found |= {
                    name.split(".")[0]
                    for name in re.findall(r"\$\{([^!}][^}]*)\}", text)
                    if not name.startswith("AWS::")
                }
                if isinstance(item, list):
                    found |= references(item[1])
            else:
                found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def resolve(
    value: Any,
    ref: Callable[[str], Any],
    get_att: Callable[[str, str], Any],
    import_value: Callable[[str], Any] | None = None,
    condition: Callable[[str], bool] | None = None,
) -> Any:
    """``value`` with every intrinsic evaluated; ``ref`` answers Ref (pseudo parameters and
    template parameters included), ``import_value`` Fn::ImportValue, ``condition`` the value
    of a named condition for Fn::If (``Ref: AWS::NoValue`` drops the key or item it stands for)."""

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [v for v in (walk(x) for x in item) if v is not NO_VALUE]
        if not isinstance(item, dict):
            return item
        if len(item) == 1:
            ((key, arg),) = item.items()
            if key == "Ref":
                return NO_VALUE if arg == "AWS::NoValue" else ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return get_att(logical, attribute)
            if key == "Fn::Join":
                separator, parts = walk(arg[0]), walk(arg[1])
                return str(separator).join(str(part) for part in parts)
            if key == "Fn::Select":
                index, items = walk(arg[0]), walk(arg[1])
                return items[int(index)]
            if key == "Fn::Split":
                separator, text = walk(arg[0]), walk(arg[1])
                return str(text).split(str(separator))
            if key == "Fn::ImportValue" and import_value is not None:
                return import_value(str(walk(arg)))
            if key == "Fn::If" and condition is not None:
                name, when_true, when_false = arg
                return walk(when_true if condition(name) else when_false)  # the other branch is never resolved
            if key == "Fn::Sub":
                text, variables = (arg[0], walk(arg[1])) if isinstance(arg, list) else (arg, {})
                return _substitute(text, variables, ref, get_att)
            if key.startswith("Fn::") or key == "Condition":
                raise UnsupportedIntrinsicError(f"{key} is not supported by the local deployment driver")
        return {k: v for k, v in ((k, walk(v)) for k, v in item.items()) if v is not NO_VALUE}

    resolved = walk(value)
    return None if resolved is NO_VALUE else resolved


def partition_of(region: str) -> tuple[str, str]:
    """``AWS::Partition`` and ``AWS::URLSuffix`` of ``region``, from botocore's partition data."""
    partition = partitions.partition_of(region)
    if partition is None:
        raise ValueError(f"{region!r} is in no partition botocore knows")
    return partition, partitions.dns_suffix(partition)


def _substitute(
    text: str, variables: dict[str, Any], ref: Callable[[str], Any], get_att: Callable[[str, str], Any]
) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return str(variables[name])
        if "." in name and not name.startswith("AWS::"):
            logical, attribute = name.split(".", 1)
            return str(get_att(logical, attribute))
        return str(ref(name))

    return re.sub(r"\$\{([^}]+)\}", one, text)
