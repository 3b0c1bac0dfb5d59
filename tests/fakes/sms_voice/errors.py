"""The errors the emulator answers, as AWS JSON 1.0 error bodies."""

from __future__ import annotations

from typing import Any

# Errors raised by AWS's request front end (authentication, routing) carry this namespace in
# ``__type``; botocore keeps what follows the ``#`` as the error code.
CORAL = "com.amazon.coral.service#"


class ServiceError(Exception):
    """An error answered as ``{"__type": code, "message": ..., **fields}``."""

    def __init__(self, code: str, message: str, status: int = 400, **fields: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.fields = code, message, status, fields


def validation(message: str, reason: str, **fields: Any) -> ServiceError:
    return ServiceError("ValidationException", message, Reason=reason, **fields)


def not_found(kind: str, ident: str, message: str | None = None) -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException", message or f"{kind} {ident} not found", ResourceType=kind, ResourceId=ident
    )


def conflict(kind: str, ident: str, reason: str, message: str) -> ServiceError:
    return ServiceError("ConflictException", message, Reason=reason, ResourceType=kind, ResourceId=ident)


def access_denied(principal: str, action: str, arn: str) -> ServiceError:
    """IAM's answer to a cross-account call no resource-based policy allows (no ``Reason``: that
    field is for account states such as ACCOUNT_DISABLED)."""
    return ServiceError(
        "AccessDeniedException",
        f"User: {principal} is not authorized to perform: {action} on resource: {arn} "
        f"because no resource-based policy allows the {action} action",
    )
