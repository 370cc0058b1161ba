"""Schema migrations (Alembic), driven from code so no `alembic.ini` has to be found at run time.

Every command except `handoff db upgrade` checks `schema_state()` first and refuses a schema that
is behind, naming the fix: running against a half-migrated store is how data gets lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.errors import HandoffError

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_state(engine: Engine) -> SchemaState:
    """Which migration the database is at, and which is the newest we ship."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return SchemaState(current=current, head=head)


def upgrade(engine: Engine) -> SchemaState:
    """Apply every pending migration in one transaction per migration."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return schema_state(engine)


def require_current_schema(engine: Engine) -> None:
    """Stop with a clear message unless the database is at the newest migration."""
    state = schema_state(engine)
    if state.current is None:
        raise HandoffError("the database has no Handoff schema yet: run `handoff db upgrade`")
    if not state.up_to_date:
        raise HandoffError(
            f"the database schema is behind ({state.current}, newest {state.head}): "
            "run `handoff db upgrade`"
        )
