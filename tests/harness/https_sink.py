"""A local HTTPS server standing in for CloudFormation's pre-signed ResponseURL.

crhelper always answers over HTTPS, so the sink serves a certificate from a
throwaway CA (trustme); the CA file reaches crhelper's ``ssl_verify`` through
OpenSSL's SSL_CERT_FILE setting (the function has no switch of its own).

``answer_problem`` checks an answer as CloudFormation does ("Custom resource response objects",
CloudFormation User Guide): the body at most 4,096 bytes, ``Status`` SUCCESS or FAILED, a
non-empty ``PhysicalResourceId`` of at most 1 KB, ``RequestId``, ``StackId`` and
``LogicalResourceId`` copied from the request. CloudFormation fails the resource on a violation.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import trustme

MAX_BODY_BYTES = 4096
MAX_PHYSICAL_ID_BYTES = 1024
ECHOED = ("RequestId", "StackId", "LogicalResourceId")


def answer_problem(event: dict[str, Any], answer: dict[str, Any]) -> str | None:
    """The reason CloudFormation fails a resource on ``answer`` to ``event``, or None when it takes
    the answer. The wording is CloudFormation's stack event where one is known ("Response object is
    too long.", "Invalid PhysicalResourceId", "Invalid Response object: 'X' is not a valid
    ResponseStatus"); the driver's own for a body that is no JSON object and for an id not echoed."""
    if answer.get("_bytes", 0) > MAX_BODY_BYTES:
        return "Response object is too long."
    if "_invalid" in answer:
        return f"Invalid Response object: not a JSON object: {answer['_invalid'][:100]!r}"
    if answer.get("Status") not in ("SUCCESS", "FAILED"):
        return f"Invalid Response object: {answer.get('Status')!r} is not a valid ResponseStatus"
    if physical_id_of(answer) is None:
        return "Invalid PhysicalResourceId"
    for key in ECHOED:
        if answer.get(key) != event[key]:
            return f"Invalid Response object: {key} {answer.get(key)!r} is not the request's {event[key]!r}"
    return None


def physical_id_of(answer: dict[str, Any]) -> str | None:
    """The answer's PhysicalResourceId when it is one CloudFormation accepts (non-empty, at most 1 KB)."""
    physical = answer.get("PhysicalResourceId")
    if isinstance(physical, str) and physical and len(physical.encode()) <= MAX_PHYSICAL_ID_BYTES:
        return physical
    return None


class HttpsSink:
    """Records every answer PUT to ``<url>/<request id>``; ``refuse_next`` and ``unavailable_next``
    make that many tries fail."""

    def __init__(self, workdir: Path) -> None:
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = workdir / "sink-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(context)
        self.answers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.refuse_next = 0
        """This many next tries drop the connection with no answer."""
        self.unavailable_next = 0
        """This many next tries are answered 503 Service Unavailable, as S3 sometimes does."""
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="https-sink", daemon=True).start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def response_url(self, request_id: str, signed_at: float | None = None) -> str:
        """A ResponseURL as CloudFormation's pre-signed S3 URLs look (SigV4 query), signed now."""
        moment = datetime.fromtimestamp(time.time() if signed_at is None else signed_at, UTC)
        query = urlencode({"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Date": moment.strftime("%Y%m%dT%H%M%SZ")})
        return f"{self.url}/{request_id}?{query}&X-Amz-Expires=7200&X-Amz-SignedHeaders=host&X-Amz-Signature=emulated"

    def record(self, request_id: str, body: dict[str, Any]) -> int | None:
        """The HTTP status to answer with, or None to drop the connection."""
        with self._cond:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return None
            if self.unavailable_next > 0:
                self.unavailable_next -= 1
                return 503
            self.answers[request_id].append(body)
            self._cond.notify_all()
            return 200

    def answers_for(self, request_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.answers.get(request_id, []))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(sink: HttpsSink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if not isinstance(body, dict):  # stored as S3 would store it: CloudFormation refuses it later
                body = {"_invalid": raw.decode(errors="replace")}
            body["_bytes"] = len(raw)
            status = sink.record(urlsplit(self.path).path.strip("/"), body)
            if status is None:  # a failing endpoint: the connection drops with no answer
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
