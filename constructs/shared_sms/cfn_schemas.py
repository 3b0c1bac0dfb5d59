"""What CloudFormation's registry schemas allow in the properties of the resource types
shared_sms creates: ``type -> property path -> constraints`` (``A.B`` a member of ``A``,
``A[]`` the items of the list ``A``). Generated: do not edit.

Source: cfn-lint 1.58.0, data/schemas (us-east-1).
Regenerate with ``python tools/build_cfn_schema_table.py``."""

from typing import Any

PROPERTY_RULES: dict[str, dict[str, dict[str, Any]]] = {
    "AWS::SMSVOICE::Pool": {
        "MandatoryKeywords.HELP.Message": {"pattern": "^(?!\\s*$)[\\s\\S]+$", "maxLength": 1600},
        "MandatoryKeywords.STOP.Message": {"pattern": "^(?!\\s*$)[\\s\\S]+$", "maxLength": 1600},
        "OptOutListName": {"pattern": "^[A-Za-z0-9_:/-]+$", "minLength": 1, "maxLength": 256},
        "OptionalKeywords": {"uniqueItems": True},
        "OptionalKeywords[].Action": {"enum": ["AUTOMATIC_RESPONSE", "OPT_OUT", "OPT_IN"]},
        "OptionalKeywords[].Keyword": {"maxLength": 30},
        "OptionalKeywords[].Message": {"pattern": "^(?!\\s*$)[\\s\\S]+$", "maxLength": 1600},
        "OriginationIdentities": {"minItems": 1, "uniqueItems": True},
        "OriginationIdentities[]": {"pattern": "^arn:\\S+", "minLength": 20, "maxLength": 256},
        "Tags": {"uniqueItems": True},
        "Tags[].Key": {"minLength": 1, "maxLength": 128},
        "Tags[].Value": {"minLength": 0, "maxLength": 256},
        "TwoWay.ChannelArn": {"pattern": "^[ \\S]+"},
        "TwoWay.ChannelRole": {"pattern": "^arn:\\S+$"},
    },
    "AWS::SMSVOICE::PhoneNumber": {
        "IsoCountryCode": {"pattern": "^[A-Z]{2}$"},
        "MandatoryKeywords.HELP.Message": {"pattern": "^(?!\\s*$)[\\s\\S]+$", "maxLength": 1600},
        "MandatoryKeywords.STOP.Message": {"pattern": "^(?!\\s*$)[\\s\\S]+$", "maxLength": 1600},
        "NumberCapabilities": {"uniqueItems": True},
        "NumberCapabilities[]": {"enum": ["SMS", "VOICE", "MMS"]},
        "NumberType": {"enum": ["LONG_CODE", "TOLL_FREE", "TEN_DLC", "SIMULATOR"]},
        "OptOutListName": {"pattern": "^[A-Za-z0-9_:/-]+$", "minLength": 1, "maxLength": 256},
        "OptionalKeywords": {"uniqueItems": True},
        "OptionalKeywords[].Action": {"enum": ["AUTOMATIC_RESPONSE", "OPT_OUT", "OPT_IN"]},
        "OptionalKeywords[].Keyword": {"maxLength": 30},
        "OptionalKeywords[].Message": {"pattern": "^(?!\\s*$)[\\s\\S]+$", "maxLength": 1600},
        "Tags": {"uniqueItems": True},
        "Tags[].Key": {"minLength": 1, "maxLength": 128},
        "Tags[].Value": {"minLength": 0, "maxLength": 256},
        "TwoWay.ChannelArn": {"pattern": "^arn:\\S+$"},
        "TwoWay.ChannelRole": {"pattern": "^arn:\\S+$"},
    },
    "AWS::SMSVOICE::SenderId": {
        "IsoCountryCode": {"pattern": "^[A-Z]{2}$"},
        "SenderId": {"pattern": "^[A-Z0-9_-]+$"},
        "Tags": {"uniqueItems": True},
        "Tags[].Key": {"minLength": 1, "maxLength": 128},
        "Tags[].Value": {"minLength": 0, "maxLength": 256},
    },
    "AWS::SMSVOICE::OptOutList": {
        "OptOutListName": {"pattern": "^[A-Za-z0-9_-]+$", "minLength": 1, "maxLength": 64},
        "Tags": {"uniqueItems": True},
        "Tags[].Key": {"minLength": 1, "maxLength": 128},
        "Tags[].Value": {"minLength": 0, "maxLength": 256},
    },
}
