"""Checks made before a request body is read: the API key, then the body's size.

FastAPI reads a body in full before any dependency runs, so a route's key check comes too late
to stop a large upload from a caller without a key, and nothing stops a large one from a caller
with a key. This ASGI middleware runs first: a request with a body to a keyed path must carry a
known key (401/429 from `app.api.auth.authenticate`, nothing read), and no body may exceed
`MAX_BODY_BYTES` (413 as soon as `Content-Length` says so, or as soon as the bytes read pass it;
never more than that is held in memory).
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.auth import authenticate, presented_key
from rules.yaml_limits import MAX_RULES_BYTES

# The largest body any endpoint takes is a rules file; nothing else comes near it.
MAX_BODY_BYTES = MAX_RULES_BYTES
# Paths whose bodies need no API key: the open endpoints and the dashboard's cookie sign-in.
KEYLESS_PATHS = frozenset({"/healthz", "/readyz", "/docs", "/openapi.json", "/redoc"})
KEYLESS_PREFIXES = ("/ui",)


class RequestGuard:
    """ASGI middleware: the key, then the size, before the body reaches the app."""

    def __init__(
        self,
        app: ASGIApp,
        max_body: int = MAX_BODY_BYTES,
        keyless_paths: Iterable[str] = KEYLESS_PATHS,
        keyless_prefixes: tuple[str, ...] = KEYLESS_PREFIXES,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.keyless_paths = frozenset(keyless_paths)
        self.keyless_prefixes = keyless_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is None and "chunked" not in headers.get("transfer-encoding", ""):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope, headers, length)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        body = await self._read(receive)
        if body is None:
            await _too_large(self.max_body)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _refusal(self, scope: Scope, headers: Headers, length: str | None) -> JSONResponse | None:
        path: str = scope["path"]
        keyed = path not in self.keyless_paths and not path.startswith(self.keyless_prefixes)
        if keyed:
            state = scope["app"].state
            client = scope["client"][0] if scope.get("client") else "unknown"
            try:
                authenticate(state.settings, state.key_attempts, client, presented_key(headers))
            except HTTPException as refused:
                return JSONResponse(
                    {"detail": refused.detail},
                    status_code=refused.status_code,
                    headers=refused.headers,
                )
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return _too_large(self.max_body)
        return None

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)  # the client went away; the app will see that
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {"detail": f"the request body is over {limit} bytes, the most any endpoint takes"},
        status_code=413,
        headers={"Connection": "close"},
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
