"""`/services/oauth2/token` (refresh token, client credentials, JWT bearer) and `userinfo`.

OAuth answers use the object form `{"error", "error_description"}`, not the REST error array.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import parse_qs

import jwt
from starlette.requests import Request
from starlette.responses import Response

from sfsim.http.gate import JSON_TYPE, bearer
from sfsim.org import Org
from sfsim.reqlog import LoggedRequest

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


class OAuthError(Exception):
    """A refused grant, rendered as Salesforce's OAuth error object."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error, self.description, self.status = error, description, status


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status, headers={"Content-Type": JSON_TYPE})


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _client(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        decoded = base64.b64decode(header[6:]).decode(errors="replace")
        key, _, secret = decoded.partition(":")
        return key, secret
    return form.get("client_id"), form.get("client_secret")


def _jwt_user(org: Org, assertion: str, base_url: str) -> str:
    key = org.auth.jwt_public_key
    try:
        claims = jwt.decode(
            assertion, key or "", algorithms=["RS256"], audience=[*AUDIENCES, base_url],
            options={"verify_signature": key is not None, "require": ["iss", "sub", "aud", "exp"]},
        )  # fmt: skip
    except jwt.InvalidAudienceError as exc:
        raise OAuthError("invalid_grant", "audience is invalid") from exc
    except jwt.ExpiredSignatureError as exc:
        raise OAuthError("invalid_grant", "expired authorization code") from exc
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_grant", "invalid assertion") from exc
    if claims["iss"] != org.auth.consumer_key:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    return _active_user(org, str(claims["sub"]))


def _active_user(org: Org, username: str) -> str:
    users = org.table("User")
    for row in range(users.size):
        if users.get(row, "Username") == username and users.get(row, "IsActive"):
            return users.id_of(row)
    raise OAuthError("invalid_grant", "user hasn't approved this consumer")


def _refresh(org: Org, form: dict[str, str]) -> tuple[str, str | None]:
    """The user of a refresh grant, and the rotated refresh token when rotation is on."""
    if form.get("client_id") != org.auth.consumer_key:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    token = form.get("refresh_token", "")
    user = org.auth.refresh_user(token)
    rotated = org.auth.rotate(token) if org.faults.rotate_refresh else None
    if user is None:  # unknown, revoked, or rotated out (its family is revoked now)
        raise OAuthError("invalid_grant", "expired access/refresh token")
    return user, rotated


def _grant(org: Org, request: Request, form: dict[str, str]) -> tuple[str, bool, str | None]:
    """The user a grant authenticates, whether the response carries a signature, and the
    new refresh token when the grant rotated one."""
    grant = form.get("grant_type")
    if grant == "refresh_token":
        user, rotated = _refresh(org, form)
        return user, True, rotated
    if grant == "client_credentials":
        if not org.auth.client_ok(*_client(request, form)):
            raise OAuthError("invalid_client", "invalid client credentials")
        return org.integration_user_id, True, None
    if grant == JWT_GRANT:
        return _jwt_user(org, form.get("assertion", ""), _base_url(request)), False, None
    raise OAuthError("unsupported_grant_type", "grant type not supported")


async def token(request: Request) -> Response:
    """Issue an access token for a valid grant."""
    org: Org = request.app.state.org
    raw = (await request.body()).decode(errors="replace")
    form = {k: v[0] for k, v in parse_qs(raw).items()}
    with org.lock:
        try:
            user, signed, rotated = _grant(org, request, form)
        except OAuthError as error:
            org.log.add(LoggedRequest("POST", request.url.path, error.status))
            body = {"error": error.error, "error_description": error.description}
            return _json(body, error.status)
        access = org.auth.issue(user)
        org.log.add(LoggedRequest("POST", request.url.path, 200, user_id=user))
    base = _base_url(request)
    org_id, user_id = (org.org_id[:15], user[:15]) if org.faults.short_ids else (org.org_id, user)
    body = {"access_token": access, "scope": "api", "instance_url": base,
            "id": f"{base}/id/{org_id}/{user_id}", "token_type": "Bearer"}  # fmt: skip
    if rotated is not None:
        body["refresh_token"] = rotated
    if signed:
        body |= {"signature": base64.b64encode(access[-16:].encode()).decode(),
                 "issued_at": str(int(time.time() * 1000))}  # fmt: skip
    return _json(body)


async def userinfo(request: Request) -> Response:
    """Who the token belongs to (object-form errors, as the identity service answers)."""
    org: Org = request.app.state.org
    token_value = bearer(request)
    with org.lock:
        user = org.auth.user_for(token_value) if token_value else None
        if user is None:
            return _json(
                {"error": "invalid_token", "error_description": "Session expired or invalid"}, 401
            )
        users = org.table("User")
        row = users.row_of(user)
        assert row is not None
        base = _base_url(request)
        return _json({
            "sub": f"{base}/id/{org.org_id}/{user}", "user_id": user,
            "organization_id": org.org_id, "preferred_username": users.get(row, "Username"),
            "name": users.get(row, "Name"), "email": users.get(row, "Email"),
            "zoneinfo": users.get(row, "TimeZoneSidKey"), "locale": "en_US",
            "active": users.get(row, "IsActive"),
        })  # fmt: skip
