"""Transient failures are retried with growing, bounded waits; the rest fail at once."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx

from sf_client import (
    ConcurrentRequestLimit,
    QueryTimeout,
    RequestLimitExceeded,
    RetryPolicy,
    SalesforceClient,
    SalesforceError,
    Unavailable,
)
from tests.sf_client.conftest import BASE, error, html_503, payload, sf_response


def test_503_with_html_body_then_success(
    sf: respx.MockRouter, client: SalesforceClient, sleeps: list[float]
) -> None:
    route = sf.get(BASE + "/limits/").mock(
        side_effect=[html_503(), sf_response(payload("limits.json"))]
    )

    limits = client.limits()

    assert limits["DailyApiRequests"].remaining == 96766
    assert route.call_count == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize("status", [420, 429, 500, 502, 503])
def test_transient_statuses_are_retried(
    sf: respx.MockRouter, client: SalesforceClient, status: int
) -> None:
    route = sf.get(BASE + "/limits/").mock(
        side_effect=[httpx.Response(status), sf_response(payload("limits.json"))]
    )

    client.limits()

    assert route.call_count == 2


def test_timeouts_and_lost_connections_are_retried(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    route = sf.get(BASE + "/limits/").mock(
        side_effect=[
            httpx.ReadTimeout("timed out"),
            httpx.ConnectError("connection refused"),
            sf_response(payload("limits.json")),
        ]
    )

    client.limits()

    assert route.call_count == 3


def test_waits_grow_and_attempts_are_bounded(
    sf: respx.MockRouter,
    make_client: Callable[..., SalesforceClient],
    sleeps: list[float],
) -> None:
    policy = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=100, random=lambda: 1.0)
    route = sf.get(BASE + "/limits/").mock(return_value=html_503())

    with pytest.raises(Unavailable) as caught:
        make_client(retry=policy).limits()

    assert route.call_count == 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert caught.value.status == 503


def test_total_wait_is_bounded(
    sf: respx.MockRouter,
    make_client: Callable[..., SalesforceClient],
    sleeps: list[float],
) -> None:
    policy = RetryPolicy(
        max_attempts=50, base_delay=1.0, max_delay=8.0, max_total_delay=20.0, random=lambda: 1.0
    )
    sf.get(BASE + "/limits/").mock(return_value=httpx.Response(502))

    with pytest.raises(Unavailable):
        make_client(retry=policy).limits()

    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert sum(sleeps) <= 20.0


def test_jitter_spreads_waits_within_the_step(
    sf: respx.MockRouter,
    make_client: Callable[..., SalesforceClient],
    sleeps: list[float],
) -> None:
    draws = iter([0.0, 0.5])
    policy = RetryPolicy(max_attempts=3, base_delay=2.0, random=lambda: next(draws))
    sf.get(BASE + "/limits/").mock(return_value=httpx.Response(500))

    with pytest.raises(Unavailable):
        make_client(retry=policy).limits()

    assert sleeps == [1.0, 3.0]


def test_retry_after_is_honoured(
    sf: respx.MockRouter, client: SalesforceClient, sleeps: list[float]
) -> None:
    sf.get(BASE + "/limits/").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            sf_response(payload("limits.json")),
        ]
    )

    client.limits()

    assert sleeps == [7.0]


def test_daily_limit_stops_at_once_with_a_clear_error(
    sf: respx.MockRouter, client: SalesforceClient, sleeps: list[float]
) -> None:
    route = sf.get(BASE + "/query/").mock(return_value=error("error_total_requests.json", 403))

    with pytest.raises(RequestLimitExceeded) as caught:
        list(client.query("SELECT Id FROM Lead"))

    assert route.call_count == 1
    assert sleeps == []
    assert str(caught.value) == "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."
    assert not caught.value.is_transient


def test_concurrent_long_transaction_limit_backs_off_then_succeeds(
    sf: respx.MockRouter, client: SalesforceClient, sleeps: list[float]
) -> None:
    route = sf.get(BASE + "/limits/").mock(
        side_effect=[
            error("error_concurrent_long_txn.json", 403),
            sf_response(payload("limits.json")),
        ]
    )

    client.limits()

    assert route.call_count == 2
    assert len(sleeps) == 1
    assert 0 < sleeps[0] <= 1.0


def test_concurrent_limit_that_persists_is_raised_typed(
    sf: respx.MockRouter, make_client: Callable[..., SalesforceClient]
) -> None:
    sf.get(BASE + "/limits/").mock(return_value=error("error_concurrent_long_txn.json", 403))

    with pytest.raises(ConcurrentRequestLimit):
        make_client(retry=RetryPolicy(max_attempts=2)).limits()


def test_query_timeout_is_its_own_error_and_not_retried(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    route = sf.get(BASE + "/query/").mock(return_value=error("error_query_timeout.json", 400))

    with pytest.raises(QueryTimeout):
        list(client.query("SELECT Id FROM Lead ORDER BY Company"))

    assert route.call_count == 1


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("error_malformed_query.json", 400),
        ("error_invalid_field.json", 400),
        ("error_entity_deleted.json", 404),
        ("error_restricted_picklist.json", 400),
    ],
)
def test_other_client_errors_are_not_retried(
    sf: respx.MockRouter, client: SalesforceClient, name: str, status: int
) -> None:
    route = sf.get(BASE + "/limits/").mock(return_value=error(name, status))

    with pytest.raises(SalesforceError) as caught:
        client.limits()

    assert route.call_count == 1
    assert not caught.value.is_transient
