"""Share AWS End User Messaging SMS and Voice V2 resources through resource-based policies."""

from .base import SmsResourceBase
from .opt_out_list import OptOutList, OptOutListBase
from .phone_number import PhoneNumber, PhoneNumberBase
from .pool import Pool, PoolBase
from .resource_policy import OnExistingPolicy, ResourcePolicy
from .sender_id import SenderId, SenderIdBase
from .shared_check import SharedResourceCheck

__all__ = [
    "OnExistingPolicy",
    "OptOutList",
    "OptOutListBase",
    "PhoneNumber",
    "PhoneNumberBase",
    "Pool",
    "PoolBase",
    "ResourcePolicy",
    "SenderId",
    "SenderIdBase",
    "SharedResourceCheck",
    "SmsResourceBase",
]
