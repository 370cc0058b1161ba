"""The demo's settings, built from explicit values only.

The SPEC promises that `handoff demo` can never touch a real org or database, whatever the
environment or `.env` say. Passing `_env_file=None` keeps `.env` out, but pydantic-settings would
still fill every field not given explicitly from `HANDOFF_*` / `SF_*` variables (a stray
`HANDOFF_ORG_ID` would stop the run, `HANDOFF_MAX_WRITES_PER_RUN=0` would block every write). So
the demo uses subclasses whose only source is the constructor's arguments.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from app.settings import ApiKey, Role, SalesforceSettings, Settings

# Short enough that a person watching the demo sees the scheduler work, long enough that a sync
# of the demo org (a few seconds) finishes well inside it.
DEMO_SYNC_INTERVAL = 30
DB_FILE = "handoff-demo.db"
RULES_FILE = "rules.yaml"


class _ArgumentsOnly(BaseSettings):
    """Settings whose only source is the constructor: no environment, no `.env`, no secrets."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        del settings_cls, env_settings, dotenv_settings, file_secret_settings
        return (init_settings,)


class DemoSettings(_ArgumentsOnly, Settings):
    """`Settings` that read nothing but their arguments."""


class DemoSalesforceSettings(_ArgumentsOnly, SalesforceSettings):
    """`SalesforceSettings` that read nothing but their arguments."""


def new_admin_key() -> str:
    """A fresh admin API key for this demo run (printed once, never stored)."""
    return "demo-" + secrets.token_urlsafe(24)


def demo_settings(folder: Path, *, admin_key: str, port: int) -> Settings:
    """The service settings of a demo run: SQLite in `folder`, live writes, a short interval."""
    return DemoSettings(
        _env_file=None,
        database_url=f"sqlite:///{(folder / DB_FILE).resolve()}",
        rules=(folder / RULES_FILE).resolve(),
        sync_interval=DEMO_SYNC_INTERVAL,
        write_mode="live",
        max_writes_per_run=2000,
        go_live_after=None,
        org_id=None,
        api_keys=(ApiKey(key=SecretStr(admin_key), role=Role.ADMIN),),
        host="127.0.0.1",
        port=port,
        log_level="WARNING",
        # The breach receiver is on loopback: no proxy, no SSL_CERT_FILE from the environment.
        webhook_trust_env=False,
        # Signs the dashboard's session cookies; new each run, like the admin key.
        secret_key=SecretStr(secrets.token_urlsafe(32)),
    )


def demo_salesforce_settings(
    instance_url: str, access_token: str, ca_file: str | None
) -> SalesforceSettings:
    """Access-token mode against the simulated org, trusting only its throwaway CA."""
    return DemoSalesforceSettings(
        _env_file=None,
        instance_url=instance_url,
        access_token=SecretStr(access_token),
        ca_bundle=Path(ca_file) if ca_file else None,
    )
