"""The demo's parts, in process: explicit settings, the sample rules and the org's Ids."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from app.demo.backtest import stricter_rules
from app.demo.loop import LOCK_FILE, DemoOptions, run_demo
from app.demo.org import org_placeholders, render_rules, sample_rules
from app.demo.settings import (
    DB_FILE,
    DEMO_SYNC_INTERVAL,
    demo_salesforce_settings,
    demo_settings,
    new_admin_key,
)
from app.errors import HandoffError
from app.settings import AuthMode, Role
from rules import parse_rules
from sf_client import AccessTokenAuth, SalesforceClient

INSTANCE = "https://127.0.0.1:8443"
IDS = {
    **{f"rep{n}": f"0055g000000000{n}AAA" for n in range(1, 9)},
    "marketing": "0055g000000000AAAQ",
    "lead_queue": "00G5g0000000001EAA",
}


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory with a hostile `.env`, and hostile variables in the environment."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "HANDOFF_DATABASE_URL=sqlite:///dotenv.db\nHANDOFF_SYNC_INTERVAL=1\n"
        "SF_INSTANCE_URL=https://dotenv.my.salesforce.com\nSF_ACCESS_TOKEN=dotenv\n",
        encoding="utf-8",
    )
    for name, value in {
        "HANDOFF_DATABASE_URL": "postgresql://prod/handoff",
        "HANDOFF_ORG_ID": "00D000000000001AAA",
        "HANDOFF_MAX_WRITES_PER_RUN": "0",
        "HANDOFF_WRITE_MODE": "dry-run",
        "HANDOFF_API_KEYS": "hostile-admin-key-0123456789:admin",
        "HANDOFF_GO_LIVE_AFTER": "2030-01-01",
        "SF_INSTANCE_URL": "https://prod.my.salesforce.com",
        "SF_ACCESS_TOKEN": "prod-token",
        "SF_REFRESH_TOKEN": "prod-refresh",
        "SF_CA_BUNDLE": "/etc/hostile.pem",
        "SF_API_VERSION": "50.0",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


class TestDemoSettings:
    def test_service_settings_are_the_demo_values_whatever_the_environment(
        self, hostile: Path
    ) -> None:
        key = new_admin_key()

        settings = demo_settings(hostile / "demo", admin_key=key, port=18000)

        assert settings.database_url == f"sqlite:///{hostile / 'demo' / 'handoff-demo.db'}"
        assert settings.rules == hostile / "demo" / "rules.yaml"
        assert settings.sync_interval == DEMO_SYNC_INTERVAL
        assert settings.live
        assert settings.max_writes_per_run == 2000
        assert settings.org_id is None
        assert settings.go_live_after is None
        assert [(k.key.get_secret_value(), k.role) for k in settings.api_keys] == [
            (key, Role.ADMIN)
        ]
        assert (settings.host, settings.port) == ("127.0.0.1", 18000)

    def test_salesforce_settings_are_the_simulated_org_whatever_the_environment(
        self, hostile: Path
    ) -> None:
        sf = demo_salesforce_settings(INSTANCE, "sim-token", str(hostile / "ca.pem"))

        assert sf.mode is AuthMode.ACCESS_TOKEN
        assert sf.instance_url == INSTANCE
        assert sf.access_token is not None
        assert sf.access_token.get_secret_value() == "sim-token"
        assert sf.refresh_token is None
        assert sf.ca_bundle == hostile / "ca.pem"
        assert sf.api_version == "66.0"
        assert "sim-token" not in repr(sf)

    def test_admin_keys_are_new_each_run_and_long_enough_for_the_api(self) -> None:
        keys = {new_admin_key() for _ in range(20)}

        assert len(keys) == 20
        assert all(len(k) >= 32 for k in keys)


class TestSampleRules:
    def test_the_sample_with_the_orgs_ids_is_a_valid_rules_file(self) -> None:
        text = render_rules(sample_rules(), IDS)

        ruleset = parse_rules(text)

        assert ruleset.version == 1
        assert IDS["lead_queue"] in text
        assert IDS["marketing"] in text
        assert "${" not in text.replace("${name}", "")

    def test_a_placeholder_the_org_cannot_fill_is_named(self) -> None:
        partial = {k: v for k, v in IDS.items() if k != "lead_queue"}

        with pytest.raises(HandoffError, match=r"\$\{lead_queue\}"):
            render_rules(sample_rules(), partial)


def _page(sobject: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "totalSize": len(records),
        "done": True,
        "records": [
            {
                "attributes": {
                    "type": sobject,
                    "url": f"/services/data/v66.0/sobjects/{sobject}/{r['Id']}",
                }
            }
            | r
            for r in records
        ],
    }


@pytest.fixture
def org() -> Iterator[respx.MockRouter]:
    users = [
        {"Id": "0055g0000000001AAA", "Username": "integration@handoff.sim"},
        {"Id": "0055g0000000002AAA", "Username": "rep1@acme.sim"},
        {"Id": "0055g0000000003AAA", "Username": "rep2@acme.sim"},
        {"Id": "0055g000000000AAAQ", "Username": "marketo@acme.sim"},
    ]
    queues = [
        {"Id": "00G5g0000000001EAA", "DeveloperName": "Inbound_Leads"},
        {"Id": "00G5g0000000002EAA", "DeveloperName": "Support_Cases"},
    ]
    with respx.mock(base_url=INSTANCE, assert_all_called=True) as router:
        query = router.get("/services/data/v66.0/query/")
        query.side_effect = [
            httpx.Response(200, json=_page("User", users)),
            httpx.Response(200, json=_page("Group", queues)),
        ]
        yield router


class TestOrgPlaceholders:
    def test_reps_the_marketing_user_and_the_lead_queue_come_from_the_org(
        self, org: respx.MockRouter
    ) -> None:
        with httpx.Client() as http:
            sf = SalesforceClient(http, AccessTokenAuth(INSTANCE, "sim-token"))
            found = org_placeholders(sf)

        assert found == {
            "rep1": "0055g0000000002AAA",
            "rep2": "0055g0000000003AAA",
            "marketing": "0055g000000000AAAQ",
            "lead_queue": "00G5g0000000001EAA",
        }
        sent = [call.request.url.params["q"] for call in org.calls]
        assert sent == [
            "SELECT Id, Username FROM User",
            "SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue'",
        ]


class TestOneDemoPerFolder:
    def test_a_second_demo_in_a_busy_folder_stops_before_touching_its_store(
        self, tmp_path: Path
    ) -> None:
        (tmp_path / DB_FILE).write_text("the running demo's store", encoding="utf-8")
        said: list[str] = []

        with (tmp_path / LOCK_FILE).open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with pytest.raises(HandoffError, match="another handoff demo is running"):
                run_demo(DemoOptions(folder=tmp_path, serve=False), said.append)

        assert (tmp_path / DB_FILE).read_text(encoding="utf-8") == "the running demo's store"
        assert said == []


class TestStricterSample:
    def test_the_stricter_copy_is_valid_and_stricter(self) -> None:
        text = render_rules(sample_rules(), IDS)

        stricter_text = stricter_rules(text)
        assert stricter_text is not None
        stricter = parse_rules(stricter_text)
        current = parse_rules(text)

        assert (stricter.version, stricter.fit_threshold) == (2, 50)
        assert current.fit_threshold < stricter.fit_threshold

    def test_thresholds_edited_by_hand_make_no_stricter_copy(self) -> None:
        text = render_rules(sample_rules(), IDS).replace("{fit: 40,", "{fit: 45,")

        assert stricter_rules(text) is None
