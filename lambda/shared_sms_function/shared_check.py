"""``Custom::SmsSharedResourceCheck``: is this ARN shared with the deploying account yet?

Lists the type's resources with ``Owner="SHARED"`` through botocore's paginators
(narrowed by filters where the API has them: sender ID and country for sender
IDs) and answers what the owner shares (status, message type, two-way flags...).

The service is regional: a list shows what is shared with the caller in the client's
region only. An ARN of another region than the function's is listed with a client of the
ARN's region (``client_for``), as the same identity.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .client import sms_voice_client
from .errors import PolicyError, describe_client_error, is_iam_denied
from .properties import SMS_VOICE_ARN


class NotSharedError(PolicyError):
    """The owner does not share the ARN with the caller (or it no longer exists)."""


class ListDeniedError(PolicyError):
    """IAM refused a Describe call (no Reason: not an account state): the role may still be
    getting its policy, created in the same deployment."""


@dataclass(frozen=True)
class _Listing:
    operation: str
    items_key: str
    arn_key: str
    noun: str


LISTINGS = {
    "pool": _Listing("describe_pools", "Pools", "PoolArn", "pool"),
    "phone-number": _Listing("describe_phone_numbers", "PhoneNumbers", "PhoneNumberArn", "phone number"),
    "sender-id": _Listing("describe_sender_ids", "SenderIds", "SenderIdArn", "sender ID"),
    "opt-out-list": _Listing("describe_opt_out_lists", "OptOutLists", "OptOutListArn", "opt-out list"),
}


def account_of_stack(stack_id: str) -> str:
    """The deploying account, from ``arn:aws:cloudformation:<region>:<account>:stack/...``."""
    parts = stack_id.split(":")
    return parts[4] if len(parts) > 5 else ""


_REGIONAL: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def client_for(client: Any, arn: str) -> Any:
    """``client``, or its twin in the region of ``arn``: ``Owner="SHARED"`` lists only the
    caller's region, so a number of us-east-1 is listed there whichever region the consumer's
    stack (and this function) deploys to. The twin signs with the same credentials (the
    function's role, whose Describe* grant is on Resource "*", any region) and is kept with
    ``client`` for later checks."""
    match = SMS_VOICE_ARN.match(arn)
    region = match["region"] if match else None
    if region is None or region == client.meta.region_name:
        return client
    regional = _REGIONAL.setdefault(client, {})
    if region not in regional:
        credentials = client._get_credentials()  # botocore's: the identity this client signs as
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
        keys: dict[str, Any] = (
            {}
            if frozen is None
            else {
                "aws_access_key_id": frozen.access_key,
                "aws_secret_access_key": frozen.secret_key,
                "aws_session_token": frozen.token,
            }
        )
        endpoint = str(client.meta.endpoint_url or "")
        if endpoint and client.meta.region_name not in endpoint:
            keys["endpoint_url"] = endpoint  # one given explicitly (an emulator, a proxy): not a region's
        regional[region] = sms_voice_client(region, **keys)
    return regional[region]


def check_properties(properties: dict[str, Any]) -> str:
    arn = properties.get("ResourceArn")
    if not isinstance(arn, str) or SMS_VOICE_ARN.match(arn) is None:
        raise PolicyError(
            f"ResourceArn must be an sms-voice pool, phone-number, opt-out-list or sender-id ARN, got {arn!r:.120}"
        )
    return arn


def find_shared(client: Any, arn: str) -> dict[str, Any] | None:
    """The Describe* entry of ``arn`` among the resources shared with the caller, or None;
    listed in the ARN's region (``client_for``)."""
    match = SMS_VOICE_ARN.match(arn)
    assert match is not None
    client = client_for(client, arn)
    listing = LISTINGS[match["type"]]
    arguments: dict[str, Any] = {"Owner": "SHARED"}
    if match["type"] == "sender-id":
        sender_id, country = arn.rsplit("/", 2)[1:]
        arguments["Filters"] = [
            {"Name": "sender-id", "Values": [sender_id]},
            {"Name": "iso-country-code", "Values": [country]},
        ]
    try:
        for page in client.get_paginator(listing.operation).paginate(**arguments):
            for item in page.get(listing.items_key, []):
                if item.get(listing.arn_key) == arn:
                    return dict(item)
    except ClientError as error:
        operation = listing.operation.replace("_", " ").title().replace(" ", "")
        if is_iam_denied(error):
            # Owner="SHARED" lists take no ids, so IAM authorizes them against "*", not the ARN.
            raise ListDeniedError(
                f"{operation} with Owner=SHARED was denied: the function's role needs sms-voice:{operation} "
                'on Resource "*" (list calls take no ARN); check SCPs and permission boundaries'
            ) from None
        raise describe_client_error(operation, arn, error) from None
    return None


def check_shared(client: Any, arn: str, consumer_account: str) -> dict[str, str]:
    """Data attributes describing the shared resource; PolicyError if it is not shared."""
    match = SMS_VOICE_ARN.match(arn)
    assert match is not None
    noun, owner = LISTINGS[match["type"]].noun, match["account"]
    if owner == consumer_account:
        raise PolicyError(f"{arn} belongs to this account ({owner}): only resources of other accounts are checked")
    item = find_shared(client, arn)
    if item is None:
        raise NotSharedError(
            f"{noun} {arn} is not shared with {consumer_account} yet: its owner must share it (policy or "
            "RAM); outside the owner's organization, accept the RAM invitation first"
        )
    return {key: _text(value) for key, value in item.items() if isinstance(value, (str, bool, int, float))}


def unknown_attributes(client: Any, arn: str) -> dict[str, str]:
    """Every attribute a check of ``arn``'s type answers, empty: what a rollback that could not
    check answers, so that no reference to an attribute breaks (values are unknown)."""
    match = SMS_VOICE_ARN.match(arn)
    assert match is not None
    listing = LISTINGS[match["type"]]
    name = "".join(part.title() for part in listing.operation.split("_"))
    output = client.meta.service_model.operation_model(name).output_shape
    item = output.members[listing.items_key].member
    scalars = {"string", "boolean", "integer", "long", "float", "double"}
    return {key: "" for key, shape in item.members.items() if shape.type_name in scalars}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
