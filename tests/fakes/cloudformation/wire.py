"""CloudFormation's query protocol, checked against botocore's service model.

Requests are form-encoded ``Action=...&Version=2010-05-15&<Member>=<value>``; answers are
XML in the ``http://cloudformation.amazonaws.com/doc/2010-05-15/`` namespace, the result
inside ``<Action>Result``, errors as ``<ErrorResponse><Error>...``. Inputs and outputs are
checked against the model, so the emulator cannot accept or answer what botocore would not.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import botocore.session
from botocore.model import Shape

from tests.fakes.sms_voice.model_check import problems

SERVICE = "cloudformation"
_SCALARS = {"string": str, "integer": int, "long": int}


class QueryError(Exception):
    """An error answered in the query protocol's XML error format."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@lru_cache(maxsize=1)
def service_model() -> Any:
    return botocore.session.get_session().get_service_model(SERVICE)


def namespace() -> str:
    return str(service_model().metadata["xmlNamespace"])


def parse_request(body: bytes) -> tuple[str, dict[str, Any]]:
    """(operation, input members) of a form-encoded request; QueryError for anything outside the model."""
    form = {key: values[-1] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}
    action, version = form.pop("Action", ""), form.pop("Version", "")
    model = service_model()
    if action not in model.operation_names:
        raise QueryError("InvalidAction", f"{action or 'no Action'} is not a CloudFormation action")
    if version != model.api_version:
        raise QueryError("ValidationError", f"Version must be {model.api_version}, not {version!r}")
    shape = model.operation_model(action).input_shape
    params: dict[str, Any] = {}
    for key, value in form.items():
        member = shape.members.get(key) if shape is not None else None
        if member is None or member.type_name not in _SCALARS:
            # Nested members (Parameters.member.1.ParameterKey) are modelled, but no operation served needs them.
            raise QueryError("ValidationError", f"{key} is not a parameter the emulator accepts for {action}")
        try:
            params[key] = _SCALARS[member.type_name](value)
        except ValueError:
            raise QueryError("ValidationError", f"{key} must be a {member.type_name}") from None
    found = problems(shape, params) if shape is not None else []
    if found:
        raise QueryError("ValidationError", "; ".join(f"{name} {message}" for name, message in found))
    return action, params


def response(operation: str, result: dict[str, Any], request_id: str) -> bytes:
    """The XML answer; AssertionError when ``result`` does not fit the output shape (an emulator bug)."""
    model = service_model().operation_model(operation)
    shape = model.output_shape
    leaks = problems(shape, result)
    assert not leaks, f"emulator answered {operation} outside its output shape: {leaks}"
    wrapper = shape.serialization["resultWrapper"]
    return (
        f'<{operation}Response xmlns="{namespace()}">{_xml(shape, result, wrapper)}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{operation}Response>"
    ).encode()


def error_response(error: QueryError, request_id: str) -> bytes:
    kind = "Receiver" if error.status >= 500 else "Sender"
    return (
        f'<ErrorResponse xmlns="{namespace()}"><Error><Type>{kind}</Type><Code>{escape(error.code)}</Code>'
        f"<Message>{escape(error.message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def _xml(shape: Shape, value: Any, tag: str) -> str:
    kind = shape.type_name
    if kind == "structure":
        inner = "".join(
            _xml(member, value[name], member.serialization.get("name", name))
            for name, member in shape.members.items()
            if name in value
        )
    elif kind == "list":
        assert not shape.serialization.get("flattened"), "flattened lists are not used by CloudFormation"
        item = shape.member.serialization.get("name", "member")
        inner = "".join(_xml(shape.member, v, item) for v in value)
    elif kind == "timestamp":
        assert isinstance(value, datetime) and value.tzinfo is not None, f"{tag} must be an aware datetime"
        inner = value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    elif kind == "boolean":
        inner = "true" if value else "false"
    elif kind in _SCALARS:
        inner = escape(str(value))
    else:
        raise AssertionError(f"the emulator does not serialize {kind} ({tag})")
    return f"<{tag}>{inner}</{tag}>"
