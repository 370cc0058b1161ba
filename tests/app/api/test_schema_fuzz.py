"""Schemathesis over the OpenAPI schema: no request may produce a 5xx or break the schema.

Beside the generated cases, the hostile inputs of issue 12 (forged cursors, dates out of range,
numbers for dates and booleans, invalid UTF-8, alias bombs, merge keys, oversized bodies) go
through the same checks.

Bounded (a few examples per operation, a time limit) so it runs in CI; on SQLite with a small
store so the reports have rows to compute over. `/readyz`'s 503 is documented and allowed.
Every check runs except "schema-valid data must be accepted": some rules cannot be written in
JSON Schema (`from` after `to`, `since` in the future) and rightly answer 422.
"""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import BaseSchema
from schemathesis.checks import positive_data_acceptance

from app.api.key_attempts import KeyAttempts
from app.api.request_guard import MAX_BODY_BYTES
from app.api.rules import RULES_YAML_EXAMPLE
from app.main import create_app
from app.settings import Settings
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade
from tests.app.api import builders as b
from tests.app.api.conftest import ADMIN_KEY, READ_KEY
from tests.rules.test_limits import alias_bomb


def _filled_store(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        owner = b.user(session, "Ada Rep")
        for hours in (1, 30, 400):
            b.open_mql(session, mql_at=b.T0 - timedelta(hours=hours), OwnerId=owner.id)
        b.opportunity(session, won=True, close_date=date(2026, 8, 1), source="ours")
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


def _cursor(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


# The hostile inputs of issue 12, beside what schemathesis generates: each must answer a
# documented 4xx, never a 5xx, and fit the schema.
HOSTILE: list[tuple[str, dict[str, Any]]] = [
    *[
        ("GET /sync/runs", {"query": {"cursor": _cursor(value)}})
        for value in (2**80, True, -1, 1.5, "7", None)
    ],
    *[
        ("GET /audit", {"query": {"lead_id": "00Q000000000001AAA", "cursor": _cursor(value)}})
        for value in (2**80, True)
    ],
    ("GET /handoff/leads", {"query": {"cursor": _cursor("x", 2**80, "y", 1)}}),
    ("GET /reports/funnel", {"query": {"from": "0001-01-01", "to": "9999-12-31"}}),
    ("GET /reports/win-loss", {"query": {"to": "0"}}),
    ("GET /handoff/status", {"query": {"since": "0.5"}}),
    ("POST /sync/runs", {"body": {"dry_run": 0}, "media_type": "application/json"}),
    (
        "POST /rules/validate",
        {"body": b"version: 1\nfit: \xff\n", "media_type": "application/yaml"},
    ),
    ("POST /rules/validate", {"body": alias_bomb(), "media_type": "application/yaml"}),
    (
        "POST /rules/simulate",
        {"body": "sla:\n  <<: {first_touch_hours: 24}\n", "media_type": "application/yaml"},
    ),
    (
        "POST /rules/validate",
        {"body": "x" * (MAX_BODY_BYTES + 1), "media_type": "application/yaml"},
    ),
]


@pytest.mark.parametrize(("label", "parts"), HOSTILE, ids=[label for label, _ in HOSTILE])
def test_hostile_input_is_a_documented_4xx(
    fuzz_schema: BaseSchema, label: str, parts: dict[str, Any]
) -> None:
    operation = fuzz_schema.find_operation_by_label(label)
    assert operation is not None
    case = operation.Case(**parts)
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        excluded_checks=[positive_data_acceptance],
    )
    assert 400 <= response.status_code < 500 or label == "POST /rules/validate"
    assert len(response.content) < 10_000
