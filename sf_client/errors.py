"""Typed Salesforce errors, mapped from a status and an error body in one place.

Callers decide by type, not by parsing messages::

    SalesforceError                 status, error_code, message, fields; is_transient
    ├── AuthenticationError         a token flow refused us (OAuth `error`, SOAP exceptionCode)
    ├── SessionExpired              401 INVALID_SESSION_ID: the token is no longer good
    ├── PermissionDenied            403 other than the request limits (INSUFFICIENT_ACCESS, ...)
    ├── NotFound                    404 NOT_FOUND
    │   └── EntityDeleted           404 ENTITY_IS_DELETED (the record sits in the Recycle Bin)
    ├── BadRequest                  any other 4xx: a bug or bad data, never retried...
    │   ├── MalformedQuery          400 MALFORMED_QUERY
    │   ├── InvalidField            400 INVALID_FIELD (also fields hidden by field-level security)
    │   ├── QueryTimeout            400 QUERY_TIMEOUT: narrow the window and ask again
    │   ├── InvalidQueryLocator     400 INVALID_QUERY_LOCATOR: the cursor is gone; query again
    │   ├── RowLocked               400 UNABLE_TO_LOCK_ROW: ...except this one, which clears
    │   └── UriTooLong              414 / 431: the URL passed 16,384 bytes
    ├── RequestLimitExceeded        403 REQUEST_LIMIT_EXCEEDED "TotalRequests": stop the run
    ├── ConcurrentRequestLimit      403 REQUEST_LIMIT_EXCEEDED "ConcurrentPerOrgLongTxn": back off
    ├── ApiBudgetSpent              (no call made) our share of the daily allocation is used
    └── Unavailable                 420, 429, 5xx, HTML or empty bodies, timeouts, lost connections

Messages are Salesforce's own text, scrubbed of any secret the caller names, so an error can be
logged or shown as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import httpx

_SECRET_MIN_LENGTH = 4
_SPECIFIC_STATUSES = frozenset({401, 403, 404, 414, 431})


class SalesforceError(Exception):
    """A failed call to Salesforce, with the facts a caller needs to decide what to do."""

    transient: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        fields: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.fields = tuple(fields)

    @property
    def is_transient(self) -> bool:
        """True when the same request may succeed if sent again later."""
        return self.transient

    def __str__(self) -> str:
        label = self.error_code or ("HTTP " + str(self.status) if self.status else None)
        return self.message if label is None else label + ": " + self.message

    def __repr__(self) -> str:
        shown = (
            ("status", self.status),
            ("error_code", self.error_code),
            ("message", self.message),
        )
        return type(self).__name__ + "(" + ", ".join(k + "=" + repr(v) for k, v in shown) + ")"


class AuthenticationError(SalesforceError):
    """A token flow refused the credentials (bad key, unapproved user, wrong domain...)."""


class SessionExpired(SalesforceError):
    """The access token expired or was revoked; modes that can will log in again once."""


class PermissionDenied(SalesforceError):
    """The integration user lacks a permission, or the API is disabled for the org."""


class NotFound(SalesforceError):
    """The resource or record does not exist (or is not visible to the integration user)."""


class EntityDeleted(NotFound):
    """The record was deleted; callers mark it gone rather than retry."""


class BadRequest(SalesforceError):
    """Salesforce rejected the request itself; sending it again would fail the same way."""


class MalformedQuery(BadRequest):
    """The SOQL does not parse: a bug in the query text."""


class InvalidField(BadRequest):
    """A field does not exist or is hidden by field-level security: re-describe."""


class QueryTimeout(BadRequest):
    """The query ran too long; the caller should narrow its window and try again."""


class InvalidQueryLocator(BadRequest):
    """A `nextRecordsUrl` cursor expired (15 minutes idle, more than 10 open per user) or
    belongs to another session (a re-authentication happened): run the query again."""


class RowLocked(BadRequest):
    """Another transaction holds the record; it usually clears within seconds."""

    transient = True


class UriTooLong(BadRequest):
    """The request URL passed Salesforce's 16,384-byte cap."""


