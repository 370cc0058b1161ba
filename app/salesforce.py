"""Build a `SalesforceClient` from settings: the one place that knows both vocabularies.

The app owns the `httpx.Client` (its pool, timeout and trusted CAs) and hands it to the client,
so connection reuse and TLS trust are decided here once, and tests plug in the same way. The
store is consulted here too: the refresh-token mode starts from the newest (rotated) refresh
token kept encrypted in the store, and the API budget counts what earlier runs spent.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from app.errors import HandoffError
from app.settings import AuthMode, SalesforceSettings, Settings
from app.store import repo_runs
from app.store.repo_secrets import RefreshTokenStore
from sf_client import (
    AccessTokenAuth,
    ApiBudget,
    ApiUsage,
    AuthenticationError,
    Authenticator,
    ClientCredentialsAuth,
    JwtBearerAuth,
    RefreshTokenAuth,
    SalesforceClient,
    SoapPasswordAuth,
    Token,
)

TOKEN_REVOKED = (
    "Salesforce refused the refresh token (invalid_grant: expired access/refresh token): it "
    "was revoked. Either an admin revoked the app's access, or, with Refresh Token Rotation, "
    "an old refresh token was presented again and Salesforce revoked the whole token family. "
    "Authorise the app again, set the new refresh token in SF_REFRESH_TOKEN, and run "
    "`handoff sync`: the new token replaces the stored one"
)


class StoredRefreshTokenAuth:
    """The refresh-token grant starting from the newest stored token, keeping each rotation.

    A refused token gets a message that says what happened and what to do.
    """

    can_refresh = True

    def __init__(self, sf: SalesforceSettings, store: RefreshTokenStore) -> None:
        seed = _secret(sf.refresh_token)
        self._store, self._seed = store, seed
        self._inner = RefreshTokenAuth(
            store.current(seed),
            str(sf.consumer_key),
            _secret(sf.consumer_secret) or None,
            sf.domain,
            on_rotate=lambda token: store.save(seed, token),
        )

    def authenticate(self, http: httpx.Client) -> Token:
        try:
            return self._inner.authenticate(http)
        except AuthenticationError as exc:
            if exc.error_code != "invalid_grant":
                raise
            raise AuthenticationError(
                TOKEN_REVOKED, status=exc.status, error_code=exc.error_code
            ) from None

    def flush(self) -> None:
        """Store a rotated token that had to wait for the database (see `RefreshTokenStore`)."""
        self._store.flush(self._seed)

    def __repr__(self) -> str:
        return "StoredRefreshTokenAuth(" + repr(self._inner) + ")"


def _secret(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return "" if value is None else str(getter() if getter else value)


def authenticator(
    sf: SalesforceSettings, settings: Settings, sessions: sessionmaker[Session] | None = None
) -> Authenticator:
    """The auth flow for the mode the settings select.

    The refresh-token mode needs the store (`sessions`) and `HANDOFF_SECRET_KEY`, since a
    rotated refresh token must be kept for the next run.
    """
    mode = sf.mode
    if mode is AuthMode.ACCESS_TOKEN:
        return AccessTokenAuth(str(sf.instance_url), _secret(sf.access_token))
    if mode is AuthMode.REFRESH_TOKEN:
        if sessions is None:
            raise HandoffError("refresh-token mode needs the store to keep rotated tokens")
        return StoredRefreshTokenAuth(sf, RefreshTokenStore(sessions, _secret(settings.secret_key)))
    if mode is AuthMode.JWT_BEARER:
        assert sf.private_key_file is not None
        try:
            pem = sf.private_key_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise HandoffError(
                f"SF_PRIVATE_KEY_FILE: cannot read {sf.private_key_file}: {exc.strerror}"
            ) from None
        return JwtBearerAuth(str(sf.username), str(sf.consumer_key), pem, sf.domain)
    if mode is AuthMode.CLIENT_CREDENTIALS:
        return ClientCredentialsAuth(str(sf.consumer_key), _secret(sf.consumer_secret), sf.domain)
    return SoapPasswordAuth(
        str(sf.username),
        _secret(sf.password),
        _secret(sf.security_token),
        sf.domain,
        verify=trusted_cas(sf),  # the SOAP login runs on requests: same trust as httpx
        timeout=settings.http_timeout,
    )


def trusted_ca_file(sf: SalesforceSettings) -> str | None:
    """`SF_CA_BUNDLE`, else `SSL_CERT_FILE`, else None (the system store)."""
    if sf.ca_bundle is not None:
        if not sf.ca_bundle.is_file():
            raise HandoffError(f"SF_CA_BUNDLE: no such file: {sf.ca_bundle}")
        return str(sf.ca_bundle)
    return os.environ.get("SSL_CERT_FILE") or None


def trusted_cas(sf: SalesforceSettings) -> str | bool:
    """What requests (the SOAP login) takes as `verify`: a CA file, or True for the system's."""
    return trusted_ca_file(sf) or True


def ssl_context(sf: SalesforceSettings) -> ssl.SSLContext:
    """What httpx takes as `verify`: a context trusting the same CAs as the SOAP login."""
    return ssl.create_default_context(cafile=trusted_ca_file(sf))


def http_client(sf: SalesforceSettings, settings: Settings) -> httpx.Client:
    """One pooled client for every call to the org, sized for the write concurrency."""
    limits = httpx.Limits(max_connections=settings.write_concurrency + 4)
    return httpx.Client(verify=ssl_context(sf), timeout=settings.http_timeout, limits=limits)


def api_budget(settings: Settings, sessions: sessionmaker[Session] | None) -> ApiBudget:
    """`HANDOFF_API_BUDGET_PERCENT`, with the calls the runs of the last 24 hours made."""
    earlier = 0
    if sessions is not None:
        with sessions() as session:
            earlier = repo_runs.api_calls_since(session, datetime.now(UTC) - timedelta(days=1))
    return ApiBudget(percent=settings.api_budget_percent, earlier_calls=earlier)


@contextmanager
def connect(
    sf: SalesforceSettings, settings: Settings, sessions: sessionmaker[Session] | None = None
) -> Iterator[SalesforceClient]:
    """A ready client for the org; the HTTP pool closes when the block ends.

    With the store (`sessions`) the refresh-token mode keeps rotated tokens, and the budget
    counts the API calls of earlier runs.
    """
    auth = authenticator(sf, settings, sessions)
    try:
        with http_client(sf, settings) as http:
            yield SalesforceClient(
                http,
                auth,
                api_version=sf.api_version,
                write_concurrency=settings.write_concurrency,
                allow_duplicate_save=settings.duplicate_rule_allow_save,
                usage=ApiUsage(api_budget(settings, sessions)),
            )
    finally:
        if isinstance(auth, StoredRefreshTokenAuth):
            auth.flush()
