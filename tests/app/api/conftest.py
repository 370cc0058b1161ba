"""An app per test on each database, with a read key, an admin key and a valid rules file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from app.api.rules import RULES_YAML_EXAMPLE
from app.main import create_app
from app.settings import Settings
from app.store.db import make_engine, make_sessionmaker

READ_KEY = "read-key-0123456789abcdef"
ADMIN_KEY = "admin-key-0123456789abcdef"
READ = {"Authorization": f"Bearer {READ_KEY}"}
ADMIN = {"X-API-Key": ADMIN_KEY}


@pytest.fixture
def rules_path(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES_YAML_EXAMPLE, encoding="utf-8")
    return path


@pytest.fixture
def settings(database_url: str, rules_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        rules=rules_path,
        api_keys=f"{READ_KEY}:read,{ADMIN_KEY}:admin",
        sync_interval=0,
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, start_scheduler=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A session on the app's database, for filling the store before a request."""
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()
