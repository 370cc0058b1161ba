"""Schemathesis over the OpenAPI schema: no request may produce a 5xx or break the schema.

Bounded (a few examples per operation, a time limit) so it runs in CI; on SQLite with a small
store so the reports have rows to compute over. `/readyz`'s 503 is documented and allowed.
Every check runs except "schema-valid data must be accepted": some rules cannot be written in
JSON Schema (`from` after `to`, `since` in the future) and rightly answer 422.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import BaseSchema
from schemathesis.checks import positive_data_acceptance

from app.api.key_attempts import KeyAttempts
from app.api.rules import RULES_YAML_EXAMPLE
from app.main import create_app
from app.settings import Settings
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade
from tests.app.api import builders as b
from tests.app.api.conftest import ADMIN_KEY, READ_KEY


def _filled_store(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        owner = b.user(session, "Ada Rep")
        for hours in (1, 30, 400):
            b.open_mql(session, mql_at=b.T0 - timedelta(hours=hours), owner_id=owner.id)
        b.opportunity(session, won=True, close_date=date(2026, 8, 1), mql=True)
        b.opportunity(session, won=False, close_date=date(2026, 8, 2))
        b.sync_run(session)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def fuzz_schema(tmp_path_factory: pytest.TempPathFactory) -> BaseSchema:
    """The schema as served by an app over a small store; its operations call that app."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    rules = folder / "rules.yaml"
    rules.write_text(RULES_YAML_EXAMPLE, encoding="utf-8")
    url = f"sqlite:///{folder / 'handoff.db'}"
    _filled_store(url)
    app_settings = Settings(
        _env_file=None,
        database_url=url,
        rules=rules,
        api_keys=f"{READ_KEY}:read,{ADMIN_KEY}:admin",
        sync_interval=0,
    )
    app = create_app(app_settings, start_scheduler=False)
    # Schemathesis sends wrong keys on purpose, all from one client; the throttle has its tests.
    app.state.key_attempts = KeyAttempts(capacity=1_000_000)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


# The operations are the same whatever the settings; building an app reads nothing.
_DECLARED = schemathesis.openapi.from_dict(
    create_app(Settings(_env_file=None), start_scheduler=False).openapi()
)
LABELS = [result.ok().label for result in _DECLARED.get_all_operations()]  # type: ignore[union-attr]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("label", LABELS)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@given(data=st.data())
def test_no_server_error_and_no_schema_violation(
    fuzz_schema: BaseSchema, label: str, data: st.DataObject
) -> None:
    operation = fuzz_schema.find_operation_by_label(label)
    assert operation is not None
    case = data.draw(operation.as_strategy())
    case.call_and_validate(
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        excluded_checks=[positive_data_acceptance],
    )
