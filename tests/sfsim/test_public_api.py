"""The package's public names are what `__all__` says."""

from __future__ import annotations

import sfsim


def test_all_names_exist_and_nothing_public_is_missing() -> None:
    assert all(hasattr(sfsim, name) for name in sfsim.__all__)
    assert {"Org", "generate", "create_app", "serve", "Server"} <= set(sfsim.__all__)


def test_create_app_serves_the_versions_list_in_process() -> None:
    from starlette.testclient import TestClient

    with TestClient(sfsim.create_app(sfsim.Org())) as client:
        answer = client.get("/services/data/")
    assert answer.status_code == 200
    assert answer.json()[-1]["version"] == "68.0"
