"""A read-only CloudFormation on 127.0.0.1: DescribeStacks and ListStackResources over the
query protocol, serving the stacks a callable returns.

Each caller sees the stacks of its own account and region, read from the SigV4 credential
(account: the last 12 digits of the access key id, as the SMS Voice V2 emulator does; region:
the credential scope) against each StackId ARN. Pages hold ``page_size`` items (100 by default).
"""

from __future__ import annotations

import base64
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.sms_voice.server import Caller, caller_of

from .wire import QueryError, error_response, parse_request, response

# (StackName, StackId, [(LogicalResourceId, ResourceType, PhysicalResourceId)])
StackRecord = tuple[str, str, list[tuple[str, str, str]]]
_CREATED = datetime(2026, 1, 1, tzinfo=UTC)


class CloudFormationEmulator:
    """Use as a context manager or start()/stop(); ``stacks`` is called on every request."""

    def __init__(self, stacks: Callable[[], Iterable[StackRecord]], *, page_size: int = 100, port: int = 0) -> None:
        self.stacks = stacks
        self.page_size = page_size
        self.denied: set[str] = set()
        """Actions answered with AccessDenied (HTTP 403), as IAM answers a caller without the permission."""
        self.vanishing: set[str] = set()
        """Stack ids that DescribeStacks still lists but are deleted before ListStackResources asks
        (a delete finishing during the run): CloudFormation answers ValidationError."""
        self.requests: list[tuple[str, dict[str, Any]]] = []
        """(action, parameters) of every request that passed the model check, in order."""
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll: stopping a per-test emulator takes milliseconds, not half a second.
        serve = {"poll_interval": 0.05}
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs=serve, name="cfn-emulator", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> CloudFormationEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def call_count(self, action: str) -> int:
        return sum(1 for done, _ in self.requests if done == action)

    def handle(self, caller: Caller, body: bytes) -> tuple[int, bytes]:
        request_id = str(uuid.uuid4())
        try:
            action, params = parse_request(body)
            with self._lock:
                self.requests.append((action, params))
            if action in self.denied:
                raise QueryError(
                    "AccessDenied",
                    f"User: arn:aws:iam::{caller.account}:user/emulated is not authorized to perform: "
                    f"cloudformation:{action} because no identity-based policy allows the "
                    f"cloudformation:{action} action",
                    status=403,
                )
            visible = [s for s in self.stacks() if _in(s[1], caller)]
            if action == "DescribeStacks":
                result = self._describe_stacks(visible, params)
            elif action == "ListStackResources":
                result = self._list_stack_resources(visible, params)
            else:
                raise QueryError("InvalidAction", f"the CloudFormation emulator does not implement {action}")
            return 200, response(action, result, request_id)
        except QueryError as error:
            return error.status, error_response(error, request_id)

    def _describe_stacks(self, visible: list[StackRecord], params: dict[str, Any]) -> dict[str, Any]:
        chosen = [_find(visible, params["StackName"])] if "StackName" in params else visible
        stacks = [
            {"StackId": stack_id, "StackName": name, "CreationTime": _CREATED, "StackStatus": "CREATE_COMPLETE"}
            for name, stack_id, _ in chosen
        ]
        return self._page(stacks, "Stacks", params.get("NextToken"))

    def _list_stack_resources(self, visible: list[StackRecord], params: dict[str, Any]) -> dict[str, Any]:
        _, stack_id, resources = _find(visible, params["StackName"])
        if stack_id in self.vanishing:
            raise QueryError("ValidationError", f"Stack with id {params['StackName']} does not exist")
        summaries = [
            {
                "LogicalResourceId": logical_id,
                "PhysicalResourceId": physical_id,
                "ResourceType": kind,
                "LastUpdatedTimestamp": _CREATED,
                "ResourceStatus": "CREATE_COMPLETE",
            }
            for logical_id, kind, physical_id in resources
        ]
        return self._page(summaries, "StackResourceSummaries", params.get("NextToken"))

    def _page(self, items: list[dict[str, Any]], key: str, token: str | None) -> dict[str, Any]:
        start = _offset(token)
        answer: dict[str, Any] = {key: items[start : start + self.page_size]}
        if start + self.page_size < len(items):
            answer["NextToken"] = base64.b64encode(str(start + self.page_size).encode()).decode()
        return answer


def from_local_driver(driver: Any) -> Callable[[], list[StackRecord]]:
    """The stacks a ``tests.harness.deploy.LocalCloudFormation`` has deployed, as they stand now."""
    return lambda: [
        (stack.name, stack.stack_id, [(lid, d.type, d.physical_id) for lid, d in stack.resources.items()])
        for stack in driver.stacks.values()
    ]


def _in(stack_id: str, caller: Caller) -> bool:
    parts = stack_id.split(":")
    return len(parts) > 5 and parts[3] == caller.region and parts[4] == caller.account


def _find(visible: list[StackRecord], name: str) -> StackRecord:
    for stack in visible:
        if name in (stack[0], stack[1]):
            return stack
    raise QueryError("ValidationError", f"Stack with id {name} does not exist")


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.b64decode(token).decode())
    except ValueError:
        raise QueryError("ValidationError", "NextToken is not one this service issued") from None


def _handler_for(emulator: CloudFormationEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/" or not self.headers.get("Content-Type", "").startswith(
                "application/x-www-form-urlencoded"
            ):
                status, data = 400, error_response(QueryError("InvalidAction", "expected a form POST to /"), "-")
            else:
                status, data = emulator.handle(caller_of(self.headers), body)
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "emulated")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read call counts, not logs
            pass

    return Handler
