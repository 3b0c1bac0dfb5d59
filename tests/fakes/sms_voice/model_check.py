"""Request and response checks against botocore's SMS Voice V2 service model.

botocore checks required members, types and minimums on the client; the
service checks the rest (maximums, patterns, enums), so the emulator does too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.model import Shape

SERVICE = "pinpoint-sms-voice-v2"


@lru_cache(maxsize=1)
def service_model() -> Any:
    return botocore.session.get_session().get_service_model(SERVICE)


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def problems(shape: Shape, value: Any, path: str = "") -> list[tuple[str, str]]:
    """(field, message) for every way ``value`` breaks ``shape``."""
    found: list[tuple[str, str]] = []
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [(path or "input", "must be an object")]
        for name in shape.required_members:
            if name not in value:
                found.append((_join(path, name), "is required"))
        for name, item in value.items():
            member = shape.members.get(name)
            if member is None:
                found.append((_join(path, name), "is not a known member"))
            else:
                found += problems(member, item, _join(path, name))
    elif kind == "list":
        if not isinstance(value, list):
            return [(path, "must be a list")]
        found += _bounds(meta, len(value), path, "items")
        for index, item in enumerate(value):
            found += problems(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            return [(path, "must be a map")]
    elif kind == "string":
        if not isinstance(value, str):
            return [(path, "must be a string")]
        found += _bounds(meta, len(value), path, "characters")
        if shape.enum and value not in shape.enum:
            found.append((path, f"must be one of {', '.join(shape.enum)}"))
        pattern = _pattern(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and not pattern.fullmatch(value):
            found.append((path, f"must match {meta['pattern']}"))
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return [(path, "must be an integer")]
        found += _bounds(meta, value, path, "")
    elif kind == "boolean" and not isinstance(value, bool):
        found.append((path, "must be a boolean"))
    return found


def _bounds(meta: dict[str, Any], size: int, path: str, unit: str) -> list[tuple[str, str]]:
    out = []
    if "min" in meta and size < meta["min"]:
        out.append((path, f"must have at least {meta['min']} {unit}".rstrip()))
    if "max" in meta and size > meta["max"]:
        out.append((path, f"must have at most {meta['max']} {unit}".rstrip()))
    return out


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
