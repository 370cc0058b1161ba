"""The OAuth modes: a ready access token, and the three token flows (one POST each).

Each flow posts a form to `<login host>/services/oauth2/token` over the app's httpx client,
so tests see the exact request. Secrets live in private attributes that no repr shows, and
every error raised here is scrubbed of them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt

from sf_client.errors import (
    AuthenticationError,
    error_from_response,
    error_from_transport,
    scrub,
)
from sf_client.tokens import Token, is_my_domain, login_url, public_repr

log = logging.getLogger("sf_client")

JWT_LIFETIME_SECONDS = 180
"""Salesforce wants `exp` within about three minutes of its own clock."""


class AccessTokenAuth:
    """A token obtained elsewhere (for example `sf org display`); cannot be renewed here."""

    can_refresh = False

    def __init__(self, instance_url: str, access_token: str) -> None:
        if not instance_url.startswith(("https://", "http://")):
            raise ValueError("SF_INSTANCE_URL must start with https:// or http://")
        self.instance_url = instance_url.rstrip("/")
        self._access_token = access_token

    def authenticate(self, http: httpx.Client) -> Token:  # noqa: ARG002 (the protocol's)
        """The token as given: nothing is checked until the first API call."""
        return Token(self._access_token, self.instance_url, None, datetime.now(UTC))

    def __repr__(self) -> str:
        return public_repr(self, "instance_url")


class RefreshTokenAuth:
    """The refresh-token grant, for an org where a person authorised the app once.

    With Refresh Token Rotation (External Client Apps) every refresh answers with a new refresh
    token and the one sent is dead from then on; presenting a dead one again revokes the whole
    token family. So the rotated token replaces ours at once, and `on_rotate` is called with it
    before the access token is used, so the caller can keep it (encrypted) for the next process.
    """

    can_refresh = True

    def __init__(
        self,
        refresh_token: str,
        consumer_key: str,
        consumer_secret: str | None,
        domain: str,
        *,
        on_rotate: Callable[[str], None] | None = None,
    ) -> None:
        self.consumer_key = consumer_key
        self.login_url = login_url(domain)
        self._refresh_token = refresh_token
        self._consumer_secret = consumer_secret
        self._on_rotate = on_rotate
        self._lock = threading.Lock()

    def authenticate(self, http: httpx.Client) -> Token:
        """A new access token; keeps the rotated refresh token when Salesforce issues one."""
        with self._lock:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": self._refresh_token,
                "client_id": self.consumer_key,
            }
            if self._consumer_secret:
                form["client_secret"] = self._consumer_secret
            secrets: tuple[str | None, ...] = (self._refresh_token, self._consumer_secret)
            body = post_token_request(http, self.login_url, form, secrets)
            rotated = body.get("refresh_token")
            if isinstance(rotated, str) and rotated and rotated != self._refresh_token:
                self._refresh_token = rotated
                secrets = (*secrets, rotated)
                log.info("Salesforce rotated the refresh token; keeping the new one")
                if self._on_rotate is not None:
                    self._on_rotate(rotated)
            return token_from_body(body, secrets)

    def __repr__(self) -> str:
        return public_repr(self, "consumer_key", "login_url")


class JwtBearerAuth:
    """The JWT bearer grant: an RS256 assertion signed with the connected app's private key."""

    can_refresh = True

    def __init__(
        self,
        username: str,
        consumer_key: str,
        private_key_pem: str,
        domain: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.username = username
        self.consumer_key = consumer_key
        self.login_url = login_url(domain)
        self._private_key_pem = private_key_pem
        self._clock = clock

    def authenticate(self, http: httpx.Client) -> Token:
        """A new access token from a freshly signed assertion (no refresh token exists)."""
        assertion = self._assertion()
        secrets = (self._private_key_pem, assertion, *_pem_lines(self._private_key_pem))
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
        return token_from_body(post_token_request(http, self.login_url, form, secrets), secrets)

    def _assertion(self) -> str:
        claims = {
            "iss": self.consumer_key,
            "sub": self.username,
            "aud": self.login_url,
            "exp": int(self._clock()) + JWT_LIFETIME_SECONDS,
        }
        try:
            return jwt.encode(claims, self._private_key_pem, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError):
            raise AuthenticationError(
                "the JWT private key could not sign the assertion: "
                "SF_PRIVATE_KEY_FILE must hold an unencrypted PEM RSA private key",
                error_code="invalid_private_key",
            ) from None

    def __repr__(self) -> str:
        return public_repr(self, "username", "consumer_key", "login_url")


class ClientCredentialsAuth:
    """The client-credentials grant: the app's own identity, running as its Run As user."""

    can_refresh = True

    def __init__(self, consumer_key: str, consumer_secret: str, domain: str) -> None:
        self.consumer_key = consumer_key
        self.login_url = login_url(domain)
        if not is_my_domain(self.login_url):
            raise AuthenticationError(
                "the client credentials flow needs the org's My Domain "
                "(SF_DOMAIN=acme.my or https://acme.my.salesforce.com), not "
                + repr(domain)
                + ": Salesforce refuses it on login.salesforce.com and test.salesforce.com",
                error_code="invalid_domain",
            )
        self._consumer_secret = consumer_secret

    def authenticate(self, http: httpx.Client) -> Token:
        """A new access token for the app's Run As user."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self.consumer_key,
            "client_secret": self._consumer_secret,
        }
        secrets = (self._consumer_secret,)
        return token_from_body(post_token_request(http, self.login_url, form, secrets), secrets)

    def __repr__(self) -> str:
        return public_repr(self, "consumer_key", "login_url")


def post_token_request(
    http: httpx.Client, base_url: str, form: dict[str, str], secrets: tuple[str | None, ...]
) -> dict[str, Any]:
    """POST the grant form; the JSON body on 200, else the typed error (secrets scrubbed)."""
    url = base_url + "/services/oauth2/token"
    log.info("requesting an access token from %s (%s)", url, form["grant_type"])
    try:
        response = http.post(url, data=form, headers={"Accept": "application/json"})
    except httpx.TransportError as exc:
        raise error_from_transport(exc) from None
    if response.status_code != 200:
        raise error_from_response(response, token_request=True, secrets=secrets)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise AuthenticationError("the token endpoint answered 200 without a JSON object")
    return body


def token_from_body(body: dict[str, Any], secrets: tuple[str | None, ...]) -> Token:
    """A `Token` from a token response; refuses one without a token or an instance URL."""
    access_token, instance_url = body.get("access_token"), body.get("instance_url")
    if not isinstance(access_token, str) or not isinstance(instance_url, str):
        keys = scrub(", ".join(sorted(body)), secrets)
        raise AuthenticationError("token response without access_token/instance_url: " + keys)
    identity_url = body.get("id") if isinstance(body.get("id"), str) else None
    return Token(access_token, instance_url.rstrip("/"), identity_url, _issued_at(body))


def _issued_at(body: dict[str, Any]) -> datetime:
    """`issued_at` is epoch milliseconds as a string; the JWT flow may leave it out."""
    try:
        return datetime.fromtimestamp(int(body["issued_at"]) / 1000, UTC)
    except (KeyError, TypeError, ValueError):
        return datetime.now(UTC)


def _pem_lines(pem: str) -> list[str]:
    """The key's base64 lines, so even a server echoing part of the key is scrubbed."""
    return [line.strip() for line in pem.splitlines() if len(line.strip()) >= 16]