class RequestLimitExceeded(SalesforceError):
    """The org's rolling 24-hour API allocation is used up: stop, resume in a few hours."""


class ConcurrentRequestLimit(SalesforceError):
    """Too many long-running requests in flight org-wide; clears in seconds."""

    transient = True


class ApiBudgetSpent(SalesforceError):
    """Sending one more request would pass the share of the org's daily API allocation this
    client may use (`ApiUsage.budget`); raised before the request, so nothing was sent."""


class Unavailable(SalesforceError):
    """Salesforce or the network between us failed; worth a bounded number of retries."""

    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


_BY_CODE: dict[str, type[SalesforceError]] = {
    "MALFORMED_QUERY": MalformedQuery,
    "INVALID_FIELD": InvalidField,
    "QUERY_TIMEOUT": QueryTimeout,
    "INVALID_QUERY_LOCATOR": InvalidQueryLocator,
    "UNABLE_TO_LOCK_ROW": RowLocked,
    "ENTITY_IS_DELETED": EntityDeleted,
}


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret replaced, for servers that echo what they were sent."""
    for secret in secrets:
        if secret and len(secret) >= _SECRET_MIN_LENGTH:
            text = text.replace(secret, "***")
    return text


def error_from_response(
    response: httpx.Response,
    *,
    token_request: bool = False,
    secrets: Iterable[str | None] = (),
) -> SalesforceError:
    """The typed error for a failed response; the only place statuses and codes are mapped.

    `token_request` marks the OAuth token endpoint, whose client errors mean the credentials
    were refused rather than that a REST call was wrong.
    """
    status = response.status_code
    body = _json_body(response)
    code, message, fields = _describe_body(body, response)
    message = scrub(message, secrets)
    cls = _error_class(status, code, message, parsed=body is not None, token_request=token_request)
    if cls is Unavailable:
        return Unavailable(
            message,
            status=status,
            error_code=code,
            fields=fields,
            retry_after=_retry_after(response),
        )
    return cls(message, status=status, error_code=code, fields=fields)


def error_from_transport(exc: httpx.TransportError) -> Unavailable:
    """A timeout or connection failure as an `Unavailable` (its text holds no credentials)."""
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
    detail = str(exc) or type(exc).__name__
    return Unavailable("request " + kind + ": " + detail)


def _error_class(
    status: int, code: str | None, message: str, *, parsed: bool, token_request: bool
) -> type[SalesforceError]:
    if status in (420, 429) or status >= 500:
        return Unavailable
    if token_request:
        return AuthenticationError if parsed else Unavailable
    if status == 401:
        return SessionExpired
    if not parsed and status not in _SPECIFIC_STATUSES:
        return Unavailable
    if status == 403:
        if code == "REQUEST_LIMIT_EXCEEDED":
            if "ConcurrentPerOrgLongTxn" in message:
                return ConcurrentRequestLimit
            return RequestLimitExceeded
        return PermissionDenied
    if status == 404:
        return EntityDeleted if code == "ENTITY_IS_DELETED" else NotFound
    if status in (414, 431):
        return UriTooLong
    return _BY_CODE.get(code or "", BadRequest)


def _json_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _describe_body(body: Any, response: httpx.Response) -> tuple[str | None, str, list[str]]:
    """(code, message, fields) from a REST error array, an OAuth error object, or neither."""
    if isinstance(body, list) and body and all(isinstance(item, dict) for item in body):
        code = body[0].get("errorCode") or body[0].get("statusCode")
        message = "; ".join(str(item.get("message", "")) for item in body)
        fields = [str(f) for item in body for f in item.get("fields") or ()]
        return code, message, fields
    if isinstance(body, dict) and ("error" in body or "errorCode" in body):
        code = body.get("error") or body.get("errorCode")
        message = body.get("error_description") or body.get("message") or ""
        return str(code), str(message), []
    reason = response.reason_phrase or "no reason given"
    kind = "empty body" if not response.content else "non-JSON body"
    return None, "HTTP " + str(response.status_code) + " " + reason + " (" + kind + ")", []


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
