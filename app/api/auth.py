"""API keys: who may read and who may drive the service.

Keys come from `HANDOFF_API_KEYS`, sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
Every configured key is compared in constant time (and all of them, every time), so neither the
answer nor its timing says how much of a guess was right. Keys are never logged or echoed.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

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


async def caller_role(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    header: Annotated[str | None, Depends(header_scheme)],
) -> Role:
    """The caller's role, or 401 with a challenge when no known key was sent."""
    presented = bearer.credentials if bearer is not None else header
    settings: Settings = request.app.state.settings
    role = role_of(settings, presented) if presented else None
    if role is None:
        detail = "an API key is required" if not presented else "unknown API key"
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers=CHALLENGE)
    return role


async def require_admin(role: Annotated[Role, Depends(caller_role)]) -> Role:
    """Admin endpoints change what the service does; a read key gets 403."""
    if role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this endpoint needs an admin key")
    return role


ReadAccess = [Depends(caller_role)]
AdminAccess = [Depends(require_admin)]
