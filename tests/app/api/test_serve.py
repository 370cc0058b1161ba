"""`handoff serve` in a real process: it answers on its port, with its keys, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.api.rules import RULES_YAML_EXAMPLE
from app.store.db import make_engine
from app.store.migrate import upgrade
from tests.app.api.conftest import READ, READ_KEY


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    for _ in range(200):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


@pytest.mark.slow
def test_serve_answers_and_stops_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML_EXAMPLE, encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "HANDOFF_DATABASE_URL": url,
        "HANDOFF_RULES": str(rules),
        "HANDOFF_API_KEYS": f"{READ_KEY}:read",
        "HANDOFF_SYNC_INTERVAL": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from app.cli.main import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert _wait_for(f"{base}/healthz", process).json() == {"status": "ok"}
        status = httpx.get(f"{base}/handoff/status", headers=READ, timeout=5)
        assert status.status_code == 200
        assert status.json()["mql_open"] == 0
        assert httpx.get(f"{base}/handoff/status", timeout=5).status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert process.returncode in (0, -signal.SIGTERM)
    assert b"Application shutdown complete" in err
    assert READ_KEY.encode() not in err
