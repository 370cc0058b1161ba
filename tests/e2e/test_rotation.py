"""`handoff serve` on an org with Refresh Token Rotation: scheduled syncs and a restart.

Every refresh answers with a new refresh token and kills the old one; presenting a dead one
revokes the whole family. The service refreshes at the start of every scheduled run and again
when a session expires mid-run, and it is restarted once: if any of those ever sent a token that
was rotated out (or lost the newest one), the family would be revoked and every run after it
would fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.store.models import StoredSecret, SyncRun
from sfsim.org import Org
from sfsim.server import Server, serve
from tests.e2e.stack import service_process
from tests.fakes.sim_org import country_rules

pytestmark = pytest.mark.slow

SECRET_KEY = "rotation-test-secret-key-0123456789abcdef"


@pytest.fixture
def rotating_org() -> Iterator[Server]:
    org = Org()
    for n in range(300):
        org.insert("Lead", {"LastName": f"L{n}", "Company": "Acme", "Country": "US"})
    org.faults.rotate_refresh = True
    with serve(org, tls=True) as server:
        yield server


def _succeeded(runs: list[SyncRun]) -> int:
    return sum(run.state == "succeeded" for run in runs)


def _serve(server: Server, seed: str, database_url: str, cwd: Path) -> Any:
    """`handoff serve` in the refresh-token mode, syncing every second."""
    return service_process(
        None,
        database_url,
        cwd / "rules.yaml",
        cwd,
        interval=1,
        HANDOFF_SECRET_KEY=SECRET_KEY,
        HANDOFF_PULL_BATCH_SIZE="200",
        HANDOFF_LOG_LEVEL="INFO",
        SF_REFRESH_TOKEN=seed,
        SF_CONSUMER_KEY=server.org.auth.consumer_key,
        SF_DOMAIN=server.base_url,
        SF_CA_BUNDLE=str(server.ca_file),
    )


def test_three_scheduled_syncs_and_a_restart_keep_the_token_family_alive(
    rotating_org: Server, database_url: str, tmp_path: Path
) -> None:
    server = rotating_org
    rules = country_rules(
        server.org.integration_user_id,
        mql="Working - Contacted",
        eligible='"Open - Not Contacted"',
        accepted='"Closed - Converted"',
    )
    (tmp_path / "rules.yaml").write_text(rules, encoding="utf-8")
    with server.org.lock:
        seed = server.org.auth.issue_refresh(server.org.integration_user_id)
        server.org.faults.expire_after = 4  # a session also ends mid-run once

    with _serve(server, seed, database_url, tmp_path) as service:
        service.wait_for_run(lambda runs: _succeeded(runs) >= 3, timeout=90)
        first_runs = _succeeded(service.finished_runs())
    output = service.process.output
    with _serve(server, seed, database_url, tmp_path) as service:  # a restart
        service.wait_for_run(lambda runs: _succeeded(runs) >= first_runs + 2, timeout=90)
        runs = service.finished_runs()
        ciphertext = service.read(lambda s: s.scalars(select(StoredSecret.ciphertext)).one())
    output += service.process.output

    assert server.org.auth.family_alive(seed)
    assert all(run.state == "succeeded" for run in runs), [(r.id, r.message) for r in runs]
    refreshes = [e for e in server.org.log.entries() if e.path == "/services/oauth2/token"]
    assert all(e.status == 200 for e in refreshes)
    assert len(refreshes) >= len(runs) + 1  # one per run, one more for the expired session
    assert sum(int(r.counts.get("reauthentications") or 0) for r in runs) == 1
    assert "5Aep" not in ciphertext
    assert "5Aep" not in output  # no refresh token in the service's log
