"""Every request botocore's model accepts gets a modelled answer from the emulator: a success whose
body fits the output shape, or one of the operation's modelled errors (never a 5xx, never a
crash), for every operation the emulator implements. Requests are drawn from the input shapes
(lengths, patterns, enums, lists, structures) and mixed with ids and ARNs of real resources of
three callers (the owner, another account, the owner in another region) so they reach past
ResourceNotFound."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CONSUMER, OWNER, client_for
from tests.fakes.sms_voice import SmsVoiceEmulator
from tests.fakes.sms_voice.model_check import problems, service_model
from tests.fakes.sms_voice.server import handlers
from tests.fakes.sms_voice.state import State

IMPLEMENTED = sorted(handlers(State()))
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
# A prefix of literal characters, then one character class (or '.') repeated: bounded directly,
# since filtering by length would throw most draws away (an ARN needs 20 characters).
_REPEATED = re.compile(r"(?P<prefix>[\w:]*)(?P<atom>\[[^\]]+\]|\.)(?P<times>[+*])")


@pytest.fixture(scope="module")
def fuzz_emulator() -> Iterator[SmsVoiceEmulator]:
    with SmsVoiceEmulator() as server:
        yield server


def seed(emulator: SmsVoiceEmulator) -> tuple[list[Any], dict[str, list[Any]]]:
    """Fresh state with resources of three callers; the ids and ARNs they answered, by shape name."""
    emulator.reset()
    owner, consumer = client_for(OWNER, emulator, NO_RETRIES), client_for(CONSUMER, emulator, NO_RETRIES)
    ireland = client_for(OWNER, emulator, NO_RETRIES, region="eu-west-1")
    request = {"IsoCountryCode": "US", "MessageType": "TRANSACTIONAL", "NumberCapabilities": ["SMS"]}
    lists = [c.create_opt_out_list(OptOutListName="seeded")["OptOutListArn"] for c in (owner, consumer)]
    numbers = [c.request_phone_number(**request, NumberType="SIMULATOR") for c in (owner, consumer, ireland)]
    sender = owner.request_sender_id(SenderId="SEEDED", IsoCountryCode="GB")
    pool = owner.create_pool(OriginationIdentity=numbers[0]["PhoneNumberArn"], MessageType="TRANSACTIONAL")
    grant = {"Effect": "Allow", "Principal": {"AWS": CONSUMER}, "Action": "sms-voice:*"}
    policy = json.dumps({"Statement": [{**grant, "Resource": sender["SenderIdArn"]}]})
    owner.put_resource_policy(ResourceArn=sender["SenderIdArn"], Policy=policy)
    arns = [*lists, sender["SenderIdArn"], pool["PoolArn"], *(n["PhoneNumberArn"] for n in numbers)]
    owner.create_opt_out_list(OptOutListName="seeded-too")
    token = owner.describe_opt_out_lists(MaxResults=1)["NextToken"]
    known = {
        "AmazonResourceName": arns,
        "PoolIdOrArn": [pool["PoolId"], pool["PoolArn"]],
        "PhoneNumberIdOrArn": [*(n["PhoneNumberId"] for n in numbers), *(n["PhoneNumberArn"] for n in numbers)],
        "SenderIdOrArn": ["SEEDED", sender["SenderIdArn"]],
        "OptOutListNameOrArn": ["seeded", "Default", *lists],
        "PhoneOrSenderIdOrArn": [numbers[0]["PhoneNumberId"], numbers[1]["PhoneNumberArn"], sender["SenderIdArn"]],
        "OptOutListName": ["seeded"],
        "SenderId": ["SEEDED"],
        "IsoCountryCode": ["GB", "US"],
        "ResourcePolicy": [policy, '{"Statement": []}', '{"Statement": {"Effect": "Deny"}}', "[]", "{}"],
        "NextToken": [token],
    }
    return [owner, consumer, ireland], known


def strategy(shape: Shape, known: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    meta, kind = shape.metadata, shape.type_name
    if kind == "structure":
        members = {name: strategy(member, known) for name, member in shape.members.items()}
        required = {name: members.pop(name) for name in shape.required_members}
        return st.fixed_dictionaries(required, optional=members)
    if kind == "list":
        low = meta.get("min", 0)
        return st.lists(strategy(shape.member, known), min_size=low, max_size=max(low, min(meta.get("max", 4), 4)))
    if kind == "map":
        return st.dictionaries(strategy(shape.key, known), strategy(shape.value, known), max_size=3)
    if kind in ("integer", "long"):
        return st.integers(meta.get("min", -(2**31)), meta.get("max", 2**31 - 1))
    if kind == "boolean":
        return st.booleans()
    if kind != "string":
        raise AssertionError(f"no strategy for {shape.name} ({kind})")
    drawn = st.sampled_from(shape.enum) if shape.enum else _text(meta)
    fitting = [v for v in known.get(shape.name, []) if v is not None and not problems(shape, v)]
    # Two draws in three from real ids and ARNs: random ones mostly reach ResourceNotFound.
    return st.integers(0, 2).flatmap(lambda i: st.sampled_from(fitting) if i else drawn) if fitting else drawn


def _text(meta: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = meta.get("min", 0), min(meta.get("max", 64), 300)
    pattern = meta.get("pattern")
    if pattern is None:
        return st.text(min_size=low, max_size=high)
    repeated = _REPEATED.fullmatch(pattern)
    if repeated is None:
        return st.from_regex(pattern, fullmatch=True).filter(lambda s: low <= len(s) <= high)
    prefix, atom = repeated["prefix"], repeated["atom"]
    at_least = max(low - len(prefix), 1 if repeated["times"] == "+" else 0)
    bounded = f"{re.escape(prefix)}{atom}{{{at_least},{max(high - len(prefix), at_least)}}}"
    return st.from_regex(bounded, fullmatch=True)


@pytest.mark.parametrize("operation", IMPLEMENTED)
def test_every_model_valid_request_gets_a_modelled_answer(fuzz_emulator: SmsVoiceEmulator, operation: str) -> None:
    clients, known = seed(fuzz_emulator)
    model = service_model().operation_model(operation)
    errors = {shape.name: shape for shape in model.error_shapes}
    answers: list[tuple[int, dict[str, Any]]] = []

    def keep(http_response: Any, **_: Any) -> None:
        answers.append((http_response.status_code, json.loads(http_response.content or b"{}")))

    for client in clients:
        client.meta.events.register(f"after-call.*.{operation}", keep)

    @settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(caller=st.sampled_from(clients), request=strategy(model.input_shape, known))
    def check(caller: Any, request: dict[str, Any]) -> None:
        answers.clear()
        with contextlib.suppress(ClientError):  # the answer is read from `answers`
            getattr(caller, xform_name(operation))(**request)
        ((status, body),) = answers
        if status == 200:
            assert not problems(model.output_shape, body), (request, body)
            return
        code = body.get("__type", "").rsplit("#", 1)[-1]
        assert status < 500 and code in errors and code != "InternalServerException", (request, status, body)
        fields = {k: v for k, v in body.items() if k not in ("__type", "message")}
        assert not problems(errors[code], fields), (request, body)

    check()
