"""Build a `SalesforceClient` from settings: the one place that knows both vocabularies.

The app owns the `httpx.Client` (its pool, timeout and trusted CAs) and hands it to the client,
so connection reuse and TLS trust are decided here once, and tests plug in the same way.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from app.errors import HandoffError
from app.settings import AuthMode, SalesforceSettings, Settings
from sf_client import (
    AccessTokenAuth,
    Authenticator,
    ClientCredentialsAuth,
    JwtBearerAuth,
    RefreshTokenAuth,
    SalesforceClient,
    SoapPasswordAuth,
)


def _secret(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return "" if value is None else str(getter() if getter else value)


def authenticator(sf: SalesforceSettings, settings: Settings) -> Authenticator:
    """The auth flow for the mode the settings select."""
    mode = sf.mode
    if mode is AuthMode.ACCESS_TOKEN:
        return AccessTokenAuth(str(sf.instance_url), _secret(sf.access_token))
    if mode is AuthMode.REFRESH_TOKEN:
        return RefreshTokenAuth(
            _secret(sf.refresh_token),
            str(sf.consumer_key),
            _secret(sf.consumer_secret) or None,
            sf.domain,
        )
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


@contextmanager
def connect(sf: SalesforceSettings, settings: Settings) -> Iterator[SalesforceClient]:
    """A ready client for the org; the HTTP pool closes when the block ends."""
    with http_client(sf, settings) as http:
        yield SalesforceClient(
            http,
            authenticator(sf, settings),
            api_version=sf.api_version,
            write_concurrency=settings.write_concurrency,
        )
