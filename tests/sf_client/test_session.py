"""Token expiry: one new token behind a lock, then one more try; or a clear error."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest
import respx

from sf_client import (
    AuthenticationError,
    ClientCredentialsAuth,
    SalesforceClient,
    SessionExpired,
)
from tests.sf_client.conftest import (
    BASE,
    INSTANCE,
    error,
    lead,
    lead_id,
    locator_url,
    payload,
    query_page,
    sf_response,
)

TOKEN_URL = INSTANCE + "/services/oauth2/token"
OLD, NEW = "00D5g000004XyZa!AQ8AQOldToken", "00D5g000004XyZa!AQ8AQNewToken"


def token_body(access_token: str) -> dict[str, str]:
    body: dict[str, str] = payload("token_client_credentials.json")
    body["access_token"] = access_token
    return body


def bearer(request: httpx.Request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def refreshing(make_client: Callable[..., SalesforceClient]) -> SalesforceClient:
    return make_client(ClientCredentialsAuth("3MVG9.key", "consumer-secret-value", "acme.my"))


def test_expiry_mid_pagination_gets_one_new_token_and_resumes(
    sf: respx.MockRouter, refreshing: SalesforceClient
) -> None:
    tokens = sf.post(TOKEN_URL).mock(
        side_effect=[
            httpx.Response(200, json=token_body(OLD)),
            httpx.Response(200, json=token_body(NEW)),
        ]
    )
    sf.get(BASE + "/query/").mock(
        return_value=sf_response(query_page([lead(0), lead(1)], 3, locator_url(2)))
    )

    def second_page(request: httpx.Request) -> httpx.Response:
        if bearer(request) == OLD:
            return error("error_invalid_session.json", 401)
        return sf_response(query_page([lead(2)], 3))

    more = sf.get(INSTANCE + locator_url(2)).mock(side_effect=second_page)

    ids = [r["Id"] for r in refreshing.query("SELECT Id FROM Lead")]

    assert ids == [lead_id(0), lead_id(1), lead_id(2)]
    assert tokens.call_count == 2
    assert [bearer(call.request) for call in more.calls] == [OLD, NEW]


def test_failed_re_login_raises_the_oauth_error(
    sf: respx.MockRouter, refreshing: SalesforceClient
) -> None:
    sf.post(TOKEN_URL).mock(
        side_effect=[
            httpx.Response(200, json=token_body(OLD)),
            httpx.Response(400, json=payload("oauth_invalid_grant.json")),
        ]
    )
    sf.get(BASE + "/limits/").mock(return_value=error("error_invalid_session.json", 401))

    with pytest.raises(AuthenticationError) as caught:
        refreshing.limits()

    assert caught.value.error_code == "invalid_grant"
    assert "expired access/refresh token" in str(caught.value)


def test_a_second_expiry_after_a_new_token_is_not_retried_again(
    sf: respx.MockRouter, refreshing: SalesforceClient
) -> None:
    tokens = sf.post(TOKEN_URL).mock(
        side_effect=[
            httpx.Response(200, json=token_body(OLD)),
            httpx.Response(200, json=token_body(NEW)),
        ]
    )
    limits = sf.get(BASE + "/limits/").mock(return_value=error("error_invalid_session.json", 401))

    with pytest.raises(SessionExpired):
        refreshing.limits()

    assert tokens.call_count == 2
    assert limits.call_count == 2


def test_access_token_mode_says_the_token_expired_and_how_to_get_another(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    route = sf.get(BASE + "/limits/").mock(return_value=error("error_invalid_session.json", 401))

    with pytest.raises(SessionExpired) as caught:
        client.limits()

    assert route.call_count == 1
    assert caught.value.error_code == "INVALID_SESSION_ID"
    assert "expired" in str(caught.value)
    assert "sf org display" in str(caught.value)


def test_parallel_workers_that_see_one_expiry_log_in_once(
    sf: respx.MockRouter, refreshing: SalesforceClient
) -> None:
    tokens = sf.post(TOKEN_URL).mock(
        side_effect=[
            httpx.Response(200, json=token_body(OLD)),
            httpx.Response(200, json=token_body(NEW)),
        ]
    )
    workers = 4
    gate = threading.Barrier(workers)

    def answer(request: httpx.Request) -> httpx.Response:
        if bearer(request) == OLD:
            gate.wait(timeout=5)  # every worker holds the old token before any renews it
            return error("error_invalid_session.json", 401)
        return sf_response(payload("limits.json"))

    sf.get(BASE + "/limits/").mock(side_effect=answer)
    refreshing.instance_url  # noqa: B018 (log in once up front, so all workers share OLD)
    results: list[int] = []

    def work() -> None:
        results.append(len(refreshing.limits()))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert results == [6] * workers
    assert tokens.call_count == 2
