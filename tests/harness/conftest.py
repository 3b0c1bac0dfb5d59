"""The local CloudFormation driver's own tests use the end-to-end tests' driver fixture."""

from __future__ import annotations

from tests.e2e.conftest import cloudformation, lambdas

__all__ = ["cloudformation", "lambdas"]
