"""Describe* for the four resource types: by id or ARN, or listed with Owner=SELF|SHARED,
filtered and paged with a NextToken that is good for its own query only."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from .errors import validation
from .grants import shared_with
from .scoping import Caller
from .state import ARN_KEY, Resource, State

# type -> (the id list's member, the answer's list, the operation)
_DESCRIBE = {
    "pool": ("PoolIds", "Pools", "DescribePools"),
    "phone-number": ("PhoneNumberIds", "PhoneNumbers", "DescribePhoneNumbers"),
    "sender-id": ("SenderIds", "SenderIds", "DescribeSenderIds"),
    "opt-out-list": ("OptOutListNames", "OptOutLists", "DescribeOptOutLists"),
}
_FILTER_KEYS = {
    "status": "Status",
    "message-type": "MessageType",
    "two-way-enabled": "TwoWayEnabled",
    "self-managed-opt-outs-enabled": "SelfManagedOptOutsEnabled",
    "opt-out-list-name": "OptOutListName",
    "shared-routes-enabled": "SharedRoutesEnabled",
    "deletion-protection-enabled": "DeletionProtectionEnabled",
    "two-way-channel-arn": "TwoWayChannelArn",
    "iso-country-code": "IsoCountryCode",
    "number-capability": "NumberCapabilities",
    "number-type": "NumberType",
    "sender-id": "SenderId",
    "registered": "Registered",
}


def describe(state: State, kind: str, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    ids_key, list_key, operation = _DESCRIBE[kind]
    owner = body.get("Owner")
    ids = body.get(ids_key)
    if owner and ids:
        raise validation(f"Owner cannot be used together with {ids_key}", "PARAMETERS_CANNOT_BE_USED_TOGETHER")
    if ids:
        found = [state.resolve(caller, kind, _ident(kind, i), f"sms-voice:{operation}") for i in ids]
    else:
        found = [r for r in state.all_resources(caller.region) if r.type == kind and _listed(state, r, caller, owner)]
    found = [r for r in found if _matches(r, body.get("Filters", []))]
    found.sort(key=lambda r: r.arn)
    query = _query_digest(caller, kind, body)
    start = _offset(body.get("NextToken"), query)
    size = body.get("MaxResults", 100)
    page = found[start : start + size]
    answer: dict[str, Any] = {list_key: [{ARN_KEY[kind]: r.arn, **r.info} for r in page]}
    if start + size < len(found):
        answer["NextToken"] = _token(start + size, query)
    return answer


def _listed(state: State, resource: Resource, caller: Caller, owner: str | None) -> bool:
    if (owner or "SELF") == "SELF":
        return resource.account == caller.account
    if resource.account == caller.account:
        return False
    if caller.account in state.ram.accounts_with_access(resource.arn):
        return True
    version = state.visible_policy(resource.arn)
    return version is not None and shared_with(version.text or "{}", caller.account)


def _ident(kind: str, value: Any) -> str:
    """An id or ARN as ``State.resolve`` takes it: a sender ID is ``<SenderId>/<IsoCountryCode>``
    unless given by ARN, which names the country itself."""
    if kind == "sender-id":
        sender = value["SenderId"]
        return sender if sender.startswith("arn:") else f"{sender}/{value['IsoCountryCode']}"
    return str(value)


def _matches(resource: Resource, filters: list[dict[str, Any]]) -> bool:
    """Every filter must match one of its values (booleans compare as 'true'/'false')."""
    for flt in filters:
        key = _FILTER_KEYS.get(flt["Name"])
        if key is None:
            raise validation(f"unknown filter {flt['Name']}", "INVALID_FILTER_VALUES")
        value = resource.info.get(key)
        if key == "MessageType" and "MessageTypes" in resource.info:
            value = resource.info["MessageTypes"]
        values = value if isinstance(value, list) else [value]
        rendered = {str(v).lower() if isinstance(v, bool) else str(v) for v in values}
        if not rendered & set(flt["Values"]):
            return False
    return True


# -- NextToken: the offset and a digest of the query it continues -----------------------------------
def _query_digest(caller: Caller, kind: str, body: dict[str, Any]) -> str:
    query = {k: v for k, v in body.items() if k not in ("NextToken", "MaxResults")}  # page size may change
    text = json.dumps([caller.account, caller.region, kind, query], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _token(offset: int, query: str) -> str:
    return base64.b64encode(json.dumps({"offset": offset, "query": query}).encode()).decode()


def _offset(token: str | None, query: str) -> int:
    if token is None:
        return 0
    try:
        decoded = json.loads(base64.b64decode(token, validate=True))
        offset, issued_for = decoded["offset"], decoded["query"]
    except (ValueError, TypeError, KeyError):
        raise validation("NextToken is not one this service issued", "INVALID_NEXT_TOKEN") from None
    if issued_for != query or not isinstance(offset, int) or offset < 0:
        raise validation("NextToken was issued for another query", "INVALID_NEXT_TOKEN")
    return offset
