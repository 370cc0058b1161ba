"""Bulk API 2.0 query jobs against respx: create, poll with backoff, pages by locator, CSV."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import respx

from sf_client import BadRequest, BulkJobFailed, BulkPolling, SalesforceClient
from tests.sf_client.conftest import ACCESS_TOKEN, BASE, JSON_TYPE, lead_id

JOB_ID = "7505g00000ABCdeAAF"
JOBS = BASE + "/jobs/query"
SOQL = (
    "SELECT Id, Status, IsConverted, AnnualRevenue, NumberOfEmployees, Owner.Type, CreatedDate "
    "FROM Lead"
)
TYPES = {
    "Id": "id",
    "Status": "picklist",
    "IsConverted": "boolean",
    "AnnualRevenue": "currency",
    "NumberOfEmployees": "int",
    "Owner.Type": "string",
    "CreatedDate": "datetime",
}


def job_info(state: str, **extra: Any) -> dict[str, Any]:
    """The job object as Salesforce returns it on create and on each poll."""
    body: dict[str, Any] = {
        "id": JOB_ID,
        "operation": "query",
        "object": "Lead",
        "createdById": "0055g00000AbCdEAAV",
        "createdDate": "2026-10-02T08:00:00.000+0000",
        "systemModstamp": "2026-10-02T08:00:00.000+0000",
        "state": state,
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": 66.0,
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    }
    body.update(extra)
    return body


def polled(state: str, processed: int = 0, **extra: Any) -> dict[str, Any]:
    return job_info(
        state,
        jobType="V2Query",
        numberRecordsProcessed=processed,
        retries=0,
        totalProcessingTime=120,
        **extra,
    )


def json_reply(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, headers={"Content-Type": JSON_TYPE}, content=json.dumps(body))


def csv_page(lines: list[str], locator: str, count: int) -> httpx.Response:
    return httpx.Response(
        200,
        headers={
            "Content-Type": "text/csv",
            "Sforce-Locator": locator,
            "Sforce-NumberOfRecords": str(count),
        },
        content=("\n".join(lines) + "\n").encode(),
    )


HEADER = (
    '"Id","Status","IsConverted","AnnualRevenue","NumberOfEmployees","Owner.Type","CreatedDate"'
)


@pytest.fixture
def org() -> Iterator[respx.MockRouter]:
    """Salesforce mocked with respx's default checks: every route must be called."""
    with respx.mock(assert_all_mocked=True) as router:
        yield router


@pytest.fixture
def bulk_client(make_client: Callable[..., SalesforceClient]) -> SalesforceClient:
    return make_client(bulk_polling=BulkPolling(first=0.5, factor=2.0, longest=1.5, timeout=30))


def test_a_job_is_created_polled_with_backoff_read_by_locator_and_deleted(
    org: respx.MockRouter, bulk_client: SalesforceClient, sleeps: list[float]
) -> None:
    create = org.post(JOBS).mock(return_value=json_reply(job_info("UploadComplete")))
    state = org.get(JOBS + "/" + JOB_ID).mock(
        side_effect=[
            json_reply(polled("InProgress")),
            json_reply(polled("InProgress")),
            json_reply(polled("InProgress")),
            json_reply(polled("JobComplete", 3)),
        ]
    )
    first = csv_page(
        [
            HEADER,
            f'"{lead_id(1)}","Open - Not Contacted","false","1200000","45","User",'
            "2026-10-02T08:15:42.000Z",
        ],
        "MQ",
        1,
    )
    last = csv_page(
        [
            HEADER,
            f'{lead_id(2)},"Working, Contacted",true,,,Queue,',
            f'{lead_id(3)},"Said ""no""",false,99.5,7,,2026-10-02T08:15:42.000+0000',
        ],
        "null",
        2,
    )
    results = org.get(JOBS + "/" + JOB_ID + "/results").mock(side_effect=[first, last])
    delete = org.delete(JOBS + "/" + JOB_ID).mock(return_value=httpx.Response(204))

    records = list(bulk_client.query_bulk(SOQL, types=TYPES, include_deleted=True, max_records=2))

    assert json.loads(create.calls.last.request.content) == {
        "operation": "queryAll",
        "query": SOQL,
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }
    assert create.calls.last.request.headers["Authorization"] == "Bearer " + ACCESS_TOKEN
    assert state.call_count == 4
    assert sleeps == [0.5, 1.0, 1.5, 1.5]
    pages = [call.request.url.params for call in results.calls]
    assert [dict(p) for p in pages] == [{"maxRecords": "2"}, {"maxRecords": "2", "locator": "MQ"}]
    assert results.calls.last.request.headers["Accept"] == "text/csv"
    assert delete.call_count == 1
    assert records == [
        {
            "Id": lead_id(1),
            "Status": "Open - Not Contacted",
            "IsConverted": False,
            "AnnualRevenue": 1200000.0,
            "NumberOfEmployees": 45,
            "Owner": {"Type": "User"},
            "CreatedDate": "2026-10-02T08:15:42.000+0000",
        },
        {
            "Id": lead_id(2),
            "Status": "Working, Contacted",
            "IsConverted": True,
            "AnnualRevenue": None,
            "NumberOfEmployees": None,
            "Owner": {"Type": "Queue"},
            "CreatedDate": None,
        },
        {
            "Id": lead_id(3),
            "Status": 'Said "no"',
            "IsConverted": False,
            "AnnualRevenue": 99.5,
            "NumberOfEmployees": 7,
            "Owner": None,
            "CreatedDate": "2026-10-02T08:15:42.000+0000",
        },
    ]


