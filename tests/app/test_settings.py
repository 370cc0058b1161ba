"""Settings: defaults, normalisation, one message per bad value, auth-mode selection, secrets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.settings import (
    AuthMode,
    SettingsError,
    load_salesforce_settings,
    load_settings,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No HANDOFF_/SF_ variable and no .env leaks in from the machine running the tests."""
    import os

    for name in list(os.environ):
        if name.startswith(("HANDOFF_", "SF_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


class TestSettings:
    def test_defaults_match_the_spec(self) -> None:
        settings = load_settings()
        assert settings.database_url == "sqlite:///./handoff.db"
        assert str(settings.rules) == "rules.yaml"
        assert settings.sync_interval == 300
        assert settings.write_mode == "dry-run"
        assert settings.max_writes_per_run == 2000
        assert (settings.host, settings.port) == ("127.0.0.1", 8000)
        assert settings.go_live_after is None

    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
            ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
            ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
            ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ],
    )
    def test_database_url_is_normalised_to_psycopg3(self, given: str, expected: str) -> None:
        assert load_settings(database_url=given).database_url == expected

    def test_environment_and_dotenv_are_read(self, monkeypatch, tmp_path) -> None:
        (tmp_path / ".env").write_text("HANDOFF_SYNC_INTERVAL=0\nHANDOFF_WRITE_MODE=live\n")
        monkeypatch.setenv("HANDOFF_PORT", "9000")
        settings = load_settings()
        assert (settings.sync_interval, settings.write_mode, settings.port) == (0, "live", 9000)

    def test_every_bad_value_is_named_at_once(self, monkeypatch) -> None:
        monkeypatch.setenv("HANDOFF_WRITE_MODE", "yolo")
        monkeypatch.setenv("HANDOFF_SYNC_INTERVAL", "-5")
        monkeypatch.setenv("HANDOFF_DATABASE_URL", "mysql://x")
        with pytest.raises(SettingsError) as caught:
            load_settings()
        names = [problem.split(":")[0] for problem in caught.value.problems]
        assert sorted(names) == [
            "HANDOFF_DATABASE_URL",
            "HANDOFF_SYNC_INTERVAL",
            "HANDOFF_WRITE_MODE",
        ]

    def test_go_live_without_zone_is_utc(self) -> None:
        settings = load_settings(go_live_after="2026-03-01T09:00")
        assert settings.go_live_after == datetime(2026, 3, 1, 9, tzinfo=UTC)

    def test_org_id_must_look_like_an_org_id(self) -> None:
        with pytest.raises(SettingsError, match="HANDOFF_ORG_ID"):
            load_settings(org_id="005000000000001")
        assert load_settings(org_id="00D000000000001").org_id == "00D000000000001"

    def test_api_keys_parse_and_never_show(self) -> None:
        secret = "k" * 20 + "SECRETVALUE"
        settings = load_settings(api_keys=f"{secret}:admin, {'r' * 24}:read")
        assert [key.role for key in settings.api_keys] == ["admin", "read"]
        assert secret not in repr(settings)
        assert secret not in str(settings)

    def test_secret_key_is_long_and_never_shown(self) -> None:
        with pytest.raises(SettingsError, match=r"HANDOFF_SECRET_KEY: .*at least 32") as bad:
            load_settings(secret_key="tooShortSecretValue")
        assert "tooShortSecretValue" not in str(bad.value)
        key = "s" * 30 + "SECRETVALUE"
        settings = load_settings(secret_key=key)
        assert settings.secret_key is not None
        assert settings.secret_key.get_secret_value() == key
        assert key not in repr(settings)

    def test_api_budget_and_duplicate_header_defaults(self) -> None:
        settings = load_settings()
        assert (settings.api_budget_percent, settings.duplicate_rule_allow_save) == (50, True)
        with pytest.raises(SettingsError, match="HANDOFF_API_BUDGET_PERCENT"):
            load_settings(api_budget_percent=0)

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("justakeywithoutrole", "not key:role"),
            ("abcdefghijklmnopqrs:owner", "role 'owner'"),
            ("short:read", "at least 16"),
        ],
    )
    def test_bad_api_keys_are_explained_without_echoing_the_key(self, value, message) -> None:
        with pytest.raises(SettingsError) as caught:
            load_settings(api_keys=value)
        text = str(caught.value)
        assert message in text
        assert value.split(":")[0] not in text


