"""The emulator's HTTP side: AWS JSON 1.0 on 127.0.0.1, as botocore speaks it.

Requests are ``POST /`` with ``X-Amz-Target: PinpointSMSVoiceV2.<Operation>``;
the caller's account is the last 12 digits of the access key id in the SigV4
``Authorization`` header (e.g. AKIA0000444455556666 -> 444455556666).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .faults import Faults
from .model_check import problems, service_model
from .state import Caller, ServiceError, State, validation

DEFAULT_ACCOUNT = "111122223333"
DEFAULT_REGION = "us-east-1"
_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/")


def _operations(state: State) -> dict[str, Callable[[Caller, dict[str, Any]], dict[str, Any]]]:
    return {
        "PutResourcePolicy": state.put_resource_policy,
        "GetResourcePolicy": state.get_resource_policy,
        "DeleteResourcePolicy": state.delete_resource_policy,
        "CreateOptOutList": state.create_opt_out_list,
        "RequestPhoneNumber": state.request_phone_number,
        "RequestSenderId": state.request_sender_id,
        "CreatePool": state.create_pool,
        "DeletePool": lambda c, b: state.delete(c, "pool", b["PoolId"]),
        "ReleasePhoneNumber": lambda c, b: state.delete(c, "phone-number", b["PhoneNumberId"]),
        "ReleaseSenderId": lambda c, b: state.delete(c, "sender-id", f"{b['SenderId']}/{b['IsoCountryCode']}"),
        "DeleteOptOutList": lambda c, b: state.delete(c, "opt-out-list", b["OptOutListName"]),
        "DescribePools": lambda c, b: state.describe(c, "pool", b),
        "DescribePhoneNumbers": lambda c, b: state.describe(c, "phone-number", b),
        "DescribeSenderIds": lambda c, b: state.describe(c, "sender-id", b),
        "DescribeOptOutLists": lambda c, b: state.describe(c, "opt-out-list", b),
    }


def caller_of(headers: Any) -> Caller:
    match = _CREDENTIAL.search(headers.get("Authorization", ""))
    if match is None:
        return Caller(DEFAULT_ACCOUNT, DEFAULT_REGION)
    tail = match["key"][-12:]
    return Caller(tail if tail.isdigit() else DEFAULT_ACCOUNT, match["region"])


class SmsVoiceEmulator:
    """A stateful SMS Voice V2 service on 127.0.0.1; use as a context manager or start()/stop()."""

    def __init__(self, port: int = 0, *, no_policy_style: str = "not-found") -> None:
        self.faults = Faults()
        self.state = State(no_policy_style=no_policy_style, visibility_delay_s=lambda: self.faults.visibility_delay_s)
        self._operations = _operations(self.state)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-voice-emulator", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SmsVoiceEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SmsVoiceEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every resource, policy, counter and fault."""
        with self.state.lock:
            self.state.resources.clear()
            self.state.policies.clear()
            self.state.ram.reset()
            self.state.calls.clear()
            self.state.no_policy_style = "not-found"
            self.state.normalize_policies = False
            self.state.default_policy = None
            self.state.issued = 0
        self.faults.reset()

    def call_count(self, operation: str) -> int:
        return self.state.calls.get(operation, 0)

    def handle(self, target: str, caller: Caller, raw: bytes) -> tuple[int, dict[str, Any]]:
        operation = target.split(".", 1)[-1]
        with self.state.lock:
            self.state.calls[operation] = self.state.calls.get(operation, 0) + 1
        if self.faults.latency_s:
            time.sleep(self.faults.latency_s)
        fault = self.faults.take()
        if fault == "throttle":
            return 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
        if fault == "fail":
            return 500, {"__type": "InternalServerException", "message": "injected", "RequestId": "emulated"}
        if fault == "deny":
            reason = {"Reason": self.faults.deny_reason} if self.faults.deny_reason else {}
            return 400, {"__type": "AccessDeniedException", "message": "not authorized (injected)", **reason}
        try:
            handler = self._operations.get(operation)
            if handler is None:
                raise validation(f"unknown operation {operation}", "UNKNOWN_OPERATION")
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                raise ServiceError("SerializationException", "the body is not JSON") from None
            model = service_model().operation_model(operation)
            found = problems(model.input_shape, body)
            if found:
                reason = "MAXIMUM_SIZE_EXCEEDED" if any("at most" in m for _, m in found) else "FIELD_VALIDATION_FAILED"
                raise validation(
                    "; ".join(f"{name} {message}" for name, message in found),
                    reason,
                    Fields=[{"Name": name, "Message": message} for name, message in found],
                )
            with self.state.lock:
                result = handler(caller, body)
            # Delete/Release answer a subset of the describe fields: keep the modelled ones.
            output = {k: v for k, v in _wire(result).items() if k in model.output_shape.members}
            leaks = problems(model.output_shape, output) if model.output_shape else []
            assert not leaks, f"emulator answered {operation} outside its output shape: {leaks}"
            self.faults.succeeded(operation)
            return 200, output
        except ServiceError as error:
            return error.status, {"__type": error.code, "message": error.message, **error.fields}


def _wire(value: Any) -> Any:
    """Timestamps go out as epoch seconds, as AWS JSON 1.0 sends them."""
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def _handler_for(emulator: SmsVoiceEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and
            # delayed ACKs add 40 ms to every keep-alive request.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, body = emulator.handle(self.headers.get("X-Amz-Target", ""), caller_of(self.headers), raw)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "emulated")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read state, not logs
            pass

    return Handler
