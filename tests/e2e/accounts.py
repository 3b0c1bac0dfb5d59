"""What an owner account holds, read through the real API: its policies, what is shared."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from shared_sms.cli.inventory import LISTINGS
from shared_sms_function.equivalence import normalize
from tests.conftest import ours

NEW_CONSUMER = "777788889999"
ORG_MEMBER = "555566667777"


def policies(client: Any) -> dict[str, str]:
    """Every policy the owner account has, by ARN."""
    found = {}
    for listing in LISTINGS:
        for page in client.get_paginator(listing.operation).paginate():
            for item in page[listing.items_key]:
                with contextlib.suppress(client.exceptions.ResourceNotFoundException):
                    arn = item[listing.arn_key]
                    found[arn] = client.get_resource_policy(ResourceArn=arn)["Policy"]
    return found


def shared_with(client: Any) -> set[str]:
    """Every ARN other accounts share with the client's account."""
    return {
        item[listing.arn_key]
        for listing in LISTINGS
        for page in client.get_paginator(listing.operation).paginate(Owner="SHARED")
        for item in page[listing.items_key]
    }


def by_meaning(found: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {arn: normalize(json.loads(text)) for arn, text in found.items()}


def marked(text: str | None) -> bool:
    """Whether a policy holds statements a shared-sms stack wrote."""
    return text is not None and bool(ours(json.loads(text)))