class TestSalesforceSettings:
    def test_access_token_mode(self, monkeypatch) -> None:
        monkeypatch.setenv("SF_INSTANCE_URL", "https://127.0.0.1:8443")
        monkeypatch.setenv("SF_ACCESS_TOKEN", "00Dxx!token")
        sf = load_salesforce_settings()
        assert sf.mode is AuthMode.ACCESS_TOKEN
        assert sf.instance_url == "https://127.0.0.1:8443"
        assert sf.api_version == "66.0"

    @pytest.mark.parametrize(
        ("given", "mode", "missing"),
        [
            ({"instance_url": "https://x"}, "access-token", ["SF_ACCESS_TOKEN"]),
            ({"access_token": "t"}, "access-token", ["SF_INSTANCE_URL"]),
            ({"refresh_token": "r"}, "refresh-token", ["SF_CONSUMER_KEY"]),
            ({"private_key_file": "k.pem"}, "jwt-bearer", ["SF_USERNAME", "SF_CONSUMER_KEY"]),
            ({"password": "p"}, "username-password", ["SF_USERNAME", "SF_SECURITY_TOKEN"]),
            ({"consumer_key": "ck"}, "client-credentials", ["SF_CONSUMER_SECRET"]),
        ],
    )
    def test_a_partial_mode_names_its_missing_variables(self, given, mode, missing) -> None:
        with pytest.raises(SettingsError) as caught:
            load_salesforce_settings(**given)
        text = str(caught.value)
        assert f"{mode} mode is missing {', '.join(missing)}" in text

    def test_nothing_configured_says_what_to_set(self) -> None:
        with pytest.raises(SettingsError, match="no Salesforce connection is configured"):
            load_salesforce_settings()

    def test_two_modes_at_once_is_an_error(self) -> None:
        with pytest.raises(SettingsError, match="choose one Salesforce auth mode"):
            load_salesforce_settings(access_token="a", instance_url="https://x", refresh_token="r")

    @pytest.mark.parametrize("domain", ["login", "test", "LOGIN"])
    def test_client_credentials_needs_a_my_domain(self, domain: str) -> None:
        with pytest.raises(SettingsError, match="My Domain"):
            load_salesforce_settings(consumer_key="ck", consumer_secret="cs", domain=domain)

    def test_each_complete_mode_is_recognised(self) -> None:
        cases = {
            AuthMode.REFRESH_TOKEN: {"refresh_token": "r", "consumer_key": "ck"},
            AuthMode.JWT_BEARER: {
                "private_key_file": "k.pem",
                "username": "u@x.com",
                "consumer_key": "ck",
            },
            AuthMode.CLIENT_CREDENTIALS: {
                "consumer_key": "ck",
                "consumer_secret": "cs",
                "domain": "acme.my",
            },
            AuthMode.USERNAME_PASSWORD: {
                "username": "u@x.com",
                "password": "p",
                "security_token": "",
            },
        }
        for mode, values in cases.items():
            assert load_salesforce_settings(**values).mode is mode

    def test_secrets_never_show_in_repr_or_errors(self) -> None:
        secrets = {
            "access_token": "00Dxx!TOKEN-abc",
            "password": "hunter2-PASSWORD",
            "consumer_secret": "CONSUMER-SECRET-xyz",
        }
        sf = load_salesforce_settings(
            access_token=secrets["access_token"], instance_url="https://x"
        )
        assert secrets["access_token"] not in repr(sf)
        with pytest.raises(SettingsError) as caught:
            load_salesforce_settings(
                password=secrets["password"], consumer_secret=secrets["consumer_secret"]
            )
        for value in secrets.values():
            assert value not in str(caught.value)
