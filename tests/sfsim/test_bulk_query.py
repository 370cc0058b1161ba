"""Bulk API 2.0 query jobs on the simulator: simple-salesforce's `bulk2`, raw HTTP, our client."""

from __future__ import annotations

import csv
import io
from typing import Any, cast

import httpx
import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.bulk2 import SFBulk2Type
from simple_salesforce.exceptions import SalesforceOperationError

import sfsim
from sf_client import AccessTokenAuth, BulkPolling, SalesforceClient
from tests.sfsim.conftest import API, as_dict, first_lead

DATA = f"/services/data/v{API}"
SOQL = "SELECT Id, Status, IsConverted, Owner.Type, CreatedDate FROM Lead"


def bulk_lead(sf: Salesforce) -> SFBulk2Type:
    """`sf.bulk2.Lead`, typed: simple-salesforce builds it by attribute magic."""
    return cast(SFBulk2Type, sf.bulk2.Lead)


def rows_of(pages: list[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for page in pages:
        out += list(csv.DictReader(io.StringIO(page)))
    return out


class TestSimpleSalesforce:
    def test_query_reads_every_lead_page_by_page_as_rest_sees_them(
        self, sf: Salesforce, org: sfsim.Org
    ) -> None:
        pages = [str(p) for p in bulk_lead(sf).query(SOQL, max_records=300, wait=0)]

        assert len(pages) == 4  # 1,000 leads in pages of 300
        assert pages[0].splitlines()[0] == "Id,Status,IsConverted,Owner.Type,CreatedDate"
        rows = rows_of(pages)
        rest = as_dict(sf.query_all(SOQL))["records"]
        assert [r["Id"] for r in rows] == [r["Id"] for r in rest]
        for row, record in zip(rows, rest, strict=True):
            assert row["Status"] == record["Status"]
            assert row["IsConverted"] == ("true" if record["IsConverted"] else "false")
            assert row["Owner.Type"] == record["Owner"]["Type"]
            assert row["CreatedDate"] == record["CreatedDate"].replace("+0000", "Z")

    def test_query_all_includes_deleted_leads_and_query_does_not(
        self, sf: Salesforce, org: sfsim.Org
    ) -> None:
        lead = first_lead(org)
        sfsim.delete(org, "Lead", lead, by=org.integration_user_id)
        soql = f"SELECT Id, IsDeleted FROM Lead WHERE Id = '{lead}'"

        assert rows_of([str(p) for p in bulk_lead(sf).query(soql, wait=0)]) == []
        deleted = rows_of([str(p) for p in bulk_lead(sf).query_all(soql, wait=0)])
        assert deleted == [{"Id": lead, "IsDeleted": "true"}]

    def test_a_failed_job_is_reported_with_its_error_message(
        self, sf: Salesforce, org: sfsim.Org
    ) -> None:
        org.faults.bulk_failures = 1

        with pytest.raises(SalesforceOperationError, match="query job failed"):
            list(bulk_lead(sf).query(SOQL, wait=0))
        assert len(rows_of([str(p) for p in bulk_lead(sf).query(SOQL, wait=0)])) == 1000


class TestWire:
    def create(self, http: httpx.Client, soql: str = SOQL, **extra: Any) -> dict[str, Any]:
        answer = http.post(
            f"{DATA}/jobs/query", json={"operation": "query", "query": soql, **extra}
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def test_create_poll_results_and_delete(self, http: httpx.Client, org: sfsim.Org) -> None:
        job = self.create(http)
        assert (job["state"], job["object"], job["contentType"]) == (
            "UploadComplete",
            "Lead",
            "CSV",
        )
        assert job["id"].startswith("750")
        assert len(job["id"]) == 18
        path = f"{DATA}/jobs/query/{job['id']}"

        early = http.get(path + "/results")
        assert early.status_code == 412
        assert early.json()[0]["errorCode"] == "JOB_NOT_COMPLETE"
        assert http.get(path).json()["state"] == "InProgress"
        done = http.get(path).json()
        assert (done["state"], done["jobType"], done["numberRecordsProcessed"]) == (
            "JobComplete",
            "V2Query",
            1000,
        )

        first = http.get(path + "/results", params={"maxRecords": 600})
        assert first.headers["Content-Type"].startswith("text/csv")
        assert (first.headers["Sforce-NumberOfRecords"], first.headers["Sforce-Locator"]) == (
            "600",
            "NjAw",
        )
        last = http.get(path + "/results", params={"maxRecords": 600, "locator": "NjAw"})
        assert (last.headers["Sforce-NumberOfRecords"], last.headers["Sforce-Locator"]) == (
            "400",
            "null",
        )
        again = http.get(path + "/results", params={"maxRecords": 600, "locator": "NjAw"})
        assert again.content == last.content  # locators stay reusable while the job exists
        assert http.delete(path).status_code == 204
        assert http.get(path).status_code == 404

    def test_results_need_the_api_version_the_job_was_created_with(
        self, http: httpx.Client
    ) -> None:
        job = self.create(http)
        http.get(f"{DATA}/jobs/query/{job['id']}")
        http.get(f"{DATA}/jobs/query/{job['id']}")
        other = http.get(f"/services/data/v66.0/jobs/query/{job['id']}/results")
        assert other.status_code == 409

    def test_a_running_job_can_be_aborted_and_a_bad_query_is_refused(
        self, http: httpx.Client
    ) -> None:
        job = self.create(http)
        aborted = http.patch(f"{DATA}/jobs/query/{job['id']}", json={"state": "Aborted"})
        assert aborted.json()["state"] == "Aborted"
        bad = http.post(f"{DATA}/jobs/query", json={"operation": "query", "query": "SELECT FROM"})
        assert (bad.status_code, bad.json()[0]["errorCode"]) == (400, "MALFORMED_QUERY")
        count = http.post(
            f"{DATA}/jobs/query", json={"operation": "query", "query": "SELECT COUNT() FROM Lead"}
        )
        assert count.status_code == 400
        tsv = http.post(
            f"{DATA}/jobs/query",
            json={"operation": "query", "query": SOQL, "columnDelimiter": "TAB"},
        )
        assert "columnDelimiter" in tsv.json()[0]["message"]

    def test_nulls_are_empty_and_commas_are_quoted(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        lead = first_lead(org)
        sfsim.edit(
            org, "rep1@acme.sim", "Lead", lead, {"Company": "Acme, Inc.", "LeadSource": None}
        )
        org.faults.bulk_polls = 0
        job = self.create(http, f"SELECT Id, Company, LeadSource FROM Lead WHERE Id = '{lead}'")
        path = f"{DATA}/jobs/query/{job['id']}"
        http.get(path)
        assert http.get(path + "/results").text == f'Id,Company,LeadSource\n{lead},"Acme, Inc.",\n'


def test_our_client_reads_the_same_leads_as_rest(server: sfsim.Server, org: sfsim.Org) -> None:
    with httpx.Client(verify=server.ssl_context()) as http:
        client = SalesforceClient(
            http,
            AccessTokenAuth(server.base_url, server.access_token),
            api_version=API,
            bulk_polling=BulkPolling(first=0.01, longest=0.05),
        )
        soql = "SELECT Id, Status, IsConverted, Owner.Type, CreatedDate FROM Lead ORDER BY Id"
        types = {"IsConverted": "boolean"}
        bulk = list(client.query_bulk(soql, types=types, max_records=250))
        rest = [{k: v for k, v in r.items() if k != "attributes"} for r in client.query(soql)]
    for record in rest:
        record["Owner"] = {"Type": record["Owner"]["Type"]}
        record["CreatedDate"] = record["CreatedDate"].replace("+0000", "Z")
    assert bulk == rest
    with pytest.raises(sfsim.SfError):
        org.bulk.get(sfsim.make_id("750", 0))
