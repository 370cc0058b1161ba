"""One REST request, done carefully: bearer token, one re-login on expiry, bounded retries.

Every call of the client goes through `Transport.request`, so the policies live in one place:
a 401 gets one new token (behind a lock, so parallel workers that all see the same expiry log
in once) and one more try; transient failures get exponential backoff within the policy's
caps; everything else is raised as the typed error at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from sf_client.errors import (
    BadRequest,
    SalesforceError,
    SessionExpired,
    UriTooLong,
    error_from_response,
    error_from_transport,
)
from sf_client.org_clock import OrgClock
from sf_client.retry import RetryPolicy
from sf_client.soql import URL_LIMIT
from sf_client.tokens import Authenticator, Token
from sf_client.usage import ApiUsage

log = logging.getLogger("sf_client")

ACCESS_TOKEN_EXPIRED = (
    "the access token was refused (expired or revoked) and the access-token mode cannot get "
    "a new one: fetch a fresh token, for example with `sf org display --target-org <alias>`, "
    "and set SF_ACCESS_TOKEN again (or use an auth mode that can log in by itself)"
)

TOO_LONG = "the request URL would pass 16,384 bytes; split the IN list (query_in) or the fields"


class Transport:
    """Sends requests to the org's instance with the current token; safe across threads."""

    def __init__(
        self,
        http: httpx.Client,
        auth: Authenticator,
        *,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        usage: ApiUsage,
    ) -> None:
        self._http = http
        self._auth = auth
        self._retry = retry
        self._sleep = sleep
        self.usage = usage
        self.org_clock = OrgClock()
        self._lock = threading.Lock()
        self._token: Token | None = None

    def token(self) -> Token:
        """The current token, logging in first if there is none yet."""
        with self._lock:
            if self._token is None:
                self._token = self._auth.authenticate(self._http)
            return self._token

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send `method path` (host-relative) and return the successful response."""
        attempt, waited, renewed = 0, 0.0, False
        while True:
            attempt += 1
            token: Token | None = None
            try:
                self.usage.check_budget()
                token = self.token()
                return self._send(token, method, path, params, json, headers or {})
            except SessionExpired as exc:
                if renewed or not self._auth.can_refresh or token is None:
                    raise self._expired(exc) from None
                renewed, attempt = True, attempt - 1
                self._renew(token)
            except SalesforceError as exc:
                if not exc.is_transient or attempt >= self._retry.max_attempts:
                    raise
                delay = self._retry.delay(attempt, getattr(exc, "retry_after", None))
                if not self._retry.allows(attempt, waited, delay):
                    raise
                log.warning(
                    "%s %s failed (%s); try %d of %d in %.2fs",
                    method,
                    path,
                    exc.error_code or exc.status or type(exc).__name__,
                    attempt + 1,
                    self._retry.max_attempts,
                    delay,
                )
                self.usage.count_retry(_retry_reason(exc))
                self._sleep(delay)
                waited += delay

    def _send(
        self,
        token: Token,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json: Any,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        if not path.startswith("/"):
            raise ValueError("request paths are host-relative and start with /")
        sent_headers = {
            "Authorization": "Bearer " + token.access_token,
            "Accept": "application/json",
            **headers,
        }
        url = request_url(token.instance_url + path, params)
        sent = time.monotonic()
        try:
            response = self._http.request(method, url, json=json, headers=sent_headers)
        except httpx.TransportError as exc:
            raise error_from_transport(exc) from None
        self.org_clock.observe(response.headers.get("Date"), time.monotonic() - sent)
        self.usage.record(response.headers.get("Sforce-Limit-Info"))
        if response.is_success:
            return response
        raise error_from_response(response, secrets=(token.access_token,))

    def _renew(self, stale: Token) -> None:
        """Replace `stale` once; threads that saw the same expiry reuse the new token."""
        with self._lock:
            if self._token is stale or self._token is None:
                log.info("session expired or invalid; getting a new access token")
                self._token = None
                self._token = self._auth.authenticate(self._http)
                self.usage.count_reauthentication()

    def _expired(self, exc: SessionExpired) -> SessionExpired:
        if self._auth.can_refresh:
            return exc
        return SessionExpired(ACCESS_TOKEN_EXPIRED, status=exc.status, error_code=exc.error_code)


def _retry_reason(exc: SalesforceError) -> str:
    """How a retried failure is counted: its status (`503`), else its code, else `connection`."""
    if exc.error_code and (exc.status is None or exc.status < 420):
        return exc.error_code
    return str(exc.status) if exc.status is not None else "connection"


def request_url(base: str, params: Mapping[str, str] | None) -> httpx.URL:
    """The URL to send, refused before sending when it passes Salesforce's 16,384 bytes.

    Checking here saves an API call on a request Salesforce would answer with 414, and
    covers URLs so long that httpx itself would refuse to build them.
    """
    if params and sum(len(value) for value in params.values()) > URL_LIMIT:
        raise UriTooLong(TOO_LONG, status=414)
    try:
        url = httpx.URL(base, params=params)
    except httpx.InvalidURL as exc:
        raise BadRequest("invalid request URL: " + str(exc)) from None
    if len(str(url).encode()) > URL_LIMIT:
        raise UriTooLong(TOO_LONG, status=414)
    return url
