"""The Python copy of CDK's region-to-partition facts stays in step with RegionInfo."""

from __future__ import annotations

import pytest
from aws_cdk.region_info import RegionInfo

from shared_sms.stack_facts import partition_of


def test_every_region_cdk_knows_maps_to_cdks_partition() -> None:
    regions = RegionInfo.regions
    assert len(regions) > 30
    assert {region.name: partition_of(region.name) for region in regions} == {
        region.name: region.partition for region in regions
    }


@pytest.mark.parametrize("region", ["xx-west-1", "us-east", "mars-north-1", ""])
def test_a_region_no_rule_knows_keeps_the_partition_a_deploy_time_value(region: str) -> None:
    assert partition_of(region) is None
