"""Report endpoints over HTTP: JSON and CSV forms, and 422s that name the parameter."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from tests.app.api import builders as b
from tests.app.api.conftest import READ
from tests.app.reports.test_winloss import worked_example


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class TestWinLoss:
    def test_json_carries_the_worked_example(self, client: TestClient, session: Session) -> None:
        worked_example(session)
        response = client.get(
            "/reports/win-loss", params={"from": "2026-07-01", "to": "2026-09-30"}, headers=READ
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["from"], body["to"]) == ("2026-07-01", "2026-09-30")
        assert (body["all"]["won"], body["all"]["closed"], body["all"]["win_rate"]) == (
            54,
            300,
            0.18,
        )
        assert body["excluding_mql"]["win_rate"] == pytest.approx(0.13)
        assert body["mql_only"]["win_rate"] == pytest.approx(0.28)
        assert body["difference_pp"] == 5.0
        assert body["mql_vs_non_mql_pp"]["p_value"] < 0.01

    @pytest.mark.parametrize(
        "ask", [{"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}]
    )
    def test_csv_has_one_row_per_group_and_segment(
        self, client: TestClient, session: Session, ask: dict[str, dict[str, str]]
    ) -> None:
        worked_example(session)
        params = {"group_by": "month", **ask.get("params", {})}
        headers = {**READ, **ask.get("headers", {})}
        response = client.get("/reports/win-loss", params=params, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "\r\n" in response.text
        rows = _csv(response.text)
        assert [(r["group"], r["segment"]) for r in rows] == [
            ("", "all"),
            ("", "excluding_mql"),
            ("", "mql_only"),
            ("2026-08", "all"),
            ("2026-08", "excluding_mql"),
            ("2026-08", "mql_only"),
            ("2026-09", "all"),
            ("2026-09", "excluding_mql"),
            ("2026-09", "mql_only"),
        ]
        assert (rows[0]["won"], rows[0]["win_rate"], rows[0]["difference_pp"]) == (
            "54",
            "0.18",
            "5.0",
        )
        assert rows[8]["closed"] == "40"

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"from": "yesterday"}, "from"),
            ({"to": "2026-13-01"}, "to"),
            ({"from": "2026-10-01", "to": "2026-09-30"}, "from"),
            ({"group_by": "planet"}, "group_by"),
            ({"format": "xml"}, "format"),
        ],
    )
    def test_bad_input_is_422_naming_the_parameter(
        self, client: TestClient, params: dict[str, str], name: str
    ) -> None:
        response = client.get("/reports/win-loss", params=params, headers=READ)
        assert response.status_code == 422
        assert [d["loc"] for d in response.json()["detail"]] == [["query", name]]


class TestHandoffEndpoints:
    def test_status_applies_the_rules_file_sla(self, client: TestClient, session: Session) -> None:
        b.open_mql(session, mql_at=b.T0 - timedelta(hours=1))
        session.commit()
        body = client.get("/handoff/status", headers=READ).json()
        assert body["sla_hours"] == 24.0  # a number, as the SPEC names it
        assert body["sla_clock"] == "calendar"
        assert body["sla"] == {
            "first_touch_hours": 24.0, "stale_days": 14.0, "clock": "calendar", "calendar": None
        }  # fmt: skip
        assert body["mql_open"] == 1
        assert body["as_of"]
        assert body["since"]

    def test_status_csv_has_a_total_row_then_owners(
        self, client: TestClient, session: Session
    ) -> None:
        ada = b.user(session, "Ada Rep")
        b.open_mql(session, mql_at=b.T0 - timedelta(days=3), OwnerId=ada.id)
        session.commit()
        response = client.get("/handoff/status", params={"format": "csv"}, headers=READ)
        rows = _csv(response.text)
        assert [(r["owner_name"], r["mql_open"]) for r in rows] == [("", "1"), ("Ada Rep", "1")]

    def test_since_must_carry_a_zone_and_not_be_ahead(self, client: TestClient) -> None:
        for since in ("2026-01-01T00:00:00", "2999-01-01T00:00:00Z", "soon"):
            response = client.get("/handoff/status", params={"since": since}, headers=READ)
            assert response.status_code == 422
            assert response.json()["detail"][0]["loc"] == ["query", "since"]

    def test_leads_pages_follow_the_cursor(self, client: TestClient, session: Session) -> None:
        ids = [b.open_mql(session, mql_at=b.T0 - timedelta(days=2, hours=i)).id for i in range(5)]
        session.commit()
        seen, cursor = [], None
        while True:
            params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            body = client.get("/handoff/leads", params=params, headers=READ).json()
            seen += [item["lead_id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == list(reversed(ids))

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"limit": 0}, "limit"),
            ({"limit": 1001}, "limit"),
            ({"cursor": "nonsense!"}, "cursor"),
            ({"cursor": "WyJ4IiwxLCJ5IiwieiJd"}, "cursor"),
            ({"sla": "late"}, "sla"),
        ],
    )
    def test_leads_bad_input_is_422(
        self, client: TestClient, params: dict[str, str], name: str
    ) -> None:
        response = client.get("/handoff/leads", params=params, headers=READ)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", name]


class TestFunnelAndRules:
    def test_funnel_counts_each_stage_by_creation_month(
        self, client: TestClient, session: Session
    ) -> None:
        july = b.T0.replace(month=7, day=10)
        won = b.opportunity(session, won=True, close_date=date(2026, 9, 1))
        b.lead(session, at=july)
        b.open_mql(session, mql_at=july + timedelta(days=1), created=july)
        b.left_mql(
            session, mql_at=july + timedelta(days=1), left_at=july + timedelta(days=5),
            to_status=b.CONVERTED, ConvertedOpportunityId=won.id, created=july,
        )  # fmt: skip
        session.commit()
        body = client.get(
            "/reports/funnel", params={"from": "2026-07-01", "to": "2026-07-31"}, headers=READ
        ).json()
        (month,) = body["months"]
        stages = [month[k] for k in ("leads", "mql", "accepted", "opportunity", "won")]
        assert (month["month"], stages) == ("2026-07", [3, 2, 1, 1, 1])
        assert month["lead_to_mql"] == pytest.approx(2 / 3)
        assert body["total"]["leads"] == 3
        response = client.get("/reports/funnel", params={"format": "csv"}, headers=READ)
        assert [r["month"] for r in _csv(response.text)] == ["2026-07", "total"]

    def test_rules_report_shows_rule_names(self, client: TestClient, session: Session) -> None:
        active = client.get("/rules", headers=READ).json()["content_hash"]
        lead = b.lead(session)
        named = {"rules": [{"place": "fit[0]", "label": "size", "points": 30, "name": "Big"}]}
        b.decision(session, lead.id, rules_hash=active, matched=named)
        session.commit()
        body = client.get("/reports/rules", headers=READ).json()
        assert [(r["rule"], r["name"]) for r in body["rules"]] == [("fit[0]", "Big")]
        rows = _csv(client.get("/reports/rules?format=csv", headers=READ).text)
        assert [(r["name"], r["place"]) for r in rows] == [("Big", "fit[0]")]

    def test_rules_report_counts_matches_and_holds(
        self, client: TestClient, session: Session
    ) -> None:
        active = client.get("/rules", headers=READ).json()["content_hash"]
        opp = b.opportunity(session, won=True, close_date=date(2026, 9, 1))
        converted = b.lead(
            session, Status=b.CONVERTED, IsConverted=True, ConvertedDate="2026-08-20",
            ConvertedOpportunityId=opp.id,
        )  # fmt: skip
        held = b.lead(session)
        rule = {"rules": [{"place": "fit[0]", "label": "size", "points": 30}]}
        b.decision(session, converted.id, rules_hash=active, mql=True, matched=rule)
        b.decision(
            session, held.id, rules_hash=active, held=True, matched=rule,
            missing_fields=["Phone", "Title"],
        )  # fmt: skip
        b.decision(session, held.id, rules_hash="old", matched=rule)
        session.commit()
        body = client.get("/reports/rules", headers=READ).json()
        assert body["leads_decided"] == 2
        assert body["rules"] == [
            {
                "rule": "fit[0]",
                "name": None,
                "leads_matched": 2,
                "mql": 1,
                "converted": 1,
                "closed": 1,
                "won": 1,
                "win_rate": 1.0,
            }
        ]
        assert body["held_by_missing_field"] == {"Phone": 1, "Title": 1}
        rows = _csv(client.get("/reports/rules?format=csv", headers=READ).text)
        assert [(r["kind"], r["name"]) for r in rows] == [
            ("rule", "fit[0]"),
            ("held_missing_field", "Phone"),
            ("held_missing_field", "Title"),
        ]
