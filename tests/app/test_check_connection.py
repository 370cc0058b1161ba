"""`handoff check-connection` against Salesforce mocked at the HTTP boundary."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from app.cli.main import main

PAYLOADS = Path(__file__).parents[1] / "fakes" / "payloads"
INSTANCE = "https://acme.my.salesforce.com"
TOKEN = "00D5g000004XyZa!AQ8AQH.SECRET-TOKEN-VALUE"
LIMIT_HEADER = {"Sforce-Limit-Info": "api-usage=18234/115000"}


def payload(name: str) -> object:
    return json.loads((PAYLOADS / name).read_text())


@pytest.fixture
def access_token_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SF_INSTANCE_URL", INSTANCE)
    monkeypatch.setenv("SF_ACCESS_TOKEN", TOKEN)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


@respx.mock
def test_shows_org_user_and_usage(access_token_env, capsys) -> None:
    userinfo = respx.get(f"{INSTANCE}/services/oauth2/userinfo").respond(
        200, json=payload("userinfo.json"), headers=LIMIT_HEADER
    )
    respx.get(f"{INSTANCE}/services/data/v66.0/limits/").respond(
        200, json=payload("limits.json"), headers=LIMIT_HEADER
    )
    code, out, err = run(["check-connection"], capsys)
    assert code == 0, err
    lines = dict(line.split("=", 1) for line in out.splitlines())
    info = payload("userinfo.json")
    assert isinstance(info, dict)
    assert lines["org_id"] == info["organization_id"]
    assert lines["user_id"] == info["user_id"]
    assert lines["auth_mode"] == "access-token"
    assert (lines["api_used"], lines["api_max"]) == ("18234", "115000")
    assert userinfo.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in out


@respx.mock
def test_an_expired_token_says_how_to_get_a_new_one(access_token_env, capsys) -> None:
    respx.get(f"{INSTANCE}/services/oauth2/userinfo").respond(
        401, json=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    )
    respx.get(f"{INSTANCE}/services/data/v66.0/limits/").mock(
        return_value=httpx.Response(
            401,
            json=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
        )
    )
    code, out, err = run(["check-connection"], capsys)
    assert code == 1
    assert "SF_ACCESS_TOKEN" in err
    assert "Traceback" not in err
    assert TOKEN not in out + err
