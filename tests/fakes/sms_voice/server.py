"""The emulator's HTTP side: AWS JSON 1.0 on 127.0.0.1, as botocore speaks it.

Requests are ``POST /`` with ``X-Amz-Target: PinpointSMSVoiceV2.<Operation>``, signed with
SigV4; the caller's account is the last 12 digits of the access key id (auth.py).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import policies
from .auth import DEFAULT_ACCOUNT, DEFAULT_REGION, access_key_of, authenticate, caller_of
from .describe import describe
from .errors import CORAL, ServiceError, validation
from .faults import Faults
from .iam import Iam
from .model_check import problems, service_model
from .rates import OBSERVER_AGENT, RateLimits
from .scoping import Caller
from .state import State

__all__ = ["DEFAULT_ACCOUNT", "DEFAULT_REGION", "Caller", "SmsVoiceEmulator", "caller_of", "handlers"]
_TARGET_PREFIX = "PinpointSMSVoiceV2."


def handlers(state: State) -> dict[str, Callable[[Caller, dict[str, Any]], dict[str, Any]]]:
    """The operations the emulator implements, by name."""
    return {
        "PutResourcePolicy": partial(policies.put_resource_policy, state),
        "GetResourcePolicy": partial(policies.get_resource_policy, state),
        "DeleteResourcePolicy": partial(policies.delete_resource_policy, state),
        "CreateOptOutList": state.create_opt_out_list,
        "RequestPhoneNumber": state.request_phone_number,
        "RequestSenderId": state.request_sender_id,
        "CreatePool": state.create_pool,
        "DeletePool": state.delete_pool,
        "ReleasePhoneNumber": state.release_phone_number,
        "ReleaseSenderId": state.release_sender_id,
        "DeleteOptOutList": state.delete_opt_out_list,
        "DescribePools": partial(describe, state, "pool"),
        "DescribePhoneNumbers": partial(describe, state, "phone-number"),
        "DescribeSenderIds": partial(describe, state, "sender-id"),
        "DescribeOptOutLists": partial(describe, state, "opt-out-list"),
    }


class SmsVoiceEmulator:
    """A stateful SMS Voice V2 service on 127.0.0.1; use as a context manager or start()/stop()."""

    def __init__(self, port: int = 0, *, no_policy_style: str = "not-found") -> None:
        self.faults = Faults()
        self.rates = RateLimits()
        """AWS's documented request rates per operation, account and Region (rates.py); tests
        that are not about rates may call ``rates.unlimited()``."""
        self.iam = Iam()
        """The identity policies of the roles the driver bound to functions (iam.py)."""
        self.state = State(no_policy_style=no_policy_style, visibility_delay_s=lambda: self.faults.visibility_delay_s)
        self._operations = handlers(self.state)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-voice-emulator", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

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
        """Forget every resource, policy, counter and fault; back to the documented rates."""
        self.state.reset()
        self.faults.reset()
        self.rates.reset()
        self.iam.reset()

    @property
    def throttled(self) -> int:
        """Requests answered ThrottlingException: for their rate or by an injected fault."""
        return self.rates.throttled + self.faults.throttled

    def call_count(self, operation: str) -> int:
        return self.state.calls.get(operation, 0)

    def handle(self, target: str, headers: Any, raw: bytes) -> tuple[int, dict[str, Any]]:
        operation = target.removeprefix(_TARGET_PREFIX)
        with self.state.lock:
            self.state.calls[operation] = self.state.calls.get(operation, 0) + 1
        try:  # routing and authentication come before any injected fault, as in AWS's front end
            model, handler = self._route(target, operation)
            caller = authenticate(headers)
        except ServiceError as error:
            return error.status, {"__type": error.code, "message": error.message, **error.fields}
        refusal = self.iam.refusal(access_key_of(headers), caller.account, operation, _lenient_json(raw))
        if refusal:
            return 400, {"__type": "AccessDeniedException", "message": refusal}
        if self.faults.latency_s:
            time.sleep(self.faults.latency_s)
        fault = self.faults.take()
        observer = OBSERVER_AGENT in (headers.get("User-Agent") or "")
        if fault is None and not observer and not self.rates.admit(operation, caller.account, caller.region):
            fault = "throttle"
        if fault == "throttle":
            return 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
        if fault == "fail":
            return 500, {"__type": "InternalServerException", "message": "injected", "RequestId": "emulated"}
        if fault == "deny":
            reason = {"Reason": self.faults.deny_reason} if self.faults.deny_reason else {}
            return 400, {"__type": "AccessDeniedException", "message": "not authorized (injected)", **reason}
        try:
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                raise ServiceError("SerializationException", "the body is not JSON") from None
            found = problems(model.input_shape, body)
            if found:
                why = "MAXIMUM_SIZE_EXCEEDED" if any("at most" in m for _, m in found) else "FIELD_VALIDATION_FAILED"
                raise validation(
                    "; ".join(f"{name} {message}" for name, message in found),
                    why,
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

    def _route(self, target: str, operation: str) -> tuple[Any, Callable[[Caller, dict[str, Any]], dict[str, Any]]]:
        """The operation's model and handler. Neither answer is a ValidationException, so a test
        expecting one cannot pass on a call the emulator never checked: a target the service does
        not know gets what AWS's front end answers (UnknownOperationException, 400); an operation
        the service has but the emulator lacks gets 501, which botocore neither retries nor
        mistakes for anything AWS would say."""
        if not target.startswith(_TARGET_PREFIX) or operation not in service_model().operation_names:
            raise ServiceError(CORAL + "UnknownOperationException", f"unknown operation {target!r}")
        handler = self._operations.get(operation)
        if handler is None:
            raise ServiceError("NotImplemented", f"the emulator does not implement {operation}", status=501)
        return service_model().operation_model(operation), handler

    def apply_profile(self, profile: Any) -> list[str]:
        """Behave as ``tools/calibrate.py`` measured a real account: ``profile`` is the path of its
        JSON or the dict it holds. Sets the read lag of a Put and of a Delete, monotonic or
        replicated reads, the policy operations' request rates and the no-policy answer
        (profile.py); returns what the profile holds that the emulator does not model.
        ``reset()`` undoes it."""
        from .profile import apply_profile

        return apply_profile(self, profile)


def _lenient_json(raw: bytes) -> dict[str, Any]:
    """The body as IAM reads the request's resource (a body that is not JSON fails later)."""
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


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
            status, body = emulator.handle(self.headers.get("X-Amz-Target", ""), self.headers, raw)
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
