"""`handoff db upgrade`: apply the store's migrations (needs no Salesforce settings)."""

from __future__ import annotations

import typer

from app.cli.output import Output
from app.settings import load_settings
from app.store.db import make_engine
from app.store.migrate import schema_state, upgrade

db_app = typer.Typer(help="Manage the store's database.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Apply every pending migration to HANDOFF_DATABASE_URL."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        before = schema_state(engine).current
        after = upgrade(engine)
    finally:
        engine.dispose()
    Output().record(
        "Database",
        {"from_revision": before or "none", "revision": after.current, "head": after.head},
    )
