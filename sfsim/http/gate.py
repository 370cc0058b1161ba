"""The path every REST call takes: latency, outages, session, allocation, then the handler.

Handlers run under the org lock and return plain data; JSON is encoded after the lock is
released so a large page does not hold up other requests longer than it must.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from sfsim.errors import SfError
from sfsim.org import Org
from sfsim.reqlog import LoggedRequest, WriteOutcome

JSON_TYPE = "application/json;charset=UTF-8"
MAX_URI_BYTES = 16_384
URI_TOO_LONG_HTML = "<html><body><h1>414 Request-URI Too Large</h1></body></html>"

UNAVAILABLE_HTML = (
    "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1>"
    "<p>The server is temporarily unable to service your request. Please try again later.</p>"
    "</body></html>"
)


@dataclass
class Call:
    """What a handler may know of a request."""

    user_id: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    session: str = ""  # the access token: query locators belong to the session that opened them
    base_url: str = ""  # scheme and host the request came to

    def json(self) -> Any:
        """The parsed body, or JSON_PARSER_ERROR as Salesforce answers malformed input."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise SfError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from exc


@dataclass
class Reply:
    """A handler's answer: status, JSON-ready body (None for 204) and per-record outcomes;
    or, with `content_type`, a body of bytes sent as they are (Bulk CSV) with extra `headers`."""

    body: Any = None
    status: int = 200
    writes: list[WriteOutcome] = field(default_factory=list)
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Org, Call], Reply]


def limit_info(org: Org) -> str:
    """The `Sforce-Limit-Info` header value (with the app's own usage when it has a cap)."""
    faults = org.faults
    value = f"api-usage={faults.api_used}/{faults.api_max}"
    if faults.per_app_max is not None:
        value += f"; per-app-api-usage={faults.per_app_used}/{faults.per_app_max}(appName=handoff)"
    return value


def json_response(body: Any, status: int, org: Org) -> Response:
    """A JSON response with Salesforce's content type and the limit header."""
    content = b"" if body is None else orjson.dumps(body)  # ~10x the stdlib on 1 MB pages
    headers = {"Sforce-Limit-Info": limit_info(org)}
    if body is not None:
        headers["Content-Type"] = JSON_TYPE
    return Response(content, status, headers=headers)


def error_response(error: SfError, org: Org) -> Response:
    """An error array response."""
    return json_response([error.as_rest()], error.status, org)


def bearer(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` (or `OAuth`) header."""
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "oauth") and token.strip() else None


def _admit(org: Org, request: Request) -> str | SfError | None:
    """The calling user, an error to answer, or None for an outage (503)."""
    faults = org.faults
    if faults.take_unavailable():
        return None
    token = bearer(request)
    user = org.auth.user_for(token) if token else None
    if user is not None and faults.take_expiry():
        org.auth.revoke_all()
        user = None
    if user is None:
        return SfError(401, "INVALID_SESSION_ID", "Session expired or invalid")
    if faults.over_limit():
        return SfError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    faults.api_used += 1
    faults.per_app_used += 1
    return user


async def run(org: Org, request: Request, handler: Handler) -> Response:
    """Serve one REST call through the faults, the session check and the handler."""
    if org.faults.latency_ms:
        await asyncio.sleep(org.faults.latency_ms / 1000)
    target = request.scope.get("raw_path", b"") + b"?" + request.scope.get("query_string", b"")
    if len(target) > MAX_URI_BYTES:
        # Salesforce's edge refuses long URIs before the API sees them (no usage counted).
        with org.lock:
            org.log.add(LoggedRequest(request.method, request.url.path, 414))
        return Response(URI_TOO_LONG_HTML, 414, headers={"Content-Type": "text/html"})
    started, cpu_started = time.perf_counter(), time.thread_time()
    body = await request.body()
    headers = request.headers
    entry = LoggedRequest(
        request.method,
        request.url.path,
        200,
        headers.get("sforce-auto-assign"),
        duplicate_rule_header=headers.get("sforce-duplicate-rule-header"),
    )
    with org.lock:
        admitted = _admit(org, request)
        reply: Reply | SfError | None
        if isinstance(admitted, str):
            entry.user_id = admitted
            call = Call(admitted, request.path_params, request.query_params, request.headers, body,
                        bearer(request) or "", str(request.base_url).rstrip("/"))  # fmt: skip
            try:
                reply = handler(org, call)
            except SfError as error:
                reply = error
        else:
            reply = admitted
        entry.status = 503 if reply is None else reply.status
        if isinstance(reply, Reply):
            entry.writes = reply.writes
        org.log.add(entry)
        if reply is None:
            return Response(UNAVAILABLE_HTML, 503, headers={"Content-Type": "text/html"})
        usage = limit_info(org)
    if isinstance(reply, SfError):
        response = error_response(reply, org)
    elif reply.content_type is not None:
        response = Response(
            reply.body, reply.status, headers={"Content-Type": reply.content_type, **reply.headers}
        )
    else:
        response = json_response(reply.body, reply.status, org)
    response.headers["Sforce-Limit-Info"] = usage
    entry.elapsed_ms = (time.perf_counter() - started) * 1000
    entry.cpu_ms = (time.thread_time() - cpu_started) * 1000
    return response
