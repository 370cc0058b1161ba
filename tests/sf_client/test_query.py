"""Queries: paging by nextRecordsUrl, queryAll, batch size, IN-list chunking, memory."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from sf_client import SalesforceClient, UriTooLong
from sf_client.soql import URL_LIMIT, format_soql
from tests.sf_client.conftest import (
    ACCESS_TOKEN,
    BASE,
    INSTANCE,
    lead,
    lead_id,
    locator_url,
    query_page,
    sf_response,
)

SOQL = "SELECT Id, Status, OwnerId FROM Lead WHERE SystemModstamp > 2026-10-01T00:00:00Z"


def three_pages(sf: respx.MockRouter) -> tuple[respx.Route, respx.Route, respx.Route]:
    """4,713 leads in pages of 2000, 2000 and 713, as Salesforce pages them."""
    first = sf.get(BASE + "/query/").mock(
        return_value=sf_response(
            query_page([lead(i) for i in range(2000)], 4713, locator_url(2000)), used=1
        )
    )
    second = sf.get(INSTANCE + locator_url(2000)).mock(
        return_value=sf_response(
            query_page([lead(i) for i in range(2000, 4000)], 4713, locator_url(4000)), used=2
        )
    )
    third = sf.get(INSTANCE + locator_url(4000)).mock(
        return_value=sf_response(query_page([lead(i) for i in range(4000, 4713)], 4713), used=3)
    )
    return first, second, third


def test_query_follows_next_records_url_across_three_pages(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    first, second, third = three_pages(sf)

    ids = [record["Id"] for record in client.query(SOQL)]

    assert ids == [lead_id(i) for i in range(4713)]
    assert first.calls.last.request.url.params["q"] == SOQL
    assert first.calls.last.request.headers["Authorization"] == "Bearer " + ACCESS_TOKEN
    assert second.call_count == 1
    assert third.call_count == 1
    assert third.calls.last.request.url.query == b""
    assert client.usage.calls == 3
    assert client.usage.used == 3


def test_query_pages_report_total_size_and_done(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    three_pages(sf)

    pages = [(len(p.records), p.total_size, p.done) for p in client.query_pages(SOQL)]

    assert pages == [(2000, 4713, False), (2000, 4713, False), (713, 4713, True)]


def test_next_page_is_not_requested_before_the_caller_asks(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    _, second, third = three_pages(sf)

    pages = client.query_pages(SOQL)
    next(pages)

    assert second.call_count == 0
    next(pages)
    assert (second.call_count, third.call_count) == (1, 0)
    next(pages)
    assert third.call_count == 1


def test_query_all_returns_deleted_and_merged_rows(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    deleted = lead(1, IsDeleted=True, MasterRecordId=None)
    merged = lead(2, IsDeleted=True, MasterRecordId=lead_id(3))
    route = sf.get(BASE + "/queryAll/").mock(
        return_value=sf_response(query_page([lead(0), deleted, merged], 3))
    )
    soql = (
        "SELECT Id, IsDeleted, MasterRecordId FROM Lead WHERE SystemModstamp > 2026-10-01T00:00:00Z"
    )

    rows = list(client.query(soql, include_deleted=True))

    assert [(r["Id"], r["IsDeleted"], r["MasterRecordId"]) for r in rows] == [
        (lead_id(0), False, None),
        (lead_id(1), True, None),
        (lead_id(2), True, lead_id(3)),
    ]
    assert route.calls.last.request.url.params["q"] == soql


def test_batch_size_is_sent_as_query_options_on_every_page(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    routes = three_pages(sf)

    list(client.query(SOQL, batch_size=500))

    for route in routes:
        assert route.calls.last.request.headers["Sforce-Query-Options"] == "batchSize=500"


@pytest.mark.parametrize("size", [199, 2001])
def test_batch_size_outside_salesforce_bounds_is_refused(
    client: SalesforceClient, size: int
) -> None:
    with pytest.raises(ValueError, match="between 200 and 2000"):
        list(client.query(SOQL, batch_size=size))


def test_count_query_has_no_records(sf: respx.MockRouter, client: SalesforceClient) -> None:
    sf.get(BASE + "/query/").mock(return_value=sf_response(query_page([], 1234)))

    pages = list(client.query_pages("SELECT COUNT() FROM Lead"))

    assert [(p.records, p.total_size, p.done) for p in pages] == [([], 1234, True)]


def in_list_of(request: httpx.Request) -> list[str]:
    soql = request.url.params["q"]
    return soql.split("IN (", 1)[1].split(")", 1)[0].replace("'", "").split(",")


def like_salesforce(request: httpx.Request) -> httpx.Response:
    """Refuse URLs over 16,384 bytes with 414, as Salesforce does; else answer the IN list."""
    if len(str(request.url).encode()) > URL_LIMIT:
        return httpx.Response(414, text="<html><body>414 Request-URI Too Large</body></html>")
    chunk = in_list_of(request)
    return sf_response(query_page([lead(int(i[5:15])) for i in chunk], len(chunk)))


TEMPLATE = "SELECT Id, Status FROM Lead WHERE Id IN {ids} AND Status != {status}"


@pytest.mark.parametrize("count", [700, 2500])
def test_a_url_over_the_cap_is_refused_without_spending_a_call(
    sf: respx.MockRouter, client: SalesforceClient, count: int
) -> None:
    ids = [lead_id(i) for i in range(count)]

    with pytest.raises(UriTooLong) as caught:
        list(client.query(format_soql(TEMPLATE, ids=ids, status="Closed - Converted")))

    assert sf.calls.call_count == 0  # and any request would have met no route
    assert caught.value.status == 414


def test_query_in_splits_long_id_lists_under_the_url_cap(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    route = sf.get(BASE + "/query/").mock(side_effect=like_salesforce)
    ids = [lead_id(i) for i in range(2500)]

    rows = list(client.query_in(TEMPLATE, ids, status="Closed - Converted"))

    assert [r["Id"] for r in rows] == ids
    assert route.call_count > 1
    assert [i for call in route.calls for i in in_list_of(call.request)] == ids
    for call in route.calls:
        assert len(str(call.request.url).encode()) <= URL_LIMIT
        assert call.request.url.params["q"].endswith("AND Status != 'Closed - Converted'")
    assert all(call.response.status_code == 200 for call in route.calls)


def test_query_in_with_no_values_sends_nothing(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    assert list(client.query_in("SELECT Id FROM Lead WHERE Id IN {ids}", [])) == []
    assert sf.calls.call_count == 0  # and any request would have met no route


def test_query_in_uses_query_all_for_deleted_rows(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    route = sf.get(BASE + "/queryAll/").mock(return_value=sf_response(query_page([lead(7)], 1)))

    rows = list(
        client.query_in("SELECT Id FROM Lead WHERE Id IN {ids}", [lead_id(7)], include_deleted=True)
    )

    assert [r["Id"] for r in rows] == [lead_id(7)]
    assert route.calls.last.request.url.params["q"] == (
        "SELECT Id FROM Lead WHERE Id IN ('" + lead_id(7) + "')"
    )


PAGE = 2000
TOTAL = 10_000


def _alive_leads() -> list[int]:
    """Pages of the Lead records still reachable anywhere in the process."""
    gc.collect()
    return [
        obj["Page"]
        for obj in gc.get_objects()
        if type(obj) is dict and "Page" in obj and "attributes" in obj
    ]


def test_paging_ten_thousand_records_holds_at_most_one_page(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    consumed = 0
    alive_at_fetch: list[list[int]] = []

    def page(k: int) -> Callable[[httpx.Request], httpx.Response]:
        def answer(request: httpx.Request) -> httpx.Response:
            assert consumed == k * PAGE, "page requested before the previous one was consumed"
            alive_at_fetch.append(_alive_leads())
            records = [lead(k * PAGE + i, Page=k) for i in range(PAGE)]
            more = locator_url((k + 1) * PAGE) if (k + 1) * PAGE < TOTAL else None
            return sf_response(query_page(records, TOTAL, more))

        return answer

    sf.get(BASE + "/query/").mock(side_effect=page(0))
    for k in range(1, TOTAL // PAGE):
        sf.get(INSTANCE + locator_url(k * PAGE)).mock(side_effect=page(k))

    for record in client.query("SELECT Id FROM Lead"):
        assert record["Id"] == lead_id(consumed)
        consumed += 1
        del record

    assert consumed == TOTAL
    assert len(alive_at_fetch) == TOTAL // PAGE
    assert all(alive == [] for alive in alive_at_fetch), [len(a) for a in alive_at_fetch]


def test_paging_by_pages_keeps_only_the_current_page(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    alive_at_fetch: list[set[int]] = []

    def page(k: int) -> Any:
        def answer(request: httpx.Request) -> httpx.Response:
            alive_at_fetch.append(set(_alive_leads()))
            more = locator_url((k + 1) * PAGE) if (k + 1) * PAGE < TOTAL else None
            records = [lead(k * PAGE + i, Page=k) for i in range(PAGE)]
            return sf_response(query_page(records, TOTAL, more))

        return answer

    sf.get(BASE + "/query/").mock(side_effect=page(0))
    for k in range(1, TOTAL // PAGE):
        sf.get(INSTANCE + locator_url(k * PAGE)).mock(side_effect=page(k))

    seen = 0
    for current in client.query_pages("SELECT Id FROM Lead"):
        seen += len(current.records)
        del current

    assert seen == TOTAL
    assert all(alive == set() for alive in alive_at_fetch)
