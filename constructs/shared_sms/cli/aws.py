"""The CLI's AWS clients (SMS Voice V2, CloudFormation) and the translation of AWS errors into one-line messages."""

from __future__ import annotations

import os
from typing import Any

SERVICE = "pinpoint-sms-voice-v2"


class CliError(Exception):
    """A problem to print as one line, exiting with status 2."""


def client(region: str | None, profile: str | None, service: str = SERVICE) -> Any:
    """A client from the normal credential chain; AWS_ENDPOINT_URL_* variables are honoured by botocore."""
    import boto3
    from botocore.config import Config

    # botocore reads AWS_DEFAULT_REGION; AWS_REGION is what Lambda and most tools set.
    session = boto3.Session(profile_name=profile, region_name=region or os.environ.get("AWS_REGION") or None)
    attempts = int(os.environ.get("AWS_MAX_ATTEMPTS") or 5)
    return session.client(service, config=Config(retries={"mode": "standard", "total_max_attempts": attempts}))


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
