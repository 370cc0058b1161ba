"""`handoff check-connection`: prove the Salesforce settings work, writing nothing."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from app.cli.context import open_store
from app.cli.output import Output
from app.salesforce import connect
from app.settings import (
    AuthMode,
    SalesforceSettings,
    Settings,
    load_salesforce_settings,
    load_settings,
)


def check_connection(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Authenticate, then show the org, the integration user and the API usage."""
    settings = load_settings()
    sf_settings = load_salesforce_settings()
    if sf_settings.mode is not AuthMode.REFRESH_TOKEN:
        _check(sf_settings, settings, None, as_json)
        return
    engine, sessions = open_store(settings)  # a rotated refresh token must be kept
    try:
        _check(sf_settings, settings, sessions, as_json)
    finally:
        engine.dispose()


def _check(
    sf_settings: SalesforceSettings,
    settings: Settings,
    sessions: sessionmaker[Session] | None,
    as_json: bool,
) -> None:
    """Log in and print what the org says (only the refresh-token mode needs the store)."""
    with connect(sf_settings, settings, sessions) as sf:
        identity = sf.identity()
        sf.limits()  # one cheap call that fills the usage counter from Sforce-Limit-Info
        usage = sf.usage
        Output(as_json=as_json).record(
            "Salesforce connection",
            {
                "auth_mode": str(sf_settings.mode),
                "instance_url": sf.instance_url,
                "org_id": identity.org_id,
                "user_id": identity.user_id,
                "username": identity.username,
                "api_version": sf_settings.api_version,
                "api_used": usage.used,
                "api_max": usage.max,
            },
        )
