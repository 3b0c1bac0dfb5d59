"""A read-only CloudFormation on 127.0.0.1: DescribeStacks, DescribeStackResource and
ListStackResources over the query protocol, serving the stacks a callable returns, with their live StackStatus and
ResourceStatus (``from_local_driver``, ``LocalDrivers``).

Each caller sees the stacks of its own account and region, read leniently from the SigV4
credential (account: the last 12 digits of the access key id, whatever comes before them, as
``ASIA1A2B3C4D111122223333`` of a function's role session; region: the credential scope) against
each StackId ARN. Pages hold ``page_size`` items (100 by default).
"""

from __future__ import annotations

import base64
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.sms_voice.auth import access_key_of
from tests.fakes.sms_voice.iam import Iam
from tests.fakes.sms_voice.server import DEFAULT_ACCOUNT, DEFAULT_REGION, Caller

from .wire import QueryError, error_response, parse_request, response

ResourceRecord = tuple[str, str, str] | tuple[str, str, str, str]
"""(LogicalResourceId, ResourceType, PhysicalResourceId[, ResourceStatus: CREATE_COMPLETE by default])"""
StackRecord = tuple[str, str, Sequence[ResourceRecord]] | tuple[str, str, Sequence[ResourceRecord], str]
"""(StackName, StackId, resources[, StackStatus: CREATE_COMPLETE by default])"""
_CREATED = datetime(2026, 1, 1, tzinfo=UTC)
_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/]*)/\d{8}/(?P<region>[^/]+)/")
_ACCOUNT = re.compile(r"(\d{12})$")


class CloudFormationEmulator:
    """Use as a context manager or start()/stop(); ``stacks`` is called on every request."""

    def __init__(
        self,
        stacks: Callable[[], Iterable[StackRecord]],
        *,
        page_size: int = 100,
        port: int = 0,
        iam: Iam | None = None,
    ) -> None:
        self.stacks = stacks
        self.page_size = page_size
        self.iam = iam
        """Authorizes callers that sign with a role's key (the function), against the stack's ARN
        (tests/fakes/sms_voice/iam.py); the emulators share one model."""
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

    def handle(self, caller: Caller, body: bytes, access_key: str = "") -> tuple[int, bytes]:
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
            visible = [record for record in self.stacks() if _in(record[1], caller)]
            refusal = self.iam and self.iam.refuses(
                access_key, caller.account, f"cloudformation:{action}", _stack_arn(visible, params, caller)
            )
            if refusal:
                raise QueryError("AccessDenied", refusal, status=403)
            if action == "DescribeStacks":
                result = self._describe_stacks(visible, params)
            elif action == "ListStackResources":
                result = self._list_stack_resources(visible, params)
            elif action == "DescribeStackResource":
                result = self._describe_stack_resource(visible, params)
            else:
                raise QueryError("InvalidAction", f"the CloudFormation emulator does not implement {action}")
            return 200, response(action, result, request_id)
        except QueryError as error:
            return error.status, error_response(error, request_id)

    def _describe_stacks(self, visible: list[StackRecord], params: dict[str, Any]) -> dict[str, Any]:
        chosen = [_find(visible, params["StackName"])] if "StackName" in params else visible
        stacks = [
            {"StackId": record[1], "StackName": record[0], "CreationTime": _CREATED, "StackStatus": _status(record)}
            for record in chosen
        ]
        return self._page(stacks, "Stacks", params.get("NextToken"))

    def _describe_stack_resource(self, visible: list[StackRecord], params: dict[str, Any]) -> dict[str, Any]:
        name, logical_id = params["StackName"], params["LogicalResourceId"]
        stack = _find(visible, name)
        for resource in _resources_of(visible, stack[1]):
            if resource[0] == logical_id:
                detail = {
                    "StackName": stack[0],
                    "StackId": stack[1],
                    "LogicalResourceId": logical_id,
                    "PhysicalResourceId": resource[2],
                    "ResourceType": resource[1],
                    "LastUpdatedTimestamp": _CREATED,
                    "ResourceStatus": _status(resource),
                }
                return {"StackResourceDetail": detail}
        raise QueryError("ValidationError", f"Resource {logical_id} does not exist for stack {name}")

    def _list_stack_resources(self, visible: list[StackRecord], params: dict[str, Any]) -> dict[str, Any]:
        stack_id = _find(visible, params["StackName"])[1]
        resources = _resources_of(visible, stack_id)
        if stack_id in self.vanishing:
            raise QueryError("ValidationError", f"Stack with id {params['StackName']} does not exist")
        summaries = [
            {
                "LogicalResourceId": resource[0],
                "PhysicalResourceId": resource[2],
                "ResourceType": resource[1],
                "LastUpdatedTimestamp": _CREATED,
                "ResourceStatus": _status(resource),
            }
            for resource in resources
        ]
        return self._page(summaries, "StackResourceSummaries", params.get("NextToken"))

    def _page(self, items: list[dict[str, Any]], key: str, token: str | None) -> dict[str, Any]:
        start = _offset(token)
        answer: dict[str, Any] = {key: items[start : start + self.page_size]}
        if start + self.page_size < len(items):
            answer["NextToken"] = base64.b64encode(str(start + self.page_size).encode()).decode()
        return answer


