"""`handoff sync` against `sfsim` behaving like a customer's org: each real behaviour, end to end.

The simulated org is served over HTTPS on loopback and switched into the behaviour under test
(refresh token rotation, 15-character Ids, absolute cursors, expiring cursors, validation and
duplicate rules, flows, a tight API budget, timeouts of wide re-reads); then `handoff sync` runs
as a user runs it, and the test checks its exit status, what the org holds and what the store
recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from app.cli.main import main
from app.errors import ExitCode
from app.main import create_app
from app.salesforce import TOKEN_REVOKED
from app.store.models import Lead, Org, StoredSecret, SyncRun, Watermark, Write
from sfsim.server import Server, serve
from sfsim.write_rules import WriteRule
from tests.app.sync.conftest import sim_org_with_a_rep, sim_rules

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
MQL = "Marketing Qualified"
LEADS, QUALIFYING = 450, 30
SECRET_KEY = "k" * 40
OPS_KEY = "ops-read-key-for-tests"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """450 leads (the first 30 qualify) served over HTTPS; the rules file beside them."""
    org, rep = sim_org_with_a_rep(START)
    for n in range(LEADS):
        size = 500 if n < QUALIFYING else 5
        org.insert(
            "Lead",
            {
                "LastName": f"L{n}",
                "Company": "Acme",
                "Country": "US",
                "NumberOfEmployees": size,
                "Status": "Open - Not Contacted",
            },
        )
    (tmp_path / "rules.yaml").write_text(sim_rules(rep), encoding="utf-8")
    with serve(org, tls=True) as running:
        yield running


@pytest.fixture
def env(
    server: Server, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The service's environment for `handoff sync`, client credentials by default."""
    monkeypatch.chdir(tmp_path)
    values = {
        "HANDOFF_DATABASE_URL": database_url,
        "HANDOFF_RULES": str(tmp_path / "rules.yaml"),
        "HANDOFF_PULL_BATCH_SIZE": "200",
        "HANDOFF_WRITE_MODE": "live",
        "SF_CONSUMER_KEY": server.org.auth.consumer_key,
        "SF_CONSUMER_SECRET": server.org.auth.consumer_secret,
        "SF_DOMAIN": server.base_url,
        "SF_CA_BUNDLE": str(server.ca_file),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def handoff_sync(capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str]:
    """Run `handoff sync` in this process; its exit status and output."""
    with pytest.raises(SystemExit) as done:
        main(["sync", *options])
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out + captured.err


def _store(sessions: sessionmaker[Session], query: Any) -> Any:
    with sessions() as session:
        return session.execute(query).all()


def _last_run(sessions: sessionmaker[Session]) -> SyncRun:
    with sessions() as session:
        run = session.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
        assert run is not None
        return run


def _leads(sessions: sessionmaker[Session]) -> int:
    return int(_store(sessions, select(func.count()).select_from(Lead))[0][0])


def _service_answers(monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, Any]]:
    """What `handoff serve` over the same store shows: /metrics text and /readyz's detail."""
    monkeypatch.setenv("HANDOFF_API_KEYS", f"{OPS_KEY}:read")
    with TestClient(create_app(start_scheduler=False)) as client:
        metrics = client.get("/metrics", headers={"X-API-Key": OPS_KEY}).text
        ready = client.get("/readyz", headers={"X-API-Key": OPS_KEY}).json()
    return metrics, ready["detail"]


def _mql_in_org(server: Server) -> int:
    table = server.org.table("Lead")
    return sum(table.get(row, "Status") == MQL for row in range(table.size))


