"""No token, password, consumer secret or private key in logs, error texts or reprs.

Every failure path is driven with a server that echoes the secret back (the worst case), and
the captured logs, the exceptions (with their chains) and the reprs are searched for it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from functools import partial
from urllib.parse import parse_qs

import httpx
import pytest
import responses
import respx

from sf_client import (
    AccessTokenAuth,
    Authenticator,
    ClientCredentialsAuth,
    JwtBearerAuth,
    RefreshTokenAuth,
    SalesforceClient,
    SalesforceError,
    SoapPasswordAuth,
)
from tests.sf_client.conftest import (
    BASE,
    INSTANCE,
    lead_id,
    locator_url,
    payload,
    query_page,
    sf_response,
)

TOKEN = "00D5g000004XyZa!AQ8AQKnownLeakyAccessToken"
CLIENT_SECRET = "KnownConsumerSecret0123456789"
REFRESH = "5Aep861KnownRefreshTokenValue"
PASSWORD = "KnownPassw0rd!"
SECURITY_TOKEN = "KnownSecTok42"
TOKEN_URL = INSTANCE + "/services/oauth2/token"


def echo(status: int, *secrets: str) -> httpx.Response:
    """A REST error whose message repeats what we sent (the worst case)."""
    return sf_response([{"message": "bad session " + " ".join(secrets), "errorCode": "X"}], status)


def oauth_echo(*secrets: str) -> httpx.Response:
    return httpx.Response(
        400, json={"error": "invalid_grant", "error_description": "rejected " + " ".join(secrets)}
    )


def failures(run: Callable[[], object]) -> Iterator[BaseException]:
    try:
        run()
    except SalesforceError as exc:
        yield exc


def texts(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]


@pytest.fixture
def secrets(private_pem: str) -> list[str]:
    body_lines = [line for line in private_pem.splitlines() if "PRIVATE KEY" not in line]
    return [TOKEN, CLIENT_SECRET, REFRESH, PASSWORD, SECURITY_TOKEN, *body_lines[:3]]


def test_rest_error_paths_leak_nothing(
    sf: respx.MockRouter,
    make_client: Callable[..., SalesforceClient],
    caplog: pytest.LogCaptureFixture,
    secrets: list[str],
) -> None:
    client = make_client(AccessTokenAuth(INSTANCE, TOKEN))
    sf.get(BASE + "/sobjects/Lead/describe").mock(return_value=echo(401, TOKEN))
    sf.get(BASE + "/limits/").mock(return_value=echo(403, TOKEN))
    sf.get(BASE + "/query/").mock(return_value=echo(400, TOKEN))
    sf.get(BASE + "/sobjects/Lead/" + lead_id(1)).mock(
        side_effect=[httpx.Response(503, text="<html>" + TOKEN + "</html>")] * 5
        + [echo(500, TOKEN)] * 5
    )
    sf.get(INSTANCE + "/services/oauth2/userinfo").mock(side_effect=httpx.ConnectError("refused"))
    sf.patch(BASE + "/composite/sobjects").mock(return_value=echo(400, TOKEN))
    caught: list[BaseException] = []

    with caplog.at_level(logging.DEBUG):
        caught += failures(lambda: client.describe("Lead"))
        caught += failures(client.limits)
        caught += failures(lambda: list(client.query("SELECT Id FROM Lead")))
        caught += failures(lambda: client.get("Lead", lead_id(1)))
        caught += failures(lambda: client.get("Lead", lead_id(1)))
        caught += failures(client.identity)
        results = client.update_many("Lead", [{"Id": lead_id(1), "Status": "Qualified"}])

    assert len(caught) == 6
    shown = [caplog.text, repr(results), repr(client), repr(client.usage)]
    shown += [text for exc in caught for text in texts(exc)]
    for secret in secrets:
        assert not any(secret in text for text in shown), secret
    assert results[0].message is not None
    assert "***" in results[0].message


def test_token_flow_error_paths_leak_nothing(
    sf: respx.MockRouter,
    http: httpx.Client,
    make_client: Callable[..., SalesforceClient],
    caplog: pytest.LogCaptureFixture,
    private_pem: str,
    secrets: list[str],
) -> None:
    def echo_form(request: httpx.Request) -> httpx.Response:
        """Refuse the grant, repeating every form value we were sent."""
        sent = " ".join(v[0] for v in parse_qs(request.content.decode()).values())
        return oauth_echo(sent)

    sf.post(TOKEN_URL).mock(side_effect=echo_form)
    sf.post("https://login.salesforce.com/services/oauth2/token").mock(side_effect=echo_form)
    modes: list[Authenticator] = [
        RefreshTokenAuth(REFRESH, "3MVG9.key", CLIENT_SECRET, "acme.my"),
        ClientCredentialsAuth("3MVG9.key", CLIENT_SECRET, "acme.my"),
        JwtBearerAuth("int@acme.com", "3MVG9.key", private_pem, "login"),
        JwtBearerAuth("int@acme.com", "3MVG9.key", "garbage " + CLIENT_SECRET, "login"),
    ]
    caught: list[BaseException] = []

    with caplog.at_level(logging.DEBUG):
        for auth in modes:
            caught += failures(partial(auth.authenticate, http))
            caught += failures(make_client(auth).limits)

    assert len(caught) == 2 * len(modes)
    shown = [caplog.text, repr(modes)] + [text for exc in caught for text in texts(exc)]
    for secret in secrets:
        assert not any(secret in text for text in shown), secret


def test_re_login_failure_mid_pagination_leaks_nothing(
    sf: respx.MockRouter,
    make_client: Callable[..., SalesforceClient],
    caplog: pytest.LogCaptureFixture,
    secrets: list[str],
) -> None:
    good = payload("token_client_credentials.json") | {"access_token": TOKEN}
    sf.post(TOKEN_URL).mock(side_effect=[httpx.Response(200, json=good), oauth_echo(CLIENT_SECRET)])
    sf.get(BASE + "/query/").mock(return_value=sf_response(query_page([], 5, locator_url(2))))
    sf.get(INSTANCE + locator_url(2)).mock(return_value=echo(401, TOKEN))
    client = make_client(ClientCredentialsAuth("3MVG9.key", CLIENT_SECRET, "acme.my"))

    with caplog.at_level(logging.DEBUG):
        caught = list(failures(lambda: list(client.query("SELECT Id FROM Lead"))))

    assert len(caught) == 1
    shown = [caplog.text, *texts(caught[0])]
    for secret in secrets:
        assert not any(secret in text for text in shown), secret


@responses.activate
def test_soap_login_failure_leaks_nothing(
    http: httpx.Client, caplog: pytest.LogCaptureFixture, secrets: list[str]
) -> None:
    fault = payload("soap_login_fault.xml").replace(
        "Invalid username, password, security token;",
        "Invalid login " + PASSWORD + SECURITY_TOKEN + ";",
    )
    responses.post("https://login.salesforce.com/services/Soap/u/64.0", body=fault, status=500)
    auth = SoapPasswordAuth("int@acme.com", PASSWORD, SECURITY_TOKEN, "login")

    with caplog.at_level(logging.DEBUG):
        caught = list(failures(lambda: auth.authenticate(http)))

    assert len(caught) == 1
    shown = [caplog.text, repr(auth), *texts(caught[0])]
    for secret in secrets:
        assert not any(secret in text for text in shown), secret
