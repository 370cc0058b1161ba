"""`python -m sfsim serve`: prints where to connect, serves over HTTPS, stops on SIGTERM."""

from __future__ import annotations

import ssl
import subprocess
import sys

import httpx


def test_serve_prints_the_address_ca_and_a_working_token() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sfsim", "serve", "--seed", "3", "--leads", "200"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        facts: dict[str, str] = {}
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            facts[key] = value
            if key == "soap_security_token":
                break
        assert facts["instance_url"].startswith("https://127.0.0.1:")
        with httpx.Client(verify=ssl.create_default_context(cafile=facts["ca_file"])) as http:
            answer = http.get(
                f"{facts['instance_url']}/services/data/v66.0/query/",
                params={"q": "SELECT COUNT() FROM Lead"},
                headers={"Authorization": f"Bearer {facts['access_token']}"},
            )
        assert answer.json()["totalSize"] == 200
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
        if process.stdout is not None:
            process.stdout.close()
