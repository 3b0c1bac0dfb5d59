"""Literal property values checked at construction against CloudFormation's registry schemas
(``cfn_schemas.py``, generated from cfn-lint's copy): what CloudFormation would refuse at
deploy time fails synthesis instead, naming the parameter, the rule and the fix. Tokens
(values known only at deploy time) are not checked."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from constructs import Construct

from .cfn_schemas import PROPERTY_RULES
from .ownership import LOOKUP_PLACEHOLDER
from .tokens import is_unresolved

_LIST_TOKEN_MARK = "#{Token["

# What to do, where the rule alone does not say it: (type, path) or (type, path, value).
HINTS: dict[tuple[str, ...], str] = {
    ("AWS::SMSVOICE::PhoneNumber", "NumberType", "SHORT_CODE"): (
        "short codes are not requested through CloudFormation: request one in the console, then "
        "import it with PhoneNumber.from_phone_number_arn"
    ),
    ("AWS::SMSVOICE::SenderId", "SenderId"): "a sender ID is upper case letters, digits, _ and -, e.g. 'MYBRAND'",
    ("AWS::SMSVOICE::PhoneNumber", "IsoCountryCode"): "use a two-letter upper case ISO 3166-1 code, e.g. 'US'",
    ("AWS::SMSVOICE::SenderId", "IsoCountryCode"): "use a two-letter upper case ISO 3166-1 code, e.g. 'GB'",
    ("AWS::SMSVOICE::OptOutList", "OptOutListName"): "use 1 to 64 letters, digits, _ and -",
}

# The keyword replies of pools and phone numbers, by the constructs' parameter names.
KEYWORD_NAMES: dict[str, str] = {
    "MandatoryKeywords.HELP.Message": "help_message",
    "MandatoryKeywords.STOP.Message": "stop_message",
}


def check_properties(scope: Construct, type_name: str, properties: Mapping[str, Any], names: Mapping[str, str]) -> None:
    """Raise ValueError listing every literal value of ``properties`` (CloudFormation names and
    shapes) that ``type_name``'s schema refuses. ``names``: the construct's parameter for a
    property path (``MandatoryKeywords.HELP.Message`` -> ``help_message``)."""
    problems = list(problems_in(type_name, properties, names))
    if problems:
        raise ValueError(
            f"{scope.node.path}: CloudFormation would refuse this {type_name} at deploy time: " + "; ".join(problems)
        )


def problems_in(type_name: str, properties: Mapping[str, Any], names: Mapping[str, str]) -> Iterator[str]:
    rules = PROPERTY_RULES[type_name]
    for name, value in properties.items():
        yield from _check(type_name, rules, name, names.get(name, name), value, names)


def _check(
    type_name: str,
    rules: Mapping[str, Mapping[str, Any]],
    path: str,
    label: str,
    value: Any,
    names: Mapping[str, str],
) -> Iterator[str]:
    """``path``: the schema's (``A[].B``); ``label``: the value as the user gave it (``a[1].B``)."""
    if value is None or _is_token(value):
        return
    rule = rules.get(path, {})
    if isinstance(value, str):
        problem = _string_problem(rule, value)
        if problem:
            hint = HINTS.get((type_name, path, value)) or HINTS.get((type_name, path)) or "give a value it accepts"
            yield f"{label}={value!r} {problem} ({type_name} {path.replace('[]', '')}): {hint}"
    elif isinstance(value, list | tuple):
        count = len(value)
        if "minItems" in rule and count < rule["minItems"]:
            yield f"{label} has {count} items; CloudFormation needs at least {rule['minItems']}"
        if "maxItems" in rule and count > rule["maxItems"]:
            yield f"{label} has {count} items; CloudFormation takes at most {rule['maxItems']}"
        if rule.get("uniqueItems"):
            repeated = next((item for i, item in enumerate(value) if item in value[:i]), None)
            if repeated is not None:
                yield f"{label} names {repeated!r} twice; CloudFormation needs each item once: remove the repeat"
        for index, item in enumerate(value):
            yield from _check(type_name, rules, f"{path}[]", names.get(f"{path}[]", f"{label}[{index}]"), item, names)
    elif isinstance(value, Mapping):
        for key, member in value.items():
            member_path = f"{path}.{key}"
            yield from _check(type_name, rules, member_path, names.get(member_path, f"{label}.{key}"), member, names)


def _string_problem(rule: Mapping[str, Any], value: str) -> str | None:
    if "enum" in rule and value not in rule["enum"]:
        return f"is not one of {', '.join(rule['enum'])}"
    if "minLength" in rule and len(value) < rule["minLength"]:
        return f"is shorter than {rule['minLength']} characters"
    if "maxLength" in rule and len(value) > rule["maxLength"]:
        return f"is longer than {rule['maxLength']} characters"
    if "pattern" in rule and not _pattern(rule["pattern"]).search(value):
        return f"does not match the pattern {rule['pattern']}"
    return None


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    """A schema pattern (ECMA-262: ``$`` is the end of the text) as a Python expression
    (where ``$`` would also match before a final newline)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _is_token(value: Any) -> bool:
    """A value known only at deploy time, or a context lookup's placeholder (the CLI synthesizes
    again with the value); also a number or a boolean (nothing to check here).
    A list token is a list of one encoded string: its item is skipped."""
    if isinstance(value, str):
        # "#{Token[": an item of a list token (a CommaDelimitedList parameter...).
        return is_unresolved(value) or _LIST_TOKEN_MARK in value or value.startswith(LOOKUP_PLACEHOLDER)
    return not isinstance(value, list | tuple | Mapping)
