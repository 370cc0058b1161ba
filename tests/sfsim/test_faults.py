"""Injected faults, seen from httpx over HTTPS."""

from __future__ import annotations

import httpx

import sfsim
from tests.sfsim.conftest import first_lead

DATA = "/services/data/v62.0"
COUNT = {"q": "SELECT COUNT() FROM Lead"}


def client_credentials(http: httpx.Client, org: sfsim.Org) -> httpx.Response:
    return http.post(
        "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": org.auth.consumer_key,
            "client_secret": org.auth.consumer_secret,
        },
    )


class TestFaults:
    def test_token_expires_after_n_calls_and_a_new_one_works(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        org.faults.expire_after = 2
        statuses = [http.get(f"{DATA}/query/", params=COUNT).status_code for _ in range(3)]
        assert statuses == [200, 200, 401]
        token = client_credentials(http, org).json()["access_token"]
        assert [(e.path, e.status) for e in org.log.entries()][-2:] == [
            ("/services/data/v62.0/query/", 401),
            ("/services/oauth2/token", 200),
        ]
        again = http.get(
            f"{DATA}/query/", params=COUNT, headers={"Authorization": f"Bearer {token}"}
        )
        assert again.status_code == 200

    def test_outage_answers_503_html_for_k_calls(self, http: httpx.Client, org: sfsim.Org) -> None:
        org.faults.unavailable = 2
        answers = [http.get(f"{DATA}/limits") for _ in range(3)]
        assert [a.status_code for a in answers] == [503, 503, 200]
        assert answers[0].headers["content-type"].startswith("text/html")
        assert answers[0].text.startswith("<html>")

    def test_a_share_of_collection_records_fails_once_with_lock_errors(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        org.faults.lock_share = 0.5
        leads = org.table("Lead")
        ids = [leads.id_of(r) for r in range(leads.size) if not leads.get(r, "IsConverted")][:40]
        body = {
            "allOrNone": False,
            "records": [{"attributes": {"type": "Lead"}, "id": i, "Rating": "Hot"} for i in ids],
        }
        first = http.patch(f"{DATA}/composite/sobjects", json=body).json()
        locked = [r for r in first if not r["success"]]
        assert 5 < len(locked) < 35
        assert {r["errors"][0]["statusCode"] for r in locked} == {"UNABLE_TO_LOCK_ROW"}
        retry = http.patch(f"{DATA}/composite/sobjects", json=body).json()
        assert all(r["success"] for r in retry)

    def test_past_the_allocation_calls_are_refused_with_403(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        org.faults.api_max = 2
        answers = [http.get(f"{DATA}/limits") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 403]
        assert answers[2].json()[0] == {
            "message": "TotalRequests Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "fields": [],
        }
        assert answers[2].headers["sforce-limit-info"] == "api-usage=2/2"

    def test_query_timeouts_for_the_next_k_queries(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        org.faults.query_timeouts = 1
        first = http.get(f"{DATA}/query/", params=COUNT)
        assert (first.status_code, first.json()[0]["errorCode"]) == (400, "QUERY_TIMEOUT")
        assert http.get(f"{DATA}/query/", params=COUNT).status_code == 200

    def test_the_request_log_keeps_writes_and_the_assignment_header(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        lead = first_lead(org)
        http.patch(
            f"{DATA}/sobjects/Lead/{lead}",
            json={"Status": "Bogus"},
            headers={"Sforce-Auto-Assign": "FALSE"},
        )
        entry = org.log.entries()[-1]
        assert (entry.method, entry.status, entry.auto_assign) == ("PATCH", 400, "FALSE")
        assert entry.writes == [sfsim.WriteOutcome(lead, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")]
        assert entry.user_id == org.integration_user_id
