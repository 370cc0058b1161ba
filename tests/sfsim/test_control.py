"""The `/__sfsim__/` control surface over HTTP, as the demo and crash tests use it."""

from __future__ import annotations

import httpx

import sfsim
from tests.sfsim.conftest import first_lead, user_named

CONTROL = "/__sfsim__"


class TestControl:
    def test_state_and_leads_read_the_org(self, http: httpx.Client, org: sfsim.Org) -> None:
        state = http.get(f"{CONTROL}/state").json()
        assert state["org_id"] == org.org_id
        assert state["rows"]["Lead"] == 1000
        leads = http.get(f"{CONTROL}/leads").json()
        assert len(leads) == 1000
        assert set(leads[0]) == {"Id", "Status", "OwnerId"}

    def test_people_change_leads_and_log_activity(self, http: httpx.Client, org: sfsim.Org) -> None:
        lead = first_lead(org)
        rep = user_named(org, active=True)
        changed = http.post(
            f"{CONTROL}/act/update",
            json={"user": rep, "id": lead, "fields": {"Status": "Working - Contacted"}},
        )
        assert changed.json() == {"ok": True}
        record = http.get(f"{CONTROL}/records/Lead/{lead}").json()
        assert (record["Status"], record["LastModifiedById"]) == ("Working - Contacted", rep)
        task = http.post(
            f"{CONTROL}/act/activity",
            json={"user": "rep1@acme.sim", "lead_id": lead, "kind": "Task", "completed": True},
        ).json()
        assert task["id"].startswith("00T")
        assert http.get(f"{CONTROL}/records/Task/{task['id']}").json()["IsClosed"] is True

    def test_refused_person_edits_answer_the_error(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        answer = http.post(
            f"{CONTROL}/act/update", json={"id": first_lead(org), "fields": {"Status": "Bogus"}}
        )
        assert answer.status_code == 400
        assert answer.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"

    def test_convert_links_the_opportunity(self, http: httpx.Client, org: sfsim.Org) -> None:
        lead = first_lead(org)
        done = http.post(
            f"{CONTROL}/act/convert",
            json={
                "lead_id": lead,
                "user": "rep1@acme.sim",
                "opportunity": {"StageName": "Closed Won", "Amount": 5000.0},
            },
        ).json()
        record = http.get(f"{CONTROL}/records/Lead/{lead}").json()
        assert record["ConvertedOpportunityId"] == done["opportunity_id"]
        assert (record["IsConverted"], record["Status"]) == (True, "Closed - Converted")
        opp = http.get(f"{CONTROL}/records/Opportunity/{done['opportunity_id']}").json()
        assert (opp["IsWon"], opp["Amount"]) == (True, 5000.0)

    def test_a_rep_sets_out_of_office_and_the_api_shows_it(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        made = http.post(
            f"{CONTROL}/act/out-of-office",
            json={"user": "rep3@acme.sim", "start": 1_796_000_000, "end": 1_796_600_000,
                  "message": "Conference"},
        ).json()  # fmt: skip
        assert made["id"].startswith("0Ex")
        record = http.get(f"{CONTROL}/records/OutOfOffice/{made['id']}").json()
        assert record["UserId"] == org.user_id("rep3@acme.sim")
        assert (record["IsEnabled"], record["Message"]) == (True, "Conference")
        assert record["StartDate"].endswith("+0000")  # a datetime, as Salesforce sends it
        seeded = http.get(
            "/services/data/v66.0/query",
            params={"q": "SELECT UserId, StartDate, EndDate, IsEnabled FROM OutOfOffice"},
        ).json()["records"]
        assert len(seeded) == 2  # the seed's rep on holiday, and this one

    def test_delete_and_undelete(self, http: httpx.Client, org: sfsim.Org) -> None:
        lead = first_lead(org)
        http.post(f"{CONTROL}/act/delete", json={"id": lead})
        assert len(http.get(f"{CONTROL}/leads").json()) == 999
        http.post(f"{CONTROL}/act/undelete", json={"id": lead})
        assert len(http.get(f"{CONTROL}/leads").json()) == 1000

    def test_faults_clock_and_request_log(self, http: httpx.Client, org: sfsim.Org) -> None:
        assert http.post(f"{CONTROL}/faults", json={"unavailable": 1}).json()["unavailable"] == 1
        assert http.get("/services/data/v62.0/limits").status_code == 503
        log = http.get(f"{CONTROL}/requests").json()
        assert [(e["method"], e["status"]) for e in log] == [("GET", 503)]
        http.delete(f"{CONTROL}/requests")
        assert http.delete(f"{CONTROL}/faults").json()["unavailable"] == 0
        assert http.get(f"{CONTROL}/requests").json() == []
        now = http.post(f"{CONTROL}/clock", json={"pin": "2027-01-01T00:00:00Z"}).json()["now"]
        assert now == "2027-01-01T00:00:00+00:00"
        assert (
            http.post(f"{CONTROL}/clock", json={"advance": 60})
            .json()["now"]
            .endswith("00:01:00+00:00")
        )

    def test_tokens_can_be_issued_for_another_user(self, http: httpx.Client) -> None:
        token = http.post(f"{CONTROL}/tokens", json={"user": "rep1@acme.sim"}).json()
        info = http.get(
            "/services/oauth2/userinfo",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        ).json()
        assert info["preferred_username"] == "rep1@acme.sim"


def test_seed_fills_an_empty_org_over_http() -> None:
    with (
        sfsim.serve(sfsim.Org(), tls=False) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        assert client.post(f"{CONTROL}/seed", json={"seed": 3, "leads": 250}).json() == {
            "leads": 250
        }
        again = client.post(f"{CONTROL}/seed", json={"seed": 3})
        assert again.status_code == 400
        assert server.base_url.startswith("http://127.0.0.1:")


def test_wrong_method_is_405(http: httpx.Client) -> None:
    answer = http.delete("/services/data/v62.0/limits")
    assert answer.status_code == 405
    assert answer.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
