"""Writes: one-record PATCH and Collections updates, with assignment rules always off."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from sf_client import (
    EntityDeleted,
    RecordResult,
    RequestLimitExceeded,
    RetryPolicy,
    SalesforceClient,
)
from tests.sf_client.conftest import BASE, error, lead_id, payload, sf_response

COLLECTIONS = BASE + "/composite/sobjects"


def sent(request: httpx.Request) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(request.content)
    return body


def all_succeed(request: httpx.Request) -> httpx.Response:
    return sf_response(
        [{"id": r["id"], "success": True, "errors": []} for r in sent(request)["records"]]
    )


def locked(record_id: str) -> dict[str, Any]:
    message = "unable to obtain exclusive access to this record or 1 records: " + record_id
    return {
        "success": False,
        "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": message, "fields": []}],
    }


def test_update_patches_one_record_without_auto_assignment(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    route = sf.patch(BASE + "/sobjects/Lead/" + lead_id(1)).mock(
        return_value=sf_response(None, 204)
    )

    client.update(
        "Lead", lead_id(1), {"Status": "Working - Contacted", "OwnerId": "0055g00000AbCdEAAV"}
    )

    request = route.calls.last.request
    assert request.headers["Sforce-Auto-Assign"] == "FALSE"
    assert sent(request) == {"Status": "Working - Contacted", "OwnerId": "0055g00000AbCdEAAV"}


def test_update_of_a_deleted_lead_raises_entity_deleted(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    sf.patch(BASE + "/sobjects/Lead/" + lead_id(1)).mock(
        return_value=error("error_entity_deleted.json", 404)
    )

    with pytest.raises(EntityDeleted):
        client.update("Lead", lead_id(1), {"Status": "Working - Contacted"})


def test_collections_partial_failure_gives_one_result_per_record_in_order(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    ids = [
        "00Q5g00000Kx9aBEAR",
        "00Q5g00000Kx9aCEAR",
        "00Q5g00000Kx9aDEAR",
        "00Q5g00000Kx9aEEAR",
        "00Q5g00000Kx9aFEAR",
    ]
    route = sf.patch(COLLECTIONS).mock(
        return_value=sf_response(payload("collections_partial.json"))
    )
    records = [{"Id": i, "Status": "Qualified"} for i in ids]
    records[2]["Status"] = "Bogus"

    results = client.update_many("Lead", records)

    assert results == [
        RecordResult(ids[0], True),
        RecordResult(ids[1], True),
        RecordResult(
            ids[2],
            False,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "Lead Status: bad value for restricted picklist field: Bogus",
            ("Status",),
        ),
        RecordResult(
            ids[3],
            False,
            "INACTIVE_OWNER_OR_USER",
            "operation performed with inactive user [0055g00000InactAAA] as owner of lead",
        ),
        RecordResult(ids[4], False, "ENTITY_IS_DELETED", "entity is deleted"),
    ]
    request = route.calls.last.request
    assert request.headers["Sforce-Auto-Assign"] == "FALSE"
    body = sent(request)
    assert body["allOrNone"] is False
    assert body["records"][2] == {"attributes": {"type": "Lead"}, "id": ids[2], "Status": "Bogus"}


def test_collections_chunks_hold_at_most_200_and_every_chunk_skips_assignment(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    route = sf.patch(COLLECTIONS).mock(side_effect=all_succeed)
    records = [{"Id": lead_id(i), "OwnerId": "00G5g000001QueUEAS"} for i in range(450)]

    results = client.update_many("Lead", records)

    assert [r.id for r in results] == [lead_id(i) for i in range(450)]
    assert all(r.success for r in results)
    sizes = sorted(len(sent(call.request)["records"]) for call in route.calls)
    assert sizes == [50, 200, 200]
    assert all(call.request.headers["Sforce-Auto-Assign"] == "FALSE" for call in route.calls)
    assert client.usage.calls == 3


def test_several_chunks_are_in_flight_at_once_but_no_more_than_the_bound(
    sf: respx.MockRouter, make_client: Callable[..., SalesforceClient]
) -> None:
    lock = threading.Lock()
    in_flight, peak = 0, 0
    both_in = threading.Barrier(2)

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        both_in.wait(timeout=5)  # fails unless two chunks really overlap
        with lock:
            in_flight -= 1
        return all_succeed(request)

    sf.patch(COLLECTIONS).mock(side_effect=answer)
    records = [{"Id": lead_id(i), "Status": "Qualified"} for i in range(800)]

    make_client(write_concurrency=2).update_many("Lead", records)

    assert peak == 2


def test_locked_rows_are_retried_in_a_later_chunk(
    sf: respx.MockRouter, client: SalesforceClient, sleeps: list[float]
) -> None:
    first_time: set[str] = set()

    def answer(request: httpx.Request) -> httpx.Response:
        results = []
        for record in sent(request)["records"]:
            if record["id"] == lead_id(3) and record["id"] not in first_time:
                first_time.add(record["id"])
                results.append(locked(record["id"]))
            else:
                results.append({"id": record["id"], "success": True, "errors": []})
        return sf_response(results)

    route = sf.patch(COLLECTIONS).mock(side_effect=answer)

    results = client.update_many(
        "Lead", [{"Id": lead_id(i), "Status": "Qualified"} for i in range(5)]
    )

    assert all(r.success for r in results)
    assert [r.id for r in results] == [lead_id(i) for i in range(5)]
    assert [[r["id"] for r in sent(c.request)["records"]] for c in route.calls] == [
        [lead_id(i) for i in range(5)],
        [lead_id(3)],
    ]
    assert len(sleeps) == 1


def test_rows_still_locked_after_the_last_round_are_reported_failed(
    sf: respx.MockRouter, make_client: Callable[..., SalesforceClient]
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return sf_response([locked(r["id"]) for r in sent(request)["records"]])

    route = sf.patch(COLLECTIONS).mock(side_effect=answer)
    client = make_client(retry=RetryPolicy(lock_row_rounds=3, random=lambda: 0.5))

    results = client.update_many("Lead", [{"Id": lead_id(1), "Status": "Qualified"}])

    assert route.call_count == 3
    assert results[0].success is False
    assert results[0].error_code == "UNABLE_TO_LOCK_ROW"


def test_duplicate_ids_are_refused_naming_the_id(client: SalesforceClient) -> None:
    records = [{"Id": lead_id(1), "Status": "A"}, {"Id": lead_id(1), "Status": "B"}]

    with pytest.raises(ValueError, match=lead_id(1)):
        client.update_many("Lead", records)


@pytest.mark.parametrize("bad", [{}, {"Id": "not-an-id"}, {"Id": None}])
def test_records_without_a_proper_id_are_refused(
    client: SalesforceClient, bad: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="Id"):
        client.update_many("Lead", [bad])


def test_a_chunk_rejected_as_a_whole_fails_its_rows(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    body = [{"message": "Unexpected character ('}' (code 125))", "errorCode": "JSON_PARSER_ERROR"}]
    sf.patch(COLLECTIONS).mock(return_value=sf_response(body, 400))

    results = client.update_many("Lead", [{"Id": lead_id(1), "Status": "Qualified"}])

    assert results == [
        RecordResult(
            lead_id(1), False, "JSON_PARSER_ERROR", "Unexpected character ('}' (code 125))"
        )
    ]


def test_the_daily_limit_during_writes_stops_the_run(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    sf.patch(COLLECTIONS).mock(return_value=error("error_total_requests.json", 403))

    with pytest.raises(RequestLimitExceeded):
        client.update_many("Lead", [{"Id": lead_id(i), "Status": "Qualified"} for i in range(500)])


def test_an_empty_batch_sends_nothing(sf: respx.MockRouter, client: SalesforceClient) -> None:
    assert client.update_many("Lead", []) == []
    assert sf.calls.call_count == 0  # and any request would have met no route
