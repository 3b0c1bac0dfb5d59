"""Share AWS End User Messaging SMS and Voice V2 resources through resource-based policies and AWS RAM.

The constructs are loaded on first use, so the ``shared-sms`` command line (which
needs no CDK) starts without importing aws-cdk-lib and its Node.js runtime.
"""

from __future__ import annotations

import importlib
from importlib import metadata as _metadata
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "OnExistingPolicy": ".resource_policy",
    "OptOutList": ".opt_out_list",
    "OptOutListBase": ".opt_out_list",
    "PhoneNumber": ".phone_number",
    "PhoneNumberBase": ".phone_number",
    "Pool": ".pool",
    "PoolBase": ".pool",
    "ResourcePolicy": ".resource_policy",
    "ResourceShare": ".resource_share",
    "SenderId": ".sender_id",
    "SenderIdBase": ".sender_id",
    "SharedResourceCheck": ".shared_check",
    "SmsResourceBase": ".base",
}
__all__ = [
    "OnExistingPolicy",
    "OptOutList",
    "OptOutListBase",
    "PhoneNumber",
    "PhoneNumberBase",
    "Pool",
    "PoolBase",
    "ResourcePolicy",
    "ResourceShare",
    "SenderId",
    "SenderIdBase",
    "SharedResourceCheck",
    "SmsResourceBase",
]

if TYPE_CHECKING:
    from .base import SmsResourceBase
    from .opt_out_list import OptOutList, OptOutListBase
    from .phone_number import PhoneNumber, PhoneNumberBase
    from .pool import Pool, PoolBase
    from .resource_policy import OnExistingPolicy, ResourcePolicy
    from .resource_share import ResourceShare
    from .sender_id import SenderId, SenderIdBase
    from .shared_check import SharedResourceCheck


def _version() -> str:
    """The installed distribution's version; from a source tree never installed, its pyproject.toml's."""
    try:
        return _metadata.version("shared-sms")
    except _metadata.PackageNotFoundError:
        import tomllib
        from pathlib import Path

        try:
            pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
            return str(pyproject["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"


__version__ = _version()


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'shared_sms' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