def from_local_driver(driver: Any) -> Callable[[], list[StackRecord]]:
    """The stacks a ``tests.harness.deploy.LocalCloudFormation`` holds, as they stand now (also
    while an operation runs: its status, and the resources it has made so far)."""

    def records() -> list[StackRecord]:
        found: list[StackRecord] = []
        for stack in list(driver.stacks.values()):
            statuses = dict(stack.resource_status)
            deployed = dict(stack.resources)  # the driver's threads add and remove resources
            resources: list[ResourceRecord] = [
                (lid, d.type, d.physical_id, statuses.get(lid, "CREATE_COMPLETE")) for lid, d in deployed.items()
            ]
            # Being created: CloudFormation lists it (no physical id yet) before the driver has its answer.
            template = getattr(stack, "template", {}).get("Resources", {})
            resources += [
                (lid, template[lid]["Type"], "", status)
                for lid, status in statuses.items()
                if lid not in deployed and lid in template and status == "CREATE_IN_PROGRESS"
            ]
            found.append((stack.name, stack.stack_id, resources, stack.status))
        return found

    return records


class LocalDrivers:
    """A stack source for the emulator: the stacks of every local CloudFormation driver added, as
    they stand at each request. A session's emulator serves the current test's drivers: the
    fixture that adds them clears the list after the test."""

    def __init__(self) -> None:
        self._drivers: list[Any] = []
        self._lock = threading.Lock()

    def add(self, driver: Any) -> None:
        """Serve ``driver``'s stacks (once, however often it is added)."""
        with self._lock:
            if all(d is not driver for d in self._drivers):
                self._drivers.append(driver)

    def clear(self) -> None:
        with self._lock:
            self._drivers.clear()

    def __call__(self) -> list[StackRecord]:
        with self._lock:
            drivers = list(self._drivers)
        return [record for driver in drivers for record in from_local_driver(driver)()]


def caller_of(headers: Any) -> Caller:
    """Who asks, read leniently: the account is the access key's last 12 digits (what comes before
    them does not matter), the region the credential scope's; a request without them acts as the
    SMS Voice V2 emulator's default account and region."""
    credential = _CREDENTIAL.search(headers.get("Authorization") or "")
    if credential is None:
        return Caller(DEFAULT_ACCOUNT, DEFAULT_REGION)
    account = _ACCOUNT.search(credential["key"])
    return Caller(account.group(1) if account else DEFAULT_ACCOUNT, credential["region"])


def _status(record: Sequence[Any]) -> str:
    """The status a stack or resource record ends with (CREATE_COMPLETE when it has none)."""
    return str(record[3]) if len(record) > 3 else "CREATE_COMPLETE"


def _in(stack_id: str, caller: Caller) -> bool:
    parts = stack_id.split(":")
    return len(parts) > 5 and parts[3] == caller.region and parts[4] == caller.account


def _stack_arn(visible: list[StackRecord], params: dict[str, Any], caller: Caller) -> str:
    """The resource IAM authorizes a request against: the named stack's ARN (a stack that does not
    exist: its name's ARN pattern), ``*`` for a request that names none."""
    name = params.get("StackName")
    if not name:
        return "*"
    for stack in visible:
        if name in (stack[0], stack[1]):
            return stack[1]
    if name.startswith("arn:"):
        return name
    return f"arn:aws:cloudformation:{caller.region}:{caller.account}:stack/{name}/*"


def _resources_of(visible: list[StackRecord], stack_id: str) -> list[ResourceRecord]:
    """A stack's resources. One stack may come from several sources (each test custom resource
    shows its own): the first source that has a logical id answers for it."""
    found: dict[str, ResourceRecord] = {}
    for record in visible:
        if record[1] == stack_id:
            for resource in record[2]:
                found.setdefault(resource[0], resource)
    return list(found.values())


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
                status, data = emulator.handle(caller_of(self.headers), body, access_key_of(self.headers))
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "emulated")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read call counts, not logs
            pass

    return Handler
