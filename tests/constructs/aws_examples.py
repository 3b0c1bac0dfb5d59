"""AWS's own example resource policies, as published, for tests to synthesize.

Source: AWS End User Messaging SMS User Guide, "Working with shared resources",
https://docs.aws.amazon.com/sms-voice/latest/userguide/shared-resources.html
("Example policy for sharing a phone number with Amazon Pinpoint and Amazon SNS" and
"Example policy for sharing a sender ID with Amazon Pinpoint and Amazon SNS"). Three
statements each, no Sids, Resource a plain string; the sender-ID example grants Pinpoint
SendVoiceMessage although the Service Authorization Reference does not list it for sender IDs.
"""

from __future__ import annotations

from typing import Any


def user_guide_example(arn: str, owner: str, consumer: str) -> list[dict[str, Any]]:
    return [
        {
            "Effect": "Allow",
            "Principal": {"Service": "pinpoint.amazonaws.com"},
            "Action": ["sms-voice:SendTextMessage", "sms-voice:SendVoiceMessage"],
            "Resource": arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": owner}},
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sms-voice:SendTextMessage",
            "Resource": arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": owner}},
        },
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{consumer}:root"},
            "Action": "sms-voice:SendTextMessage",
            "Resource": arn,
        },
    ]
