"""Dashboard sign-in, the session cookie and what no page may leak, over the ASGI app."""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from app.api.rules import RULES_YAML_EXAMPLE
from app.main import create_app
from app.reports.models import RulesReport
from app.settings import Settings
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade
from app.ui import views
from app.ui.session import COOKIE_NAME, SessionSigner
from app.ui.snapshots import Snapshot
from tests.app.api import builders as b

READ_KEY = "ui-read-key-0123456789abcdef"
ADMIN_KEY = "ui-admin-key-0123456789abcdef"
SECRET = "a-secret-key-for-tests-0123456789abcdef"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML_EXAMPLE, encoding="utf-8")
    return Settings(
        database_url=url,
        rules=rules,
        api_keys=f"{READ_KEY}:read,{ADMIN_KEY}:admin",
        sync_interval=0,
        secret_key=SECRET,
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, start_scheduler=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def _sign_in(client: TestClient, key: str, next_: str = "/ui") -> str:
    answer = client.post("/ui/sign-in", data={"api_key": key, "next": next_})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def test_pages_send_a_stranger_to_sign_in_and_back(client: TestClient) -> None:
    answer = client.get("/ui/win-loss")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/sign-in?next=/ui/win-loss"
    assert _sign_in(client, READ_KEY, "/ui/win-loss") == "/ui/win-loss"
    assert client.get("/ui/win-loss").status_code == 200


def test_the_cookie_is_httponly_strict_and_secure_over_https(app: FastAPI) -> None:
    with TestClient(app, follow_redirects=False) as plain:
        header = plain.post("/ui/sign-in", data={"api_key": READ_KEY}).headers["set-cookie"]
    assert "HttpOnly" in header
    assert "SameSite=strict" in header
    assert "Path=/ui" in header
    assert "Secure" not in header
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as tls:
        header = tls.post("/ui/sign-in", data={"api_key": READ_KEY}).headers["set-cookie"]
    assert "Secure" in header


def test_no_key_in_a_page_a_cookie_or_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = client.post("/ui/sign-in", data={"api_key": ADMIN_KEY})
    assert ADMIN_KEY not in answer.headers["set-cookie"]
    pages = ["/ui", "/ui/sla", "/ui/win-loss", "/ui/funnel", "/ui/rules", "/ui/sync", "/ui/lead"]
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        assert ADMIN_KEY not in page.text
        assert READ_KEY not in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
    refused = client.post("/ui/sign-in", data={"api_key": "wrong-key-0123456789abcdef"})
    assert refused.status_code == 401
    assert "wrong-key-0123456789abcdef" not in refused.text
    assert ADMIN_KEY not in caplog.text
    assert "wrong-key-0123456789abcdef" not in caplog.text


def test_a_tampered_cookie_is_no_session(client: TestClient) -> None:
    _sign_in(client, READ_KEY)
    value = client.cookies[COOKIE_NAME]
    client.cookies.clear()
    forged = value.replace(value.split(".")[0], "eyJyIjoiYWRtaW4ifQ")
    client.cookies.set(COOKIE_NAME, forged, path="/ui")
    assert client.get("/ui").status_code == 303


def test_sessions_survive_a_restart_and_end_when_the_key_is_removed(settings: Settings) -> None:
    cookie = SessionSigner(settings).issue(READ_KEY, settings.api_keys[0].role)
    assert SessionSigner(settings).read(cookie) is not None  # the same secret after a restart
    without = settings.model_copy(update={"api_keys": settings.api_keys[1:]})
    assert SessionSigner(without).read(cookie) is None
    other_secret = settings.model_copy(update={"secret_key": SecretStr("x" * 40)})
    assert SessionSigner(other_secret).read(cookie) is None


@pytest.mark.parametrize("target", ["//evil.example/ui", "https://evil.example", "/docs", "/ui\\x"])
def test_sign_in_only_returns_to_a_dashboard_page(client: TestClient, target: str) -> None:
    assert _sign_in(client, READ_KEY, target) == "/ui"


def test_forms_need_the_session_token(client: TestClient) -> None:
    _sign_in(client, ADMIN_KEY)
    for path in ("/ui/sign-out", "/ui/sync"):
        answer = client.post(path, data={"csrf_token": "forged"})
        assert answer.status_code == 403
        assert "security token did not match" in answer.text
    assert client.get("/ui").status_code == 200  # still signed in


def test_a_bad_lead_id_is_named_not_a_500(client: TestClient) -> None:
    _sign_in(client, READ_KEY)
    answer = client.get("/ui/lead", params={"id": "not-an-id"})
    assert answer.status_code == 422
    assert "15 or 18 letters and digits" in answer.text
    empty = client.get("/ui/lead", params={"id": "00Q000000000001AAA"})
    assert empty.status_code == 200
    assert "has made no decision" in empty.text


@pytest.mark.parametrize(
    ("page_csv", "api_csv"),
    [
        ("win-loss", "/reports/win-loss?group_by=quarter&format=csv"),
        ("funnel", "/reports/funnel?format=csv"),
        ("rules", "/reports/rules?format=csv"),
    ],
)
def test_csv_links_give_the_api_csv(client: TestClient, page_csv: str, api_csv: str) -> None:
    _sign_in(client, READ_KEY)
    mine = client.get(f"/ui/csv/{page_csv}.csv")
    assert mine.status_code == 200
    assert mine.headers["content-type"].startswith("text/csv")
    theirs = client.get(api_csv, headers={"Authorization": f"Bearer {READ_KEY}"})
    assert mine.text == theirs.text


def test_docs_assets_come_from_the_service(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "cdn." not in page
    assert "https://" not in page.split("<body>")[0]
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/redoc").status_code == 404


def test_the_sync_page_says_why_runs_failed_and_which_writes_need_a_person(
    client: TestClient, settings: Settings
) -> None:
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        failed = b.sync_run(session, state="failed", message="the org's daily API limit is used up")
        partial = b.sync_run(session, state="partial", message="1 writes failed")
        lead = b.lead(session)
        refused = b.decision(session, lead.id, run_id=partial.id)
        b.write(
            session, refused, success=False, run_id=partial.id,
            error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION", retryable=False,
        )  # fmt: skip
        b.sync_run(
            session, counts={"pulled": {"Lead": 5}, "api_usage": {"used": 1234, "max": 100000}}
        )
        session.commit()
        lead_id = lead.id
    engine.dispose()
    _sign_in(client, READ_KEY)
    page = client.get("/ui/sync").text
    assert f"Run {failed.id} failed" in page
    assert "the org&#39;s daily API limit is used up" in page
    assert f"{lead_id}: FIELD_CUSTOM_VALIDATION_EXCEPTION" in page
    assert "Starting a sync needs an admin key" in page
    overview = client.get("/ui").text
    assert "1,234 of 100,000" in overview
    trail = client.get("/ui/lead", params={"id": lead_id}).text
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in trail


def test_figures_still_being_computed_are_said_so_and_the_page_reloads(
    app: FastAPI, client: TestClient
) -> None:
    release = threading.Event()

    def slow(session: Session, key: Hashable) -> RulesReport:
        release.wait(10)
        return views.ui_rules_report(session, key)

    _sign_in(client, READ_KEY)
    app.state.ui_rules = Snapshot(slow, app.state.sessions)
    waiting = client.get("/ui/rules")
    assert waiting.status_code == 200
    assert "being computed" in waiting.text
    assert '<meta http-equiv="refresh" content="3">' in waiting.text
    release.set()
    app.state.ui_rules.wait()
    ready = client.get("/ui/rules")
    assert "being computed" not in ready.text
    assert 'http-equiv="refresh"' not in ready.text


def test_the_breaches_csv_has_one_row_per_owner_and_target(
    client: TestClient, settings: Settings
) -> None:
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        due = datetime.now(UTC) - timedelta(days=2)
        # in MQL since a day before `due` (the 24-hour default target), never touched
        b.open_mql(session, mql_at=due - timedelta(hours=24), OwnerId="005000000000001AAA")
        session.commit()
    engine.dispose()
    _sign_in(client, READ_KEY)
    page = client.get("/ui/breaches")
    assert page.status_code == 200
    assert 'data-metric="breaches">1<' in page.text
    rows = client.get("/ui/csv/breaches.csv").text.splitlines()
    assert rows[0].startswith("from,to,group_by,group,group_label,breaches")
    assert [row.split(",")[2:6:3] for row in rows[1:]] == [["owner", "1"], ["target", "1"]]
