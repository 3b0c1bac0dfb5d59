"""A region's partition and DNS suffix as the installed botocore resolves them, for the test
doubles (the emulator's ARNs, the driver's AWS::Partition and AWS::URLSuffix)."""

from __future__ import annotations

import functools

import botocore.session
from botocore.exceptions import UnknownRegionError
from botocore.loaders import create_loader
from botocore.regions import EndpointResolver


@functools.cache
def partition_of(region: str) -> str | None:
    """A listed region's partition, else the first whose region pattern matches; None for a
    name no partition claims."""
    try:
        return str(botocore.session.get_session().get_partition_for_region(region))
    except UnknownRegionError:
        return None


@functools.cache
def dns_suffix(partition: str) -> str:
    return str(EndpointResolver(create_loader().load_data("endpoints")).get_partition_dns_suffix(partition))
