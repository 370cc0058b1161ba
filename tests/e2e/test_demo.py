"""`handoff demo` as a person runs it: a real process, real sockets, a hostile environment.

The environment and `.env` point at a "real" org (a trap socket we own) and a "real" database;
the demo must use neither: nothing connects to the trap, no hostile database file appears, and
the hostile API key opens nothing.
"""

from __future__ import annotations

import re
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from app.demo.loop import READY_LINE
from app.store.models import SyncRun, Write
from tests.e2e.processes import Child, child, clean_env

pytestmark = pytest.mark.slow

HANDOFF = str(Path(sys.executable).with_name("handoff"))
HOSTILE_KEY = "hostile-admin-key-0123456789"
READY_TIMEOUT = 120.0


@pytest.fixture
def trap() -> Iterator[socket.socket]:
    """A listening socket standing in for a real org: any connection to it is a failure."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def _assert_untouched(trap: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        trap.accept()


@pytest.fixture
def hostile(tmp_path: Path, trap: socket.socket) -> tuple[dict[str, str], Path]:
    """The environment and a working directory whose `.env` both name the wrong org and store."""
    org = f"https://127.0.0.1:{trap.getsockname()[1]}"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / ".env").write_text(
        f"SF_INSTANCE_URL={org}\nSF_ACCESS_TOKEN=dotenv-token\n"
        f"HANDOFF_DATABASE_URL=sqlite:///{tmp_path}/dotenv.db\nHANDOFF_SYNC_INTERVAL=1\n",
        encoding="utf-8",
    )
    env = clean_env(
        SF_INSTANCE_URL=org,
        SF_ACCESS_TOKEN="hostile-token",
        SF_REFRESH_TOKEN="hostile-refresh",  # two modes at once: loading SF_* would fail
        SF_DOMAIN=org,
        HANDOFF_DATABASE_URL=f"sqlite:///{tmp_path}/hostile.db",
        HANDOFF_ORG_ID="00D000000000001AAA",
        HANDOFF_MAX_WRITES_PER_RUN="0",
        HANDOFF_WRITE_MODE="dry-run",
        HANDOFF_RULES=str(tmp_path / "missing.yaml"),
        HANDOFF_API_KEYS=f"{HOSTILE_KEY}:admin",
        HANDOFF_PORT="1",
        # A proxy could not reach this machine's loopback: the demo must connect directly.
        HTTPS_PROXY=org.replace("https", "http"),
        HTTP_PROXY=org.replace("https", "http"),
        ALL_PROXY=org.replace("https", "http"),
        SSL_CERT_FILE=str(tmp_path / "missing-ca.pem"),
    )
    return env, cwd


def _assert_no_hostile_store(tmp_path: Path) -> None:
    assert not (tmp_path / "hostile.db").exists()
    assert not (tmp_path / "dotenv.db").exists()


def _demo_run(folder: Path) -> SyncRun:
    engine = create_engine(f"sqlite:///{folder / 'handoff-demo.db'}")
    try:
        with engine.connect() as connection:
            run = connection.execute(select(SyncRun).where(SyncRun.trigger == "demo")).one()
            written = connection.scalar(select(func.count()).where(Write.success.is_(True)))
    finally:
        engine.dispose()
    assert run.counts["written"] == written
    return run  # type: ignore[return-value]


def _demo_no_serve(folder: Path, env: dict[str, str], cwd: Path) -> Child:
    with child([HANDOFF, "demo", "--no-serve", "--dir", str(folder)], env, cwd) as demo:
        demo.wait_for(READY_LINE, READY_TIMEOUT)
        assert demo.stop(None, timeout=30) == 0, demo.output
    return demo


class TestNoServe:
    def test_summary_from_a_live_sync_of_its_own_org_and_store_every_run_afresh(
        self, tmp_path: Path, hostile: tuple[dict[str, str], Path], trap: socket.socket
    ) -> None:
        env, cwd = hostile
        folder = tmp_path / "demo"

        demo = _demo_no_serve(folder, env, cwd)

        run = _demo_run(folder)
        assert run.state == "succeeded"
        assert not run.dry_run
        assert run.counts["pulled"]["Lead"] == 1000
        assert run.counts["promoted"] > 0
        assert f"{run.counts['promoted']} MQLs set" in demo.output
        for heading in ("Owners assigned by route:", "SLA of ", "Win/loss", "95% CI"):
            assert heading in demo.output
        assert "route 1: " in demo.output
        rules = folder / "rules.yaml"
        assert rules.read_text(encoding="utf-8").count("${") == 1  # the header's ${name}

        with rules.open("a", encoding="utf-8") as edited:
            edited.write("# tuned by hand\n")
        again = _demo_no_serve(folder, env, cwd)

        assert "Keeping the rules file" in again.output
        assert rules.read_text(encoding="utf-8").endswith("# tuned by hand\n")
        assert _demo_run(folder).id == 1  # a fresh store: the org is new each run
        _assert_no_hostile_store(tmp_path)
        _assert_untouched(trap)


def _field(demo: Child, label: str, pattern: str) -> str:
    found = re.search(pattern, demo.wait_for(label, 1))
    assert found is not None, demo.output
    return found.group(1)


def _finished_run(api: str, key: str, run_id: int) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = httpx.get(f"{api}/sync/runs/{run_id}", headers={"X-API-Key": key}).json()
        if body["state"] != "running":
            return dict(body)
        time.sleep(0.2)
    raise AssertionError(f"sync run {run_id} still running after 60 s")


class TestServe:
    def test_serves_the_api_with_the_printed_key_and_stops_cleanly_on_ctrl_c(
        self, tmp_path: Path, hostile: tuple[dict[str, str], Path], trap: socket.socket
    ) -> None:
        env, cwd = hostile
        with child([HANDOFF, "demo", "--dir", str(tmp_path / "demo")], env, cwd) as demo:
            demo.wait_for(READY_LINE, READY_TIMEOUT)
            key = _field(demo, "Admin API key", r": (\S+)$")
            api = _field(demo, "API docs", r"(http://127\.0\.0\.1:\d+)/docs")
            org = _field(demo, "sfsim org", r"(https://127\.0\.0\.1:\d+)/")
            admin = {"Authorization": f"Bearer {key}"}
            opened = demo.lines[demo.lines.index("Open:") + 1]
            assert opened.split() == ["dashboard", f"{api}/ui", "(sign", "in", "with", "the",
                                      "admin", "key", "above)"]  # fmt: skip
            signed_in = httpx.post(f"{api}/ui/sign-in", data={"api_key": key})
            assert signed_in.status_code == 303
            dashboard = httpx.get(f"{api}/ui", cookies=signed_in.cookies)
            assert dashboard.status_code == 200
            assert "The handoff at a glance" in dashboard.text

            assert httpx.get(f"{api}/healthz").json() == {"status": "ok"}
            assert httpx.get(f"{api}/readyz").status_code == 200
            status = httpx.get(f"{api}/handoff/status", headers=admin)
            assert status.status_code == 200
            assert status.json()["mql_open"] > 0
            winloss = httpx.get(f"{api}/reports/win-loss", headers=admin).json()
            assert winloss["all"]["closed"] > 0
            hostile_key = {"Authorization": f"Bearer {HOSTILE_KEY}"}
            assert httpx.get(f"{api}/handoff/status", headers=hostile_key).status_code == 401
            started = httpx.post(f"{api}/sync/runs", headers=admin, json={})
            assert started.status_code == 202, started.text + demo.output
            assert _finished_run(api, key, started.json()["id"])["state"] == "succeeded"

            assert demo.stop(signal.SIGINT, timeout=30) == 0, demo.output

        assert demo.lines[-1] == "Stopped.", demo.output
        for stopped in (f"{api}/healthz", f"{org}/services/data"):
            with pytest.raises(httpx.TransportError):
                httpx.get(stopped, timeout=2, verify=False)
        _assert_no_hostile_store(tmp_path)
        _assert_untouched(trap)
