"""The REST wire format, read with httpx over HTTPS: headers, bodies, statuses, paging."""

from __future__ import annotations

import httpx
import pytest

import sfsim
from tests.sfsim.conftest import first_lead

DATA = "/services/data/v62.0"


class TestHeadersAndBodies:
    def test_every_rest_answer_carries_the_content_type_and_rising_usage(
        self, http: httpx.Client
    ) -> None:
        first = http.get(f"{DATA}/limits/")
        second = http.get(f"{DATA}/query/", params={"q": "SELECT Id FROM Organization"})
        assert first.headers["content-type"] == "application/json;charset=UTF-8"
        assert first.headers["sforce-limit-info"] == "api-usage=1/100000"
        assert second.headers["sforce-limit-info"] == "api-usage=2/100000"
        assert first.json()["DailyApiRequests"] == {"Max": 100000, "Remaining": 99999}

    def test_every_answer_is_dated_on_the_orgs_clock(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        org.clock.pin(1790812800)  # 2026-10-01 00:00:00 UTC, far from the machine's clock
        limits = http.get(f"{DATA}/limits/")
        missing = http.get(f"{DATA}/nothing")
        for answer in (limits, missing):
            assert answer.headers.get_list("date") == ["Thu, 01 Oct 2026 00:00:00 GMT"]
        org.clock.advance(90)
        assert http.get(f"{DATA}/limits/").headers["date"] == "Thu, 01 Oct 2026 00:01:30 GMT"

    def test_versions_need_no_token_and_run_oldest_to_newest(self, server: sfsim.Server) -> None:
        with httpx.Client(verify=server.ssl_context()) as anonymous:
            versions = anonymous.get(f"{server.base_url}/services/data/").json()
        assert versions[0] == {
            "label": "Summer '14",
            "url": "/services/data/v31.0",
            "version": "31.0",
        }
        assert {"label": "Winter '27", "url": "/services/data/v68.0", "version": "68.0"} in versions

    def test_missing_token_is_401_with_the_error_array(self, server: sfsim.Server) -> None:
        with httpx.Client(verify=server.ssl_context()) as anonymous:
            answer = anonymous.get(f"{server.base_url}{DATA}/limits/")
        assert answer.status_code == 401
        assert answer.json() == [
            {
                "message": "Session expired or invalid",
                "errorCode": "INVALID_SESSION_ID",
                "fields": [],
            }
        ]

    def test_unknown_resource_and_version_are_404(self, http: httpx.Client) -> None:
        assert http.get(f"{DATA}/nothing").status_code == 404
        assert http.get("/services/data/v20.0/limits").json()[0]["errorCode"] == "NOT_FOUND"


class TestQueryOverHttp:
    def test_next_records_url_is_followed_verbatim(self, http: httpx.Client) -> None:
        headers = {"Sforce-Query-Options": "batchSize=600"}
        page = http.get(
            f"{DATA}/queryAll/", params={"q": "SELECT Id FROM Lead"}, headers=headers
        ).json()
        assert page["nextRecordsUrl"].startswith(f"{DATA}/queryAll/0r8")
        assert page["nextRecordsUrl"].endswith("-600")
        last = http.get(page["nextRecordsUrl"], headers=headers).json()
        assert (last["totalSize"], last["done"], len(last["records"])) == (1000, True, 400)
        assert "nextRecordsUrl" not in last

    def test_a_cursor_keeps_the_batch_size_it_was_opened_with(self, http: httpx.Client) -> None:
        page = http.get(
            f"{DATA}/query/",
            params={"q": "SELECT Id FROM Lead"},
            headers={"Sforce-Query-Options": "batchSize=300"},
        ).json()
        second = http.get(page["nextRecordsUrl"]).json()
        assert (len(second["records"]), second["done"]) == (300, False)
        assert second["nextRecordsUrl"].endswith("-600")

    def test_plus_signs_in_datetimes_survive_url_encoding(self, http: httpx.Client) -> None:
        soql = "SELECT COUNT() FROM Lead WHERE SystemModstamp > 2020-01-01T00:00:00+00:00"
        assert http.get(f"{DATA}/query", params={"q": soql}).json()["totalSize"] == 1000

    def test_a_uri_past_16384_bytes_is_414(self, http: httpx.Client, org: sfsim.Org) -> None:
        ids = ", ".join(f"'{sfsim.make_id('00Q', n)}'" for n in range(700))
        answer = http.get(
            f"{DATA}/query/", params={"q": f"SELECT Id FROM Lead WHERE Id IN ({ids})"}
        )
        assert answer.status_code == 414
        assert org.faults.api_used == 0
        fewer = ", ".join(f"'{sfsim.make_id('00Q', n)}'" for n in range(300))
        ok = http.get(f"{DATA}/query/", params={"q": f"SELECT Id FROM Lead WHERE Id IN ({fewer})"})
        assert ok.json()["totalSize"] == 300

    def test_malformed_query_is_400(self, http: httpx.Client) -> None:
        answer = http.get(f"{DATA}/query/", params={"q": "SELECT FROM"})
        assert answer.status_code == 400
        assert answer.json()[0]["errorCode"] == "MALFORMED_QUERY"


class TestRecords:
    def test_single_record_get_and_patch(self, http: httpx.Client, org: sfsim.Org) -> None:
        lead = first_lead(org)
        patched = http.patch(
            f"{DATA}/sobjects/Lead/{lead}",
            json={"Status": "Nurturing"},
            headers={"Sforce-Auto-Assign": "FALSE"},
        )
        assert (patched.status_code, patched.content) == (204, b"")
        record = http.get(f"{DATA}/sobjects/Lead/{lead}", params={"fields": "Id,Status"}).json()
        assert record["Status"] == "Nurturing"
        assert record["attributes"] == {"type": "Lead", "url": f"{DATA}/sobjects/Lead/{lead}"}

    def test_a_15_char_id_reaches_the_same_record(self, http: httpx.Client, org: sfsim.Org) -> None:
        lead = first_lead(org)
        assert http.get(f"{DATA}/sobjects/Lead/{lead[:15]}").json()["Id"] == lead

    def test_a_path_that_is_no_id_is_404(self, http: httpx.Client) -> None:
        answer = http.patch(f"{DATA}/sobjects/Lead/not-an-id", json={"Status": "Nurturing"})
        assert answer.status_code == 404

    @pytest.mark.parametrize("all_or_none", [False, True])
    def test_collections_answer_200_in_order(
        self, http: httpx.Client, org: sfsim.Org, all_or_none: bool
    ) -> None:
        good = first_lead(org)
        body = {
            "allOrNone": all_or_none,
            "records": [
                {"attributes": {"type": "Lead"}, "id": good, "Status": "Marketing Qualified"},
                {"attributes": {"type": "Lead"}, "id": good[:-3] + "ZZZ", "Status": "Nurturing"},
            ],
        }
        answer = http.patch(f"{DATA}/composite/sobjects", json=body)
        results = answer.json()
        assert answer.status_code == 200
        assert results[1]["errors"][0]["statusCode"] == "MALFORMED_ID"
        if all_or_none:
            assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
            record = http.get(f"{DATA}/sobjects/Lead/{good}").json()
            assert record["Status"] != "Marketing Qualified"
        else:
            assert results[0] == {"id": good, "success": True, "errors": []}

    def test_collections_refuse_more_than_200_records(self, http: httpx.Client) -> None:
        records = [{"attributes": {"type": "Lead"}, "id": "00Q000000000001AAA"}] * 201
        answer = http.patch(f"{DATA}/composite/sobjects", json={"records": records})
        assert answer.status_code == 400
        assert answer.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"

    def test_get_deleted_lists_recycled_rows_in_the_window(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        org.clock.pin(1790812800)
        lead = first_lead(org)
        sfsim.delete(org, "Lead", lead, by=org.integration_user_id)
        window = {"start": "2026-09-30T00:00:00+00:00", "end": "2026-10-02T00:00:00+00:00"}
        body = http.get(f"{DATA}/sobjects/Lead/deleted/", params=window).json()
        assert body["deletedRecords"] == [
            {"id": lead, "deletedDate": "2026-10-01T00:00:00.000+0000"}
        ]
        assert body["latestDateCovered"] == "2026-10-02T00:00:00.000+0000"

    def test_describe_of_an_unknown_object_is_invalid_type(self, http: httpx.Client) -> None:
        answer = http.get(f"{DATA}/sobjects/Nope/describe")
        assert answer.status_code == 400
        assert answer.json()[0]["errorCode"] == "INVALID_TYPE"
