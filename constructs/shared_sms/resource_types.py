"""The four shareable SMS Voice V2 resource types: ARN formats and the actions valid on each.

One table, so the ARN check, the synth-time action check, the grants and the
function's IAM patterns all agree on what a pool or a phone number is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sms_voice_actions import ACTIONS_BY_TYPE

ARN_PREFIX = r"arn:(?P<partition>aws[a-z-]*):sms-voice:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"

# The actions valid on each type are generated from the Service Authorization Reference
# (sms_voice_actions.py); what sharing and sending grant is chosen here, from those.
_SEND = ("SendTextMessage", "SendVoiceMessage", "SendMediaMessage")


@dataclass(frozen=True)
class SmsResourceType:
    """One shareable resource type (`pool`, `phone-number`, `opt-out-list`, `sender-id`)."""

    name: str
    noun: str
    arn_format: str
    resource_pattern: str
    actions: tuple[str, ...]
    share_actions: tuple[str, ...]
    send_actions: tuple[str, ...]

    @property
    def arn_regex(self) -> re.Pattern[str]:
        return re.compile(f"^{ARN_PREFIX}{self.name}/{self.resource_pattern}$")

    def parse_arn(self, arn: str) -> re.Match[str]:
        """Match a literal ARN or raise ValueError naming the expected format."""
        match = self.arn_regex.match(arn)
        if match is None:
            raise ValueError(
                f"invalid {self.noun} arn {arn!r}: expected {self.arn_format} (for example {self.example_arn()})"
            )
        return match

    def example_arn(self) -> str:
        ids = {
            "pool": "pool-0123456789abcdef0123456789abcdef",
            "phone-number": "phone-0123456789abcdef0123456789abcdef",
            "opt-out-list": "MyOptOutList",
            "sender-id": "MYBRAND/GB",
        }
        return f"arn:aws:sms-voice:us-east-1:111122223333:{self.name}/{ids[self.name]}"

    def sms_actions(self) -> frozenset[str]:
        return frozenset(f"sms-voice:{action}" for action in self.actions)


POOL = SmsResourceType(
    name="pool",
    noun="pool",
    arn_format="arn:${Partition}:sms-voice:${Region}:${Account}:pool/${PoolId}",
    resource_pattern=r"(?P<pool_id>[A-Za-z0-9_-]+)",
    actions=ACTIONS_BY_TYPE["pool"],
    share_actions=("DescribePools", "ListPoolOriginationIdentities"),
    send_actions=_SEND,
)

PHONE_NUMBER = SmsResourceType(
    name="phone-number",
    noun="phone number",
    arn_format="arn:${Partition}:sms-voice:${Region}:${Account}:phone-number/${PhoneNumberId}",
    resource_pattern=r"(?P<phone_number_id>[A-Za-z0-9_-]+)",
    actions=ACTIONS_BY_TYPE["phone-number"],
    share_actions=_SEND + ("DescribePhoneNumbers",),
    send_actions=_SEND,
)

SENDER_ID = SmsResourceType(
    name="sender-id",
    noun="sender id",
    arn_format="arn:${Partition}:sms-voice:${Region}:${Account}:sender-id/${SenderId}/${IsoCountryCode}",
    resource_pattern=r"(?P<sender_id>[A-Za-z0-9_-]+)/(?P<iso_country_code>[A-Z]{2})",
    actions=ACTIONS_BY_TYPE["sender-id"],
    share_actions=("SendTextMessage", "DescribeSenderIds"),
    send_actions=("SendTextMessage",),
)

OPT_OUT_LIST = SmsResourceType(
    name="opt-out-list",
    noun="opt-out list",
    arn_format="arn:${Partition}:sms-voice:${Region}:${Account}:opt-out-list/${OptOutListName}",
    resource_pattern=r"(?P<opt_out_list_name>[A-Za-z0-9_-]{1,64})",
    actions=ACTIONS_BY_TYPE["opt-out-list"],
    share_actions=(
        "DescribeOptOutLists",
        "DescribeOptedOutNumbers",
        "PutOptedOutNumber",
        "DeleteOptedOutNumber",
    ),
    send_actions=(),
)

ALL_TYPES: tuple[SmsResourceType, ...] = (POOL, PHONE_NUMBER, SENDER_ID, OPT_OUT_LIST)

# What an AWS service needs to send through an origination identity (DOMAIN.md).
SERVICE_SEND_ACTIONS: dict[str, tuple[str, ...]] = {
    "sns.amazonaws.com": ("SendTextMessage",),
    "pinpoint.amazonaws.com": ("SendTextMessage", "SendVoiceMessage"),
}