def test_records_are_read_page_by_page_not_after_the_whole_file(
    org: respx.MockRouter, bulk_client: SalesforceClient
) -> None:
    org.post(JOBS).mock(return_value=json_reply(job_info("UploadComplete")))
    org.get(JOBS + "/" + JOB_ID).mock(return_value=json_reply(polled("JobComplete", 2)))
    results = org.get(JOBS + "/" + JOB_ID + "/results").mock(
        side_effect=[
            csv_page(['"Id"', lead_id(1)], "MQ", 1),
            csv_page(['"Id"', lead_id(2)], "null", 1),
        ]
    )
    org.delete(JOBS + "/" + JOB_ID).mock(return_value=httpx.Response(204))

    records = bulk_client.query_bulk("SELECT Id FROM Lead")
    assert next(records) == {"Id": lead_id(1)}
    assert results.call_count == 1
    assert list(records) == [{"Id": lead_id(2)}]
    assert results.call_count == 2


def test_without_types_values_stay_text_and_nul_bytes_are_dropped(
    org: respx.MockRouter, bulk_client: SalesforceClient
) -> None:
    org.post(JOBS).mock(return_value=json_reply(job_info("UploadComplete")))
    org.get(JOBS + "/" + JOB_ID).mock(return_value=json_reply(polled("JobComplete", 1)))
    org.get(JOBS + "/" + JOB_ID + "/results").mock(
        return_value=csv_page(
            ['"Id","IsConverted","Company"', f"{lead_id(1)},true,Ac\x00me"], "null", 1
        )
    )
    org.delete(JOBS + "/" + JOB_ID).mock(return_value=httpx.Response(204))

    assert list(bulk_client.query_bulk("SELECT Id, IsConverted, Company FROM Lead")) == [
        {"Id": lead_id(1), "IsConverted": "true", "Company": "Acme"}
    ]


def test_a_failed_job_raises_its_error_message_without_reading_results(
    org: respx.MockRouter, bulk_client: SalesforceClient
) -> None:
    org.post(JOBS).mock(return_value=json_reply(job_info("UploadComplete")))
    org.get(JOBS + "/" + JOB_ID).mock(
        return_value=json_reply(
            polled("Failed", errorMessage="InvalidBatch : Failed to process query")
        )
    )

    with pytest.raises(BulkJobFailed) as raised:
        list(bulk_client.query_bulk("SELECT Id FROM Lead"))

    assert JOB_ID in str(raised.value)
    assert "Failed to process query" in str(raised.value)


def test_a_job_that_never_finishes_is_aborted_when_the_wait_runs_out(
    org: respx.MockRouter, make_client: Callable[..., SalesforceClient], sleeps: list[float]
) -> None:
    client = make_client(bulk_polling=BulkPolling(first=1, factor=2, longest=4, timeout=10))
    org.post(JOBS).mock(return_value=json_reply(job_info("UploadComplete")))
    org.get(JOBS + "/" + JOB_ID).mock(return_value=json_reply(polled("InProgress")))
    abort = org.patch(JOBS + "/" + JOB_ID).mock(return_value=json_reply(polled("Aborted")))

    with pytest.raises(BulkJobFailed, match="still InProgress after 10 s"):
        list(client.query_bulk("SELECT Id FROM Lead"))

    assert sleeps == [1, 2, 4]
    assert json.loads(abort.calls.last.request.content) == {"state": "Aborted"}


def test_a_malformed_query_is_refused_at_create_with_salesforces_error(
    org: respx.MockRouter, bulk_client: SalesforceClient
) -> None:
    org.post(JOBS).mock(
        return_value=json_reply(
            [{"errorCode": "INVALIDJOB", "message": "unexpected token: FORM"}], 400
        )
    )

    with pytest.raises(BadRequest, match="unexpected token: FORM"):
        list(bulk_client.query_bulk("SELECT Id FORM Lead"))


def test_polling_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="polling needs"):
        BulkPolling(first=0)
