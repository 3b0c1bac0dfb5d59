"""Errors whose text becomes the Reason CloudFormation shows in the stack events."""

from __future__ import annotations

from botocore.exceptions import ClientError

MAX_REASON = 256  # crhelper keeps only the end of longer reasons


class PolicyError(Exception):
    """A failure to report as the custom resource's FAILED reason."""

    def __init__(self, message: str) -> None:
        super().__init__(shorten(message))


def shorten(message: str, limit: int = MAX_REASON) -> str:
    """Cut the middle of a long message so the start (what) and end (how to fix) survive."""
    if len(message) <= limit:
        return message
    half = (limit - 5) // 2
    return f"{message[:half]} ... {message[-half:]}"


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_iam_denied(error: ClientError) -> bool:
    """Whether IAM refused the call (``AccessDeniedException``; CloudFormation's query protocol says
    ``AccessDenied``): the role may lack the permission for a few seconds after a change in the same
    deployment. Not an account state such as ACCOUNT_DISABLED, which comes with a ``Reason``."""
    return error_code(error) in ("AccessDeniedException", "AccessDenied") and not error.response.get("Reason")


def describe_client_error(operation: str, arn: str, error: ClientError) -> PolicyError:
    """Turn a service error into a reason naming the call, the ARN, the code and the service's words."""
    body = error.response
    code = error_code(error)
    reason = body.get("Reason") or body.get("Error", {}).get("Reason")
    message = body.get("Error", {}).get("Message") or body.get("message") or ""
    detail = f"{code} ({reason})" if reason else code
    return PolicyError(f"{operation} on {arn} failed: {detail}: {message}")
