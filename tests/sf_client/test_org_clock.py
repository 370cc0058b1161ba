"""The org's clock as its answers' `Date` headers tell it: a lower bound, never ahead of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import respx

from sf_client import SalesforceClient
from sf_client.org_clock import OrgClock
from tests.sf_client.conftest import BASE, lead, query_page, sf_response

ORG_NOW = datetime(2026, 10, 1, 9, 30, 15, tzinfo=UTC)


def dated(response_date: str) -> httpx.Response:
    response = sf_response(query_page([lead(0)], 1))
    response.headers["Date"] = response_date
    return response


def test_the_floor_is_the_latest_answers_date_less_its_round_trip() -> None:
    clock = OrgClock()
    assert clock.floor() is None
    clock.observe("Thu, 01 Oct 2026 09:30:15 GMT", 0.25)
    assert clock.floor() == ORG_NOW - timedelta(seconds=0.25)
    clock.observe("Thu, 01 Oct 2026 09:30:10 GMT", 0.0)  # an older answer lowers nothing
    assert clock.floor() == ORG_NOW - timedelta(seconds=0.25)
    clock.observe("Thu, 01 Oct 2026 09:31:00 GMT", 1.0)
    assert clock.floor() == ORG_NOW + timedelta(seconds=44)


def test_a_missing_or_malformed_date_teaches_nothing() -> None:
    clock = OrgClock()
    for header in (None, "", "yesterday", "Thu, 01 Oct 2026 09:30:15"):
        clock.observe(header, 0.1)
    # A date without a zone is not an HTTP date: it cannot be placed on the org's clock.
    assert clock.floor() is None


def test_the_client_reads_the_org_clock_from_its_answers(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    sf.get(BASE + "/query/").mock(return_value=dated("Thu, 01 Oct 2026 09:30:15 GMT"))
    assert client.org_time_floor() is None

    list(client.query("SELECT Id FROM Lead"))

    floor = client.org_time_floor()
    assert floor is not None
    # Behind the answer's date by the round trip, which on loopback is well under a second.
    assert ORG_NOW - timedelta(seconds=1) < floor <= ORG_NOW
