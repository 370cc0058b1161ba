"""The legacy username-password mode, through simple-salesforce's SOAP `login()`.

Salesforce retired SOAP `login()` from API 65.0 and blocks it by default in new orgs, so this
mode logs in with API 64.0 and says, every time, that it is on borrowed time. It runs on
`requests` (simple-salesforce's transport), given the same CA trust as the app's httpx client.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin

from sf_client.errors import AuthenticationError, Unavailable, scrub
from sf_client.tokens import Token, login_url, public_repr

log = logging.getLogger("sf_client")

SOAP_LOGIN_API_VERSION = "64.0"
"""The last API version that still serves SOAP `login()`."""


class _PinnedSession(requests.Session):
    """A session that always sends its timeout and CA trust.

    simple-salesforce passes no timeout, and requests lets REQUESTS_CA_BUNDLE override a
    session's `verify`; both are pinned per request so neither can be lost.
    """

    def __init__(self, timeout: float, verify: str | bool) -> None:
        super().__init__()
        self._timeout = timeout
        self.verify = verify

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._timeout)
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, *args, **kwargs)


class SoapPasswordAuth:
    """Username, password and security token over SOAP `login()` (legacy; warns on use).

    `verify` is what the app gives its httpx client (a CA bundle path or True), so both
    transports trust the same certificates.
    """

    can_refresh = True

    def __init__(
        self,
        username: str,
        password: str,
        security_token: str,
        domain: str,
        *,
        verify: str | bool = True,
        timeout: float = 30.0,
    ) -> None:
        self.username = username
        self.login_url = login_url(domain)
        self._password = password
        self._security_token = security_token
        self._verify = verify
        self._timeout = timeout

    def authenticate(self, http: httpx.Client) -> Token:  # noqa: ARG002 (SOAP runs on requests)
        """A session id from SOAP `login()`, used as a bearer token for REST calls."""
        log.warning(
            "SF auth mode username-password is legacy: it uses SOAP login(), retired from "
            "API 65.0 and blocked by default in new orgs; logging in with API %s. "
            "Move to JWT bearer or client credentials.",
            SOAP_LOGIN_API_VERSION,
        )
        with _PinnedSession(self._timeout, self._verify) as session:
            session_id, host = self._login(session)
        scheme = urlsplit(self.login_url).scheme
        return Token(session_id, scheme + "://" + host, None, datetime.now(UTC))

    def _login(self, session: requests.Session) -> tuple[str, str]:
        secrets = (self._password, self._security_token, self._password + self._security_token)
        try:
            return SalesforceLogin(
                username=self.username,
                password=self._password,
                security_token=self._security_token,
                sf_version=SOAP_LOGIN_API_VERSION,
                session=session,
                scratch_url=self.login_url,
            )
        except SalesforceAuthenticationFailed as exc:
            message = scrub(exc.auth_message, secrets)
            if isinstance(exc.code, int):  # no SOAP fault in the body: an HTTP-level failure
                raise Unavailable(message, status=exc.code) from None
            raise AuthenticationError(message, error_code=exc.code) from None
        except requests.RequestException as exc:
            kind = type(exc).__name__
            raise Unavailable("SOAP login request failed: " + kind) from None

    def __repr__(self) -> str:
        return public_repr(self, "username", "login_url")
