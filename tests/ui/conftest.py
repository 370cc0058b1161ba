"""The dashboard's test stack: the simulated org, one live sync, the real app served on loopback,
and a real headless Chromium (Debian's `chromium` package, driven by Playwright; no browser is
downloaded). Under CI=true a missing Chromium fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app.demo.api import RunningApi, demo_app, loopback_socket, start_api
from app.demo.org import org_placeholders, render_rules, sample_rules, sim_connection, simulated_org
from app.demo.settings import demo_salesforce_settings, demo_settings
from app.run import run_sync
from app.settings import ApiKey, Role
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade

READ_KEY = "ui-read-key-0123456789abcdef"
ADMIN_KEY = "ui-admin-key-0123456789abcdef"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "ui-screenshots"


def chromium_path() -> str | None:
    """The system Chromium: `HANDOFF_CHROMIUM`, else Debian's `chromium` on the PATH."""
    return os.environ.get("HANDOFF_CHROMIUM") or shutil.which("chromium")


@dataclass
class Stack:
    base_url: str
    api: RunningApi

    def api_get(self, path: str, **params: Any) -> Any:
        response = httpx.get(
            self.base_url + path,
            params=params,
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The demo's loop, in process: sfsim, a migrated SQLite store, one live sync, the app."""
    folder = tmp_path_factory.mktemp("ui")
    with simulated_org() as server:
        sf_settings = demo_salesforce_settings(server.base_url, server.access_token, server.ca_file)
        sock = loopback_socket()
        settings = demo_settings(folder, admin_key=ADMIN_KEY, port=sock.getsockname()[1])
        settings = settings.model_copy(
            update={
                "api_keys": (
                    ApiKey(key=SecretStr(READ_KEY), role=Role.READ),
                    ApiKey(key=SecretStr(ADMIN_KEY), role=Role.ADMIN),
                ),
                "sync_interval": 0,
                "write_mode": "dry-run",
                "secret_key": SecretStr("ui-test-secret-key-0123456789abcdefghij"),
            }
        )
        with sim_connection(sf_settings, settings) as sf:
            text = render_rules(sample_rules(), org_placeholders(sf))
        settings.rules.write_text(text, encoding="utf-8")
        engine = make_engine(settings.database_url)
        upgrade(engine)
        run_sync(
            settings,
            make_sessionmaker(engine),
            lambda: sim_connection(sf_settings, settings),
            trigger="demo",
        )
        engine.dispose()
        api = start_api(demo_app(settings, sf_settings), sock)
        try:
            yield Stack(f"http://127.0.0.1:{sock.getsockname()[1]}", api)
        finally:
            api.stop()
            sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        message = "Chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            launched.close()
