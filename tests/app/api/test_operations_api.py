"""Health, readiness, rules, audit and metrics over HTTP."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from app.api.rules import RULES_YAML_EXAMPLE
from app.main import create_app
from app.settings import Settings
from tests.app.api import builders as b
from tests.app.api.conftest import ADMIN, READ, READ_KEY


class TestHealth:
    def test_healthz_is_always_ok(self, client: TestClient) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_ready_with_valid_rules_and_a_good_last_run(
        self, client: TestClient, session: Session
    ) -> None:
        b.sync_run(session, started_at=b.T0, finished_at=b.T0 + timedelta(seconds=3))
        session.commit()
        response = client.get("/readyz", headers=READ)
        assert response.status_code == 200
        body = response.json()
        assert (body["ready"], body["reasons"], body["database"]) == (True, [], True)
        detail = body["detail"]
        assert (detail["database"], detail["schema_current"], detail["rules_valid"]) == (True,) * 3
        assert detail["last_sync"]["state"] == "succeeded"

    def test_not_ready_when_the_rules_file_is_invalid(
        self, client: TestClient, rules_path: Path
    ) -> None:
        rules_path.write_text("version: 9\nfit: nonsense\n", encoding="utf-8")
        response = client.get("/readyz", headers=READ)
        assert response.status_code == 503
        assert response.json()["reasons"] == ["rules_invalid"]
        assert response.json()["detail"]["rules_valid"] is False
        assert any("rules.yaml" in reason for reason in response.json()["detail"]["reasons"])

    def test_without_a_key_readiness_is_a_reason_code_and_nothing_else(
        self, client: TestClient, rules_path: Path, session: Session
    ) -> None:
        rules_path.write_text("version: 9\nfit: nonsense\n", encoding="utf-8")
        b.sync_run(session, state="failed", message="Salesforce: INVALID_SESSION_ID")
        session.commit()
        for headers in ({}, {"X-API-Key": "not-a-key-at-all-xxxxx"}):
            response = client.get("/readyz", headers=headers)
            assert response.status_code == 503
            assert response.json() == {
                "ready": False,
                "reasons": ["rules_invalid", "last_sync_failed"],
                "database": True,
                "detail": None,
            }
            assert str(rules_path) not in response.text
            assert "nonsense" not in response.text

    def test_not_ready_when_the_last_run_failed(self, client: TestClient, session: Session) -> None:
        b.sync_run(session, state="failed", message="Salesforce: INVALID_SESSION_ID")
        session.commit()
        body = client.get("/readyz", headers=ADMIN).json()
        assert body["reasons"] == ["last_sync_failed"]
        assert body["detail"]["reasons"] == [
            f"the last sync (run {body['detail']['last_sync']['id']}) failed"
        ]

    def test_not_ready_when_the_schema_is_missing(self, tmp_path: Path, rules_path: Path) -> None:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{tmp_path / 'empty.db'}",
            rules=rules_path,
            api_keys=f"{READ_KEY}:read",
        )
        with TestClient(create_app(settings, start_scheduler=False)) as client:
            response = client.get("/readyz", headers=READ)
        assert response.status_code == 503
        assert response.json()["reasons"] == ["schema_behind"]
        assert response.json()["detail"]["schema_current"] is False
        assert "handoff db upgrade" in response.json()["detail"]["reasons"][0]

    def test_readiness_reasons_come_from_overdue_syncs(
        self, database_url: str, rules_path: Path, session: Session
    ) -> None:
        b.sync_run(session, started_at=b.T0 - timedelta(days=2))
        session.commit()
        settings = Settings(
            _env_file=None,
            database_url=database_url,
            rules=rules_path,
            sync_interval=300,
            api_keys=f"{READ_KEY}:read",
        )
        with TestClient(create_app(settings, start_scheduler=False)) as client:
            response = client.get("/readyz", headers=READ)
        assert response.status_code == 503
        assert response.json()["reasons"] == ["sync_overdue"]
        assert "over 900 s" in response.json()["detail"]["reasons"][0]


class TestRules:
    def test_active_rules_show_version_hash_and_content(self, client: TestClient) -> None:
        body = client.get("/rules", headers=READ).json()
        assert (body["valid"], body["version"]) == (True, "8")
        assert len(body["content_hash"]) == 64
        assert body["rules"]["thresholds"] == {"fit": 30, "interest": 25}

    def test_validate_lists_errors_with_their_places(self, client: TestClient) -> None:
        draft = RULES_YAML_EXAMPLE.replace("op: gte", "op: bigger")
        response = client.post(
            "/rules/validate",
            content=draft,
            headers={**READ, "Content-Type": "application/yaml"},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["valid"] is False
        assert body["errors"][0]["place"] == "fit[0].op"
        assert body["errors"][0]["line"] == 8

    def test_validate_accepts_a_good_file(self, client: TestClient) -> None:
        response = client.post(
            "/rules/validate",
            content=RULES_YAML_EXAMPLE,
            headers={**READ, "Content-Type": "application/yaml"},
        )
        assert response.json()["valid"] is True

    def test_simulate_counts_without_writing(self, client: TestClient, session: Session) -> None:
        b.lead(session, NumberOfEmployees=500, LeadSource="Webinar")
        b.lead(session, NumberOfEmployees=5, LeadSource="Webinar")
        session.commit()
        draft = RULES_YAML_EXAMPLE.replace("value: 100", "value: 1")
        response = client.post(
            "/rules/simulate", content=draft, headers={**ADMIN, "Content-Type": "application/yaml"}
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["leads"], body["mql"]) == (2, 2)
        assert body["changes"]["newly_mql"] == 1
        assert client.get("/sync/runs", headers=READ).json()["items"] == []

    def test_simulate_rejects_an_invalid_draft_with_422(self, client: TestClient) -> None:
        response = client.post(
            "/rules/simulate",
            content="version: 1\n",
            headers={**ADMIN, "Content-Type": "application/yaml"},
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][0] == "body"


class TestAudit:
    def test_decisions_newest_first_with_their_writes(
        self, client: TestClient, session: Session
    ) -> None:
        lead = b.lead(session)
        old = b.decision(session, lead.id, explanation="not MQL: fit 10 < 40")
        new = b.decision(session, lead.id, mql=True, explanation="MQL", write_state="failed")
        b.write(session, new, success=False, error_code="UNABLE_TO_LOCK_ROW", retryable=True)
        b.decision(session, b.lead(session).id)
        session.commit()
        body = client.get("/audit", params={"lead_id": lead.id, "limit": 1}, headers=READ).json()
        (item,) = body["items"]
        assert (item["decision_id"], item["explanation"]) == (new.id, "MQL")
        assert item["writes"][0]["error_code"] == "UNABLE_TO_LOCK_ROW"
        rest = client.get(
            "/audit", params={"lead_id": lead.id, "cursor": body["next_cursor"]}, headers=READ
        ).json()
        assert [i["decision_id"] for i in rest["items"]] == [old.id]
        assert rest["next_cursor"] is None

    def test_a_15_character_id_finds_the_lead(self, client: TestClient, session: Session) -> None:
        lead = b.lead(session, Id="00Q000000000001EAA")
        b.decision(session, lead.id)
        session.commit()
        body = client.get("/audit", params={"lead_id": "00Q000000000001"}, headers=READ).json()
        assert len(body["items"]) == 1

    @pytest.mark.parametrize("lead_id", ["", "00Q", "00Q00000000000!AAA"])
    def test_a_malformed_id_is_422(self, client: TestClient, lead_id: str) -> None:
        response = client.get("/audit", params={"lead_id": lead_id}, headers=READ)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "lead_id"]


class TestMetrics:
    def test_metrics_read_the_store_at_scrape_time(
        self, client: TestClient, session: Session
    ) -> None:
        b.sync_run(session, counts={"pulled": {"Lead": 7}, "api_calls": 3})
        b.sync_run(session, state="failed", counts={})
        lead = b.lead(session)
        d = b.decision(session, lead.id)
        b.write(session, d, success=True)
        b.write(session, d, success=False, retryable=True)
        b.open_mql(session, mql_at=b.T0 - timedelta(days=400))
        session.commit()
        response = client.get("/metrics", headers=READ)
        assert response.status_code == 200
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples
        }
        assert samples[("handoff_sync_runs_total", (("state", "succeeded"),))] == 1
        assert samples[("handoff_sync_runs_total", (("state", "failed"),))] == 1
        assert samples[("handoff_sync_run_duration_seconds_count", ())] == 2
        assert samples[("handoff_writes_total", (("result", "failed_retryable"),))] == 1
        assert samples[("handoff_open_mqls", (("sla", "stale"),))] == 1
        assert samples[("handoff_open_mqls", (("sla", "pending"),))] == 0

    def test_each_app_has_its_own_registry(self, settings: Settings) -> None:
        with (
            TestClient(create_app(settings, start_scheduler=False)) as one,
            TestClient(create_app(settings, start_scheduler=False)) as two,
        ):
            assert one.get("/metrics", headers=READ).status_code == 200
            assert two.get("/metrics", headers=READ).status_code == 200
