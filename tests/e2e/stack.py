"""The service and the simulated org as separate processes, as they run in production.

`python -m sfsim serve` prints where it listens and its connected app's credentials; `handoff
serve` connects with client credentials (so an expired session re-authenticates) over HTTPS,
trusting sfsim's throwaway CA. The test talks to sfsim's control surface and REST API, to the
service's HTTP API, and reads the service's store directly.
"""

from __future__ import annotations

import ssl
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.demo.org import org_placeholders, render_rules, sample_rules
from app.store.db import make_engine
from app.store.models import SyncRun
from sf_client import AccessTokenAuth, SalesforceClient
from tests.e2e.processes import Child, child, clean_env, free_port, wait_until_answers

PYTHON = sys.executable
HANDOFF = str(Path(sys.executable).with_name("handoff"))
ADMIN_KEY = "e2e-admin-key-0123456789"
MQL = "Marketing Qualified"
START_TIMEOUT = 60.0
T = TypeVar("T")


@dataclass
class Sim:
    """A running `python -m sfsim serve`: its address, CA file and app credentials."""

    process: Child
    facts: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.facts["instance_url"]

    @property
    def verify(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.facts["ca_file"])

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call `/__sfsim__/<path>` (no faults, no API usage) and return its JSON."""
        response = httpx.request(
            method, f"{self.base_url}/__sfsim__/{path}", json=body, verify=self.verify, timeout=30
        )
        response.raise_for_status()
        return response.json()

    @contextmanager
    def client(self) -> Iterator[SalesforceClient]:
        """A REST client with a fresh token (faults may have revoked the printed one)."""
        token = self.control("POST", "tokens")["access_token"]
        with httpx.Client(verify=self.verify, timeout=30) as http:
            yield SalesforceClient(http, AccessTokenAuth(self.base_url, token))

    def leads(self) -> dict[str, tuple[str, str]]:
        """Every live lead: Id -> (Status, OwnerId)."""
        return {r["Id"]: (r["Status"], r["OwnerId"]) for r in self.control("GET", "leads")}


@contextmanager
def sim_process(cwd: Path) -> Iterator[Sim]:
    """`python -m sfsim serve --seed demo` on a free port, stopped when the block ends."""
    args = [PYTHON, "-m", "sfsim", "serve", "--seed", "demo"]
    with child(args, clean_env(), cwd) as process:
        process.wait_for("consumer_secret=", START_TIMEOUT)
        facts = dict(line.split("=", 1) for line in process.lines if "=" in line)
        yield Sim(process, facts)


def write_rules(sim: Sim, path: Path) -> None:
    """The demo's sample rules with this org's user and queue Ids."""
    with sim.client() as sf:
        path.write_text(render_rules(sample_rules(), org_placeholders(sf)), encoding="utf-8")


@dataclass
class Service:
    """A running `handoff serve`: its base URL and its store."""

    process: Child
    base_url: str
    store: Engine

    def get(self, path: str, **params: Any) -> Any:
        headers = {"X-API-Key": ADMIN_KEY}
        response = httpx.get(f"{self.base_url}{path}", params=params, headers=headers, timeout=30)
        response.raise_for_status()
        return response.json()

    def read(self, work: Callable[[Session], T]) -> T:
        with Session(self.store) as session:
            return work(session)

    def finished_runs(self) -> list[SyncRun]:
        return self.read(
            lambda s: list(
                s.scalars(select(SyncRun).where(SyncRun.state != "running").order_by(SyncRun.id))
            )
        )

    def wait_for_run(self, done: Callable[[list[SyncRun]], bool], timeout: float) -> SyncRun:
        """Poll the finished runs until `done(runs)`; returns the newest run."""
        deadline = time.monotonic() + timeout
        runs: list[SyncRun] = []
        while time.monotonic() < deadline:
            runs = self.finished_runs()
            if runs and done(runs):
                return runs[-1]
            time.sleep(0.25)
        described = [(r.id, r.state, r.message, r.counts) for r in runs[-5:]]
        raise AssertionError(f"no such run in {timeout} s; last runs: {described}")


def client_credentials(sim: Sim) -> dict[str, str]:
    """The `SF_*` variables that connect to `sim` with its app's client credentials."""
    return {
        "SF_CONSUMER_KEY": sim.facts["consumer_key"],
        "SF_CONSUMER_SECRET": sim.facts["consumer_secret"],
        "SF_DOMAIN": sim.base_url,
        "SF_CA_BUNDLE": sim.facts["ca_file"],
    }


@contextmanager
def service_process(
    sim: Sim | None, database_url: str, rules: Path, cwd: Path, interval: int = 2, **extra: str
) -> Iterator[Service]:
    """`handoff serve` syncing `sim` every `interval` seconds, stopped when the block ends.

    `extra` adds (or overrides) environment variables of the service; without `sim` the
    `SF_*` variables come from `extra` alone.
    """
    port = free_port()
    env = (
        clean_env(
            HANDOFF_DATABASE_URL=database_url,
            HANDOFF_RULES=str(rules),
            HANDOFF_SYNC_INTERVAL=str(interval),
            HANDOFF_WRITE_MODE="live",
            HANDOFF_API_KEYS=f"{ADMIN_KEY}:admin",
            HANDOFF_HOST="127.0.0.1",
            HANDOFF_PORT=str(port),
            HANDOFF_LOG_LEVEL="WARNING",
        )
        | (client_credentials(sim) if sim is not None else {})
        | extra
    )
    store = make_engine(database_url)
    try:
        with child([HANDOFF, "serve"], env, cwd) as process:
            base = f"http://127.0.0.1:{port}"
            wait_until_answers(f"{base}/healthz", START_TIMEOUT)
            yield Service(process, base, store)
            process.stop()
    finally:
        store.dispose()