class TestRefreshTokenRotation:
    def test_each_run_uses_the_newest_token_and_a_reused_one_revokes_the_family(
        self,
        server: Server,
        env: dict[str, str],
        sessions: sessionmaker[Session],
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        with server.org.lock:
            server.org.faults.rotate_refresh = True
            seed = server.org.auth.issue_refresh(server.org.integration_user_id)
        monkeypatch.delenv("SF_CONSUMER_SECRET")
        monkeypatch.setenv("SF_REFRESH_TOKEN", seed)

        code, out = handoff_sync(capsys)
        assert code == ExitCode.FAILURE
        assert "HANDOFF_SECRET_KEY" in out
        assert server.org.auth.family_alive(seed)  # refused before any refresh

        monkeypatch.setenv("HANDOFF_SECRET_KEY", SECRET_KEY)
        for _ in range(3):
            with server.org.lock:
                server.org.faults.expire_after = 5  # one re-authentication mid-run, too
            code, out = handoff_sync(capsys)
            assert code == ExitCode.OK, out
        assert server.org.auth.family_alive(seed)
        [(ciphertext,)] = _store(sessions, select(StoredSecret.ciphertext))
        assert seed not in ciphertext
        assert "5Aep" not in ciphertext
        assert "5Aep" not in out  # no refresh token, old or rotated, in any output

        with sessions() as session:  # lose the stored chain: the next run presents the seed
            session.query(StoredSecret).delete()
            session.commit()
        code, out = handoff_sync(capsys)

        assert code == ExitCode.FAILURE
        assert not server.org.auth.family_alive(seed)
        assert _last_run(sessions).message == "Salesforce: invalid_grant: " + TOKEN_REVOKED
        assert "5Aep" not in out


def _first_query_more(server: Server) -> int:
    """How many API calls came before the first queryMore in the org's request log."""
    calls = [e for e in server.org.log.entries() if e.path.startswith("/services/data/")]
    return next(i for i, e in enumerate(calls) if "/0r8" in e.path)


class TestIdsAndCursors:
    def test_fifteen_character_ids_and_absolute_next_records_urls(
        self,
        server: Server,
        env: dict[str, str],
        sessions: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        with server.org.lock:
            server.org.faults.short_ids = True
            server.org.faults.absolute_next_urls = True

        code, out = handoff_sync(capsys)

        assert code == ExitCode.OK, out
        assert _leads(sessions) == LEADS
        [(org_id, user_id)] = _store(sessions, select(Org.org_id, Org.integration_user_id))
        assert (org_id, user_id) == (server.org.org_id, server.org.integration_user_id)
        assert len(org_id) == 18

    def test_expired_cursors_and_a_new_session_restart_the_query_from_its_watermark(
        self,
        server: Server,
        env: dict[str, str],
        sessions: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        with server.org.lock:
            server.org.faults.expire_cursors = 1
        code, out = handoff_sync(capsys)
        assert code == ExitCode.OK, out
        assert _leads(sessions) == LEADS
        assert _last_run(sessions).counts["cursor_restarts"] == 1

        with server.org.lock:
            server.org.log.clear()
        code, out = handoff_sync(capsys, "--full")
        assert code == ExitCode.OK, out
        with server.org.lock:  # the session ends just before the next full read's queryMore
            server.org.faults.expire_after = _first_query_more(server)
        code, out = handoff_sync(capsys, "--full")
        assert code == ExitCode.OK, out
        counts = _last_run(sessions).counts
        assert counts["reauthentications"] == 1
        assert counts["cursor_restarts"] == 1  # the old session's locator was refused
        assert _leads(sessions) == LEADS


class TestWritesTheOrgRefuses:
    def test_rules_flows_and_duplicates_are_named_not_retried_and_retried_once_fixed(
        self,
        server: Server,
        env: dict[str, str],
        sessions: sessionmaker[Session],
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        leads = server.org.table("Lead")
        validation, flow, duplicate = (leads.id_of(n) for n in range(3))
        message = "A lead needs a Lead Source before it can become an MQL."
        rules = [
            WriteRule("validation", "Lead_Source_For_MQL", when={"Status": MQL},
                      ids=frozenset({validation}), require="LeadSource",
                      error_field="LeadSource", message=message),
            WriteRule("flow", "Lead Routing", ids=frozenset({flow})),
            WriteRule("duplicate", "Standard_Lead_Duplicate_Rule", ids=frozenset({duplicate}),
                      action="alert", matches=(leads.id_of(10),)),
        ]  # fmt: skip
        with server.org.lock:
            server.org.write_rules.extend(rules)
        monkeypatch.setenv("HANDOFF_DUPLICATE_RULE_ALLOW_SAVE", "false")

        code, out = handoff_sync(capsys)

        assert code == ExitCode.PARTIAL, out
        run = _last_run(sessions)
        assert run.counts["failed_by_code"] == {
            "FIELD_CUSTOM_VALIDATION_EXCEPTION": 1,
            "CANNOT_EXECUTE_FLOW_TRIGGER": 1,
            "DUPLICATES_DETECTED": 1,
        }
        assert f"{validation}: FIELD_CUSTOM_VALIDATION_EXCEPTION on LeadSource ({message})" in (
            run.message or ""
        )
        assert "Standard_Lead_Duplicate_Rule" in (run.message or "")
        assert _mql_in_org(server) == QUALIFYING - 3
        metrics, _ = _service_answers(monkeypatch)
        for code_name in ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "DUPLICATES_DETECTED"):
            assert f'handoff_write_refusals_total{{error_code="{code_name}"}} 1.0' in metrics

        code, out = handoff_sync(capsys)  # nothing changed: refused writes are not sent again
        assert code == ExitCode.OK, out
        assert _last_run(sessions).counts["failed"] == 0

        monkeypatch.setenv("HANDOFF_DUPLICATE_RULE_ALLOW_SAVE", "true")  # Alert lets it through
        server.org.clock.pin(START.replace(hour=10))
        person = server.org.integration_user_id
        server.org.update("Lead", validation, {"LeadSource": "Web"}, user_id=person)
        server.org.update("Lead", duplicate, {"Phone": "555"}, user_id=person)
        code, out = handoff_sync(capsys)

        assert code == ExitCode.OK, out  # the two changed leads went through; the flow's
        counts = _last_run(sessions).counts  # lead did not change, so it was not sent again
        assert (counts["written"], counts["failed"]) == (2, 0)
        table = server.org.table("Lead")
        assert table.get(table.row_of(validation), "Status") == MQL
        assert table.get(table.row_of(duplicate), "Status") == MQL
        assert table.get(table.row_of(flow), "Status") != MQL
        headers = {e.duplicate_rule_header for e in server.org.log.entries() if e.writes}
        assert headers == {None, "allowSave=true"}
        refused = _store(
            sessions, select(Write.lead_id, Write.fields).where(Write.success.is_(False))
        )
        assert (validation, ["LeadSource"]) in refused


class TestLimits:
    def test_the_api_budget_stops_the_run_cleanly_and_the_next_one_goes_on(
        self,
        server: Server,
        env: dict[str, str],
        sessions: sessionmaker[Session],
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        with server.org.lock:
            server.org.faults.api_max = 40
            server.org.faults.per_app_max = 40
        # Eight requests: seven setup queries (users, queues, the org, its calendars...) and the
        # first page of Leads, so the run stops with that page stored and the rest not.
        monkeypatch.setenv("HANDOFF_API_BUDGET_PERCENT", "20")

        code, out = handoff_sync(capsys)

        assert code == ExitCode.PARTIAL, out
        run = _last_run(sessions)
        assert run.error_kind == "api_budget"
        assert "HANDOFF_API_BUDGET_PERCENT=20%" in (run.message or "")
        assert run.counts["api_usage"]["own_used"] == 8
        stored = _leads(sessions)
        assert 0 < stored < LEADS
        assert _store(
            sessions, select(Watermark.system_modstamp).where(Watermark.sobject == "Lead")
        )
        # The service shows the spent budget: a warning (still ready) and the figures to alert on.
        metrics, detail = _service_answers(monkeypatch)
        assert 'handoff_salesforce_api_requests{kind="own"} 8.0' in metrics
        assert "handoff_salesforce_api_budget_share 0.2" in metrics
        assert any(
            w.startswith("Handoff has used 100% of its API budget (8 of 8 requests")
            for w in detail["warnings"]
        ), detail

        with server.org.lock:
            server.org.faults.api_max = server.org.faults.per_app_max = 100_000
        monkeypatch.setenv("HANDOFF_API_BUDGET_PERCENT", "50")
        code, out = handoff_sync(capsys)
        assert code == ExitCode.OK, out
        assert _leads(sessions) == LEADS

    def test_a_timed_out_re_read_is_asked_again_in_smaller_chunks(
        self,
        server: Server,
        env: dict[str, str],
        sessions: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        with server.org.lock:
            server.org.faults.in_list_timeout_over = 20

        code, out = handoff_sync(capsys)

        assert code == ExitCode.OK, out
        assert _mql_in_org(server) == QUALIFYING
        assert _last_run(sessions).counts["reread_splits"] >= 1
