"""Who calls, and what an ARN names: accounts, regions and partitions.

The service is regional and each resource belongs to one account, so the emulator keeps its
resources per (account, region); an ARN's partition follows its region, as botocore's own
partition data says (``cn-north-1`` is ``aws-cn``, ``eusc-de-east-1`` is ``aws-eusc``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from tests.fakes import partitions

_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):sms-voice:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<type>pool|phone-number|opt-out-list|sender-id)/(?P<id>.+)$"
)


def partition_of(region: str) -> str:
    """The region's partition; a name no partition claims is ``aws``, as botocore's endpoint rules do."""
    return partitions.partition_of(region) or "aws"


@dataclass(frozen=True)
class Caller:
    """The account and region a request was signed for."""

    account: str
    region: str

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    @property
    def principal(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:root"

    def arn(self, kind: str, ident: str) -> str:
        return f"arn:{self.partition}:sms-voice:{self.region}:{self.account}:{kind}/{ident}"


class ResourceArn(NamedTuple):
    partition: str
    region: str
    account: str
    type: str
    id: str
    """As the emulator keys it: a sender ID's id is ``<SenderId>/<IsoCountryCode>``."""

    def in_region_of(self, caller: Caller) -> bool:
        return (self.partition, self.region) == (caller.partition, caller.region)


def parse_arn(text: str) -> ResourceArn | None:
    """The parts of an SMS Voice V2 resource ARN; None for anything else."""
    match = _ARN.match(text)
    return None if match is None else ResourceArn(*match.group("partition", "region", "account", "type", "id"))
