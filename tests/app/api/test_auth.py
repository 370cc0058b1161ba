"""The auth matrix, walked over every route the app declares: no key, unknown key, read, admin."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from app.api.key_attempts import KeyAttempts
from tests.app.api.conftest import ADMIN, ADMIN_KEY, READ, READ_KEY

OPEN = {"/healthz", "/readyz"}
ADMIN_ONLY = {
    ("POST", "/sync/runs"),
    ("POST", "/rules/simulate"),
    ("GET", "/availability"),
    ("POST", "/availability"),
    ("DELETE", "/availability/1"),
    ("POST", "/assignment/adjust"),
    ("GET", "/audit/events"),
    ("POST", "/rules/backtest"),
    ("GET", "/rules/backtest/job"),
}


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every operation the OpenAPI schema declares, with path parameters filled in."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        filled = path.replace("{run_id}", "1").replace("{entry_id}", "1").replace("{job}", "job")
        found += [(method.upper(), filled) for method in operations]
    return found


def test_every_declared_route_is_in_the_matrix(app: FastAPI) -> None:
    paths = {path for _method, path in _routes(app)}
    assert paths == {
        "/healthz",
        "/readyz",
        "/metrics",
        "/handoff/status",
        "/handoff/leads",
        "/handoff/breaches",
        "/reports/win-loss",
        "/reports/funnel",
        "/reports/rules",
        "/reports/calibration",
        "/reports/shadow",
        "/sync/runs",
        "/sync/runs/1",
        "/rules",
        "/rules/validate",
        "/rules/simulate",
        "/rules/backtest",
        "/rules/backtest/job",
        "/audit",
        "/audit/events",
        "/availability",
        "/availability/1",
        "/assignment/ledger",
        "/assignment/adjust",
        "/reports/matching",
    }


def test_no_key_and_unknown_keys_get_401_with_a_challenge(app: FastAPI, client: TestClient) -> None:
    for method, path in _routes(app):
        if path in OPEN:
            continue
        for headers in ({}, {"Authorization": "Bearer not-a-key-at-all-xx"}, {"X-API-Key": "x"}):
            app.state.key_attempts = KeyAttempts()  # as from a new client, never throttled
            response = client.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert READ_KEY not in response.text
            assert ADMIN_KEY not in response.text


def test_read_key_is_refused_on_admin_endpoints_only(app: FastAPI, client: TestClient) -> None:
    for method, path in _routes(app):
        response = client.request(method, path, headers=READ, params=_params(path))
        if (method, path) in ADMIN_ONLY:
            assert response.status_code == 403, (method, path)
        else:
            assert response.status_code not in (401, 403), (method, path)


def test_admin_key_passes_everywhere(app: FastAPI, client: TestClient) -> None:
    for method, path in _routes(app):
        response = client.request(method, path, headers=ADMIN, params=_params(path))
        assert response.status_code not in (401, 403), (method, path)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/docs", "/openapi.json"])
def test_open_endpoints_need_no_key(client: TestClient, path: str) -> None:
    assert client.get(path).status_code in (200, 503)


def test_the_key_is_never_echoed(client: TestClient) -> None:
    response = client.get("/handoff/status", headers={"X-API-Key": READ_KEY + "x"})
    assert response.status_code == 401
    assert READ_KEY not in response.text


def _params(path: str) -> dict[str, str]:
    return {"lead_id": "00Q000000000001AAA"} if path == "/audit" else {}
