"""Fixtures for pull tests: a respx-backed org, a rules file, settings on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import respx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.run import SalesforceFactory
from app.settings import Settings
from app.store.db import make_sessionmaker
from sf_client import AccessTokenAuth, SalesforceClient
from sfsim.org import Org as SimOrg
from tests.fakes.org import INSTANCE, REP, REP_2, FakeOrg
from tests.fakes.sim_org import OPEN, add_reps, country_rules, with_statuses

RULES = country_rules(REP, REP_2)
SIM_MQL = "Marketing Qualified"


def sim_org_with_a_rep(start: datetime) -> tuple[SimOrg, str]:
    """A simulated org (clock pinned at `start`) with an MQL status and one active rep; the
    rules file of `sim_rules` routes to that rep."""
    org = with_statuses(SimOrg(), (OPEN, SIM_MQL, "Working - Contacted", "Closed - Not Converted"))
    org.clock.pin(start)
    (rep,) = add_reps(org, 1, name="Rep")
    return org, rep


def sim_rules(rep: str) -> str:
    """`country_rules` for `sim_org_with_a_rep`'s statuses."""
    return country_rules(rep, mql=SIM_MQL, eligible=f'"{OPEN}"', accepted='"Working - Contacted"')


@pytest.fixture
def sqlite_only(database_url: str) -> None:
    """Skip on PostgreSQL; list it before `org`, so a skipped test never opens the fake org."""
    if not database_url.startswith("sqlite"):
        pytest.skip("only the SQLite lease can lapse; PostgreSQL's lock lives with its session")


@pytest.fixture
def org() -> Iterator[FakeOrg]:
    fake = FakeOrg()
    with respx.mock() as router:
        fake.install(router)
        yield fake


@pytest.fixture
def rules_path(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


@pytest.fixture
def settings(database_url: str, rules_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        rules=rules_path,
        pull_batch_size=200,
        lookback_seconds=60,
    )


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def sf_factory(org: FakeOrg) -> SalesforceFactory:
    @contextmanager
    def factory() -> Iterator[SalesforceClient]:
        with httpx.Client() as http:
            yield SalesforceClient(
                http, AccessTokenAuth(INSTANCE, "tok-secret"), sleep=lambda s: None
            )

    return factory


class Clock:
    """A settable clock: runs take `now` from here, never from the machine."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now
