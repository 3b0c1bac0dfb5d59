"""Who signed a request: the SigV4 ``Authorization`` header's access key and credential scope.

The emulator knows an access key when its last 12 characters are digits: they are the caller's
account (``AKIA0000444455556666`` is account 444455556666); the secret key is not checked. The
region is the credential scope's. What AWS answers a request it cannot authenticate (DynamoDB's
error list, the same JSON 1.0 front end): HTTP 400 with ``MissingAuthenticationTokenException``
for an unsigned request, ``IncompleteSignatureException`` for a header that is not SigV4, and
``UnrecognizedClientException`` for a key it does not know.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import CORAL, ServiceError
from .scoping import Caller

DEFAULT_ACCOUNT = "111122223333"
DEFAULT_REGION = "us-east-1"
_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/")
_KNOWN_KEY = re.compile(r"^[A-Z0-9]{4,}(?P<account>\d{12})$")


def authenticate(headers: Any) -> Caller:
    header = headers.get("Authorization")
    if not header:
        raise ServiceError(CORAL + "MissingAuthenticationTokenException", "Request is missing Authentication Token")
    credential = _CREDENTIAL.search(header)
    if credential is None:
        raise ServiceError(
            CORAL + "IncompleteSignatureException", "Authorization header requires a SigV4 Credential parameter"
        )
    key = _KNOWN_KEY.match(credential["key"])
    if key is None:
        raise ServiceError(
            CORAL + "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    return Caller(key["account"], credential["region"])


def access_key_of(headers: Any) -> str:
    """The access key id a request was signed with ("" when it has none)."""
    credential = _CREDENTIAL.search(headers.get("Authorization") or "")
    return credential["key"] if credential else ""


def caller_of(headers: Any) -> Caller:
    """The lenient reading the CloudFormation emulator keeps: a request this module refuses acts
    as ``DEFAULT_ACCOUNT`` (in the credential's region when there is one)."""
    try:
        return authenticate(headers)
    except ServiceError:
        credential = _CREDENTIAL.search(headers.get("Authorization") or "")
        return Caller(DEFAULT_ACCOUNT, credential["region"] if credential else DEFAULT_REGION)
