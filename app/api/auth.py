"""API keys: who may read and who may drive the service.

Keys come from `HANDOFF_API_KEYS`, sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
Every configured key is compared in constant time (and all of them, every time), so neither the
answer nor its timing says how much of a guess was right. Keys are never logged or echoed.
Failed attempts are slowed per client (`app.api.key_attempts`).

`authenticate` is the one check: the route dependencies below use it, and so does
`app.api.request_guard`, which runs it before a request body is read.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers

from app.api.key_attempts import KeyAttempts
from app.settings import Role, Settings

# auto_error=False: the dependencies below decide between 401 and 403 themselves. Declaring the
# schemes still documents both ways of sending a key in the OpenAPI schema.
bearer_scheme = HTTPBearer(auto_error=False, description="an API key from HANDOFF_API_KEYS")
header_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="an API key from HANDOFF_API_KEYS"
)

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="handoff"'}


def role_of(settings: Settings, presented: str) -> Role | None:
    """The role of `presented`, checking every key in constant time; None when unknown."""
    found: Role | None = None
    candidate = presented.encode()
    for api_key in settings.api_keys:
        if hmac.compare_digest(api_key.key.get_secret_value().encode(), candidate):
            found = api_key.role
    return found


def presented_key(headers: Headers) -> str | None:
    """The key a request sends, by either header; None without one."""
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return headers.get("x-api-key") or None


def authenticate(
    settings: Settings, attempts: KeyAttempts, client: str, presented: str | None
) -> Role:
    """The role of `presented`, or 401 (no key, unknown key) or 429 (too many failures)."""
    if not presented:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail="an API key is required", headers=CHALLENGE
        )
    wait = attempts.wait_seconds(client)
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="too many failed API key attempts from this client; wait and retry",
            headers={"Retry-After": str(wait)},
        )
    role = role_of(settings, presented)
    if role is None:
        attempts.failed(client)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail="unknown API key", headers=CHALLENGE
        )
    return role


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def caller_role(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    header: Annotated[str | None, Depends(header_scheme)],
) -> Role:
    """The caller's role, or 401 with a challenge when no known key was sent."""
    presented = bearer.credentials if bearer is not None else header
    state = request.app.state
    return authenticate(state.settings, state.key_attempts, client_of(request), presented)


def optional_role(request: Request) -> Role | None:
    """The caller's role when a configured key was sent; None otherwise (never an error).

    For open endpoints that say more to a caller with a key (`/readyz`). A wrong key counts as
    a failed attempt, and a throttled client is answered as one without a key, so these
    endpoints are no faster an oracle for guessing keys than the others.
    """
    presented = presented_key(request.headers)
    state = request.app.state
    try:
        return authenticate(state.settings, state.key_attempts, client_of(request), presented)
    except HTTPException:
        return None


async def require_admin(role: Annotated[Role, Depends(caller_role)]) -> Role:
    """Admin endpoints change what the service does; a read key gets 403."""
    if role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this endpoint needs an admin key")
    return role


ReadAccess = [Depends(caller_role)]
AdminAccess = [Depends(require_admin)]
OptionalRole = Annotated[Role | None, Depends(optional_role)]
