"""``shared-sms ls``: the four resource types, owned and shared, with their policy status."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from botocore.exceptions import ClientError

from .progress import Progress


@dataclass(frozen=True)
class Listing:
    type: str
    operation: str
    items_key: str
    arn_key: str
    id_key: str


LISTINGS = (
    Listing("pool", "describe_pools", "Pools", "PoolArn", "PoolId"),
    Listing("phone-number", "describe_phone_numbers", "PhoneNumbers", "PhoneNumberArn", "PhoneNumber"),
    Listing("sender-id", "describe_sender_ids", "SenderIds", "SenderIdArn", "SenderId"),
    Listing("opt-out-list", "describe_opt_out_lists", "OptOutLists", "OptOutListArn", "OptOutListName"),
)
OWNERS = {"self": ("SELF",), "shared": ("SHARED",), "all": ("SELF", "SHARED")}


@dataclass(frozen=True)
class Row:
    type: str
    owner: str  # "owned" or "shared"
    arn: str
    id: str
    status: str
    policy: str  # "attached", "none", or "-" for shared resources (not ours to read)


def policy_status(client: Any, arn: str) -> str:
    try:
        text = client.get_resource_policy(ResourceArn=arn).get("Policy")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return "none"
        raise
    return "attached" if text and text.strip() not in ("{}", "") else "none"


def list_rows(client: Any, owner: str, types: list[str], show_progress: bool = False) -> list[Row]:
    """Every resource of ``types``, with the policy status of each owned one: one GetResourcePolicy
    each, the slow part at the service's rate, counted by a bar on stderr when ``show_progress``."""
    rows: list[Row] = []
    with Progress(show_progress) as progress:
        for listing in (item for item in LISTINGS if item.type in types):
            for owner_filter in OWNERS[owner]:
                owned = owner_filter == "SELF"
                for page in client.get_paginator(listing.operation).paginate(Owner=owner_filter):
                    items = page[listing.items_key]
                    progress.expect(len(items) if owned else 0)
                    for item in items:
                        arn = item[listing.arn_key]
                        rows.append(
                            Row(
                                type=listing.type,
                                owner="owned" if owned else "shared",
                                arn=arn,
                                id=str(item.get(listing.id_key, "")),
                                status=str(item.get("Status", "")),
                                policy=policy_status(client, arn) if owned else "-",
                            )
                        )
                        if owned:
                            progress.step()
    return rows


def render(rows: list[Row], output: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if output == "json":
        json.dump([asdict(row) for row in rows], out, indent=2)
        out.write("\n")
        return
    header = Row("TYPE", "OWNER", "ARN", "ID", "STATUS", "POLICY")
    table = [header, *rows]
    widths = [max(len(str(getattr(r, f))) for r in table) for f in Row.__dataclass_fields__]
    for row in table:
        cells = [str(getattr(row, f)).ljust(w) for f, w in zip(Row.__dataclass_fields__, widths, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")
    if not rows:
        out.write("(no resources)\n")
