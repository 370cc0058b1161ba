"""Each auth mode's token request, exactly as sent, and what comes back from it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
import responses
import respx

from sf_client import (
    AccessTokenAuth,
    AuthenticationError,
    ClientCredentialsAuth,
    Identity,
    JwtBearerAuth,
    RefreshTokenAuth,
    SalesforceClient,
    SoapPasswordAuth,
    Unavailable,
)
from tests.sf_client.conftest import INSTANCE, payload, sf_response

LOGIN_TOKEN = "https://login.salesforce.com/services/oauth2/token"
TEST_TOKEN = "https://test.salesforce.com/services/oauth2/token"
MY_DOMAIN_TOKEN = INSTANCE + "/services/oauth2/token"
SOAP_URL = "https://login.salesforce.com/services/Soap/u/64.0"


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_access_token_mode_uses_the_instance_url_exactly_as_given(
    sf: respx.MockRouter, make_client: Callable[..., SalesforceClient]
) -> None:
    route = sf.get("http://127.0.0.1:8443/services/data/v66.0/limits/").mock(
        return_value=sf_response(payload("limits.json"))
    )
    client = make_client(AccessTokenAuth("http://127.0.0.1:8443/", "00Dxx!local"))

    client.limits()

    assert client.instance_url == "http://127.0.0.1:8443"
    assert route.calls.last.request.headers["Authorization"] == "Bearer 00Dxx!local"


def test_access_token_mode_refuses_an_instance_url_without_scheme() -> None:
    with pytest.raises(ValueError, match="https://"):
        AccessTokenAuth("acme.my.salesforce.com", "00Dxx!token")


def test_refresh_token_request(sf: respx.MockRouter, http: httpx.Client) -> None:
    route = sf.post(TEST_TOKEN).mock(
        return_value=httpx.Response(200, json=payload("token_refresh.json"))
    )
    auth = RefreshTokenAuth("5Aep861.refresh", "3MVG9.key", "consumer-secret", "test")

    token = auth.authenticate(http)

    assert form(route.calls.last.request) == {
        "grant_type": "refresh_token",
        "refresh_token": "5Aep861.refresh",
        "client_id": "3MVG9.key",
        "client_secret": "consumer-secret",
    }
    assert route.calls.last.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token.access_token == "00D5g000004XyZa!AQ8AQRefreshedToken"
    assert token.instance_url == INSTANCE
    assert token.issued_at.timestamp() == 1778155200


def test_refresh_token_without_secret_and_with_rotation(
    sf: respx.MockRouter, http: httpx.Client
) -> None:
    rotated = payload("token_refresh.json") | {"refresh_token": "5Aep861.rotated"}
    route = sf.post(LOGIN_TOKEN).mock(
        side_effect=[httpx.Response(200, json=rotated), httpx.Response(200, json=rotated)]
    )
    auth = RefreshTokenAuth("5Aep861.first", "3MVG9.key", None, "login")

    auth.authenticate(http)
    auth.authenticate(http)

    first, second = (form(call.request) for call in route.calls)
    assert "client_secret" not in first
    assert first["refresh_token"] == "5Aep861.first"
    assert second["refresh_token"] == "5Aep861.rotated"


def test_refresh_token_refused(sf: respx.MockRouter, http: httpx.Client) -> None:
    sf.post(LOGIN_TOKEN).mock(
        return_value=httpx.Response(400, json=payload("oauth_invalid_grant.json"))
    )

    with pytest.raises(AuthenticationError) as caught:
        RefreshTokenAuth("5Aep861.dead", "3MVG9.key", None, "login").authenticate(http)

    assert caught.value.error_code == "invalid_grant"
    assert str(caught.value) == "invalid_grant: expired access/refresh token"


@pytest.mark.parametrize(
    ("domain", "token_url"),
    [("login", LOGIN_TOKEN), ("test", TEST_TOKEN), ("acme.my", MY_DOMAIN_TOKEN)],
)
def test_jwt_bearer_request_and_claims(
    sf: respx.MockRouter,
    http: httpx.Client,
    private_pem: str,
    public_pem: str,
    domain: str,
    token_url: str,
) -> None:
    route = sf.post(token_url).mock(
        return_value=httpx.Response(200, json=payload("token_jwt.json"))
    )
    auth = JwtBearerAuth(
        "int@acme.com", "3MVG9.key", private_pem, domain, clock=lambda: 1_800_000_000
    )

    token = auth.authenticate(http)

    sent = form(route.calls.last.request)
    assert sent["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    audience = token_url.removesuffix("/services/oauth2/token")
    claims = jwt.decode(
        sent["assertion"],
        public_pem,
        algorithms=["RS256"],
        audience=audience,
        options={"verify_exp": False},
    )
    assert claims == {
        "iss": "3MVG9.key",
        "sub": "int@acme.com",
        "aud": audience,
        "exp": 1_800_000_180,
    }
    assert jwt.get_unverified_header(sent["assertion"])["alg"] == "RS256"
    assert (
        token.identity_url
        == "https://login.salesforce.com/id/00D5g000004XyZaEAK/0055g00000AbCdEAAV"
    )


def test_jwt_with_a_key_that_cannot_sign(http: httpx.Client) -> None:
    auth = JwtBearerAuth("int@acme.com", "3MVG9.key", "-----BEGIN NOTHING-----", "login")

    with pytest.raises(AuthenticationError, match="private key"):
        auth.authenticate(http)


def test_client_credentials_request(sf: respx.MockRouter, http: httpx.Client) -> None:
    route = sf.post(MY_DOMAIN_TOKEN).mock(
        return_value=httpx.Response(200, json=payload("token_client_credentials.json"))
    )

    token = ClientCredentialsAuth(
        "3MVG9.key", "consumer-secret", "https://acme.my.salesforce.com"
    ).authenticate(http)

    assert form(route.calls.last.request) == {
        "grant_type": "client_credentials",
        "client_id": "3MVG9.key",
        "client_secret": "consumer-secret",
    }
    assert token.instance_url == INSTANCE


@pytest.mark.parametrize("domain", ["login", "test", "https://login.salesforce.com"])
def test_client_credentials_needs_a_my_domain(domain: str) -> None:
    with pytest.raises(AuthenticationError, match="My Domain"):
        ClientCredentialsAuth("3MVG9.key", "consumer-secret", domain)


def test_token_endpoint_outage_is_unavailable(sf: respx.MockRouter, http: httpx.Client) -> None:
    sf.post(MY_DOMAIN_TOKEN).mock(return_value=httpx.Response(503, text="<html>down</html>"))

    with pytest.raises(Unavailable):
        ClientCredentialsAuth("3MVG9.key", "secret", "acme.my").authenticate(http)


def test_identity_comes_from_the_token_id_url_without_a_call(
    sf: respx.MockRouter, make_client: Callable[..., SalesforceClient]
) -> None:
    sf.post(MY_DOMAIN_TOKEN).mock(
        return_value=httpx.Response(200, json=payload("token_client_credentials.json"))
    )
    client = make_client(ClientCredentialsAuth("3MVG9.key", "secret", "acme.my"))

    assert client.identity() == Identity("00D5g000004XyZaEAK", "0055g00000RunAsAAB")
    assert client.usage.calls == 0


def test_identity_in_access_token_mode_comes_from_userinfo(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    route = sf.get(INSTANCE + "/services/oauth2/userinfo").mock(
        return_value=sf_response(payload("userinfo.json"))
    )

    assert client.identity() == Identity(
        "00D5g000004XyZaEAK", "0055g00000AbCdEAAV", "integration@acme.com"
    )
    assert route.call_count == 1


@responses.activate
def test_soap_login_posts_the_envelope_with_api_64_and_warns(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    responses.post(SOAP_URL, body=payload("soap_login_ok.xml"), content_type="text/xml")
    auth = SoapPasswordAuth("int@acme.com", "pa55word", "SecTok123", "login", verify="/etc/ca.pem")

    with caplog.at_level(logging.WARNING, logger="sf_client"):
        token = auth.authenticate(http)

    call = responses.calls[0]
    assert call.request.url == SOAP_URL
    assert call.request.headers["SOAPAction"] == "login"
    body = str(call.request.body)
    assert "<n1:username>int@acme.com</n1:username>" in body
    assert "<n1:password>pa55wordSecTok123</n1:password>" in body
    assert call.request.req_kwargs["verify"] == "/etc/ca.pem"  # type: ignore[attr-defined]
    assert call.request.req_kwargs["timeout"] == 30.0  # type: ignore[attr-defined]
    assert token.access_token == "00D5g000004XyZa!AQ8AQSoapSessionId"
    assert token.instance_url == INSTANCE
    assert any("legacy" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


@responses.activate
def test_soap_login_fault_is_an_authentication_error(http: httpx.Client) -> None:
    responses.post(
        SOAP_URL, body=payload("soap_login_fault.xml"), status=500, content_type="text/xml"
    )

    with pytest.raises(AuthenticationError) as caught:
        SoapPasswordAuth("int@acme.com", "wrong", "SecTok123", "login").authenticate(http)

    assert caught.value.error_code == "INVALID_LOGIN"
    assert "Invalid username, password" in str(caught.value)


@responses.activate
def test_soap_login_against_a_my_domain(http: httpx.Client) -> None:
    responses.post(INSTANCE + "/services/Soap/u/64.0", body=payload("soap_login_ok.xml"))

    token = SoapPasswordAuth("int@acme.com", "pw", "tok", "acme.my").authenticate(http)

    assert token.instance_url == INSTANCE


def test_reprs_show_no_secret(private_pem: str) -> None:
    shown = repr(
        [
            AccessTokenAuth(INSTANCE, "00Dxx!SECRET-TOKEN"),
            RefreshTokenAuth("SECRET-REFRESH", "key", "SECRET-CS", "login"),
            JwtBearerAuth("u@x.com", "key", private_pem, "login"),
            ClientCredentialsAuth("key", "SECRET-CS", "acme.my"),
            SoapPasswordAuth("u@x.com", "SECRET-PW", "SECRET-ST", "login"),
        ]
    )

    assert "SECRET" not in shown
    assert "PRIVATE KEY" not in shown
