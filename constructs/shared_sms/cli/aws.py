"""The CLI's AWS clients (SMS Voice V2, CloudFormation) and the translation of AWS errors into one-line messages."""

from __future__ import annotations

import functools
import os
from typing import Any

SERVICE = "pinpoint-sms-voice-v2"


class CliError(Exception):
    """A problem to print as one line, exiting with status 2."""


def session(region: str | None, profile: str | None) -> Any:
    """A boto3 session from the normal credential chain; AWS_ENDPOINT_URL_* variables are honoured by botocore."""
    import boto3

    # botocore reads AWS_DEFAULT_REGION; AWS_REGION is what Lambda and most tools set.
    return boto3.Session(profile_name=profile, region_name=region or os.environ.get("AWS_REGION") or None)


def client(region: str | None, profile: str | None, service: str = SERVICE) -> Any:
    return _client(session(region, profile), service)


MAX_ATTEMPTS = 5
"""Attempts per call unless AWS_MAX_ATTEMPTS says otherwise."""


def retries() -> dict[str, Any]:
    """botocore's adaptive retries. SMS and Voice v2 serves 1 request per second per operation,
    account and Region, shared with every other caller there: a run over hundreds of policies
    is throttled all along. Standard retries back off at random and spend the client's retry
    quota (5 of its 500 per retried throttle, 1 back per call that needs no retry) until retries
    stop and every throttled call is an error row; the adaptive mode's client-side rate limiter
    learns the rate from the throttling and paces the calls, so each call is retried about
    once and the quota holds (measured against the emulator: tests/cli/test_cli_rates.py)."""
    return {"mode": "adaptive", "total_max_attempts": int(os.environ.get("AWS_MAX_ATTEMPTS") or MAX_ATTEMPTS)}


def _client(boto_session: Any, service: str = SERVICE, region: str | None = None) -> Any:
    from botocore.config import Config

    return boto_session.client(service, region_name=region, config=Config(retries=retries()))


@functools.cache
def partition_of(region: str) -> str | None:
    """The region's partition as the installed botocore's endpoint data has it (None: a region it
    does not know); regions are added to that data before anyone can use them."""
    import botocore.session
    from botocore.exceptions import UnknownRegionError

    try:
        return str(botocore.session.get_session().get_partition_for_region(region))
    except UnknownRegionError:
        return None


def partition_and_region(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return (parts[1], parts[3]) if len(parts) > 5 else ("", "")


class RegionalClients:
    """SMS Voice V2 clients of one session, one per (partition, region) named by the ARNs asked for:
    a resource policy is only served by its resource's own region."""

    def __init__(self, region: str | None, profile: str | None) -> None:
        self._session = session(region, profile)
        self._clients: dict[tuple[str, str], Any] = {}

    @property
    def default_region(self) -> str | None:
        """--region, AWS_REGION, AWS_DEFAULT_REGION or the profile's region."""
        region: str | None = self._session.region_name
        return region

    def for_arn(self, arn: str) -> Any:
        partition, region = partition_and_region(arn)
        expected = partition_of(region)
        if expected is None:
            import botocore

            raise CliError(
                f"{arn}: region {region!r} is not in botocore {botocore.__version__}'s endpoint data: "
                "check the ARN or upgrade boto3"
            )
        if partition != expected:
            raise CliError(f"{arn}: region {region} is in partition {expected}, not {partition}: check the ARN")
        key = (partition, region)
        if key not in self._clients:
            self._clients[key] = _client(self._session, region=region)
        return self._clients[key]

    def cloudformation(self, region: str) -> Any:
        """The CloudFormation client of a stack's region (stacks.py reads the stacks behind the policies)."""
        key = ("cloudformation", region)
        if key not in self._clients:
            self._clients[key] = _client(self._session, "cloudformation", region)
        return self._clients[key]


def explain(error: Exception) -> str:
    """One line saying what went wrong and what to do."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ProfileNotFound,
    )

    if isinstance(error, NoCredentialsError):
        return "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID, or pass --profile"
    if isinstance(error, NoRegionError):
        return "no AWS region set: pass --region or set AWS_REGION"
    if isinstance(error, ProfileNotFound):
        return f"{error}: check --profile against ~/.aws/config"
    if isinstance(error, EndpointConnectionError):
        return f"cannot reach sms-voice: {error}"
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        code = info.get("Code", "Error")
        operation = getattr(error, "operation_name", "the call")
        if code in ("ThrottlingException", "TooManyRequestsException"):
            return f"sms-voice kept throttling {operation} after retries: try again in a minute"
        if code == "AccessDeniedException":
            return f"access denied for {operation}: {info.get('Message', '')} (check the credentials' IAM permissions)"
        reason = error.response.get("Reason")
        return f"{operation} failed: {code}{f' ({reason})' if reason else ''}: {info.get('Message', '')}"
    return str(error)
