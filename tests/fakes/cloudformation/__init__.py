"""A local, read-only CloudFormation (DescribeStacks, ListStackResources) for tests (not product code)."""

from .server import CloudFormationEmulator, StackRecord, from_local_driver

__all__ = ["CloudFormationEmulator", "StackRecord", "from_local_driver"]
