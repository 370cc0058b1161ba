"""What every command that reads the store does first: open it and refuse a stale schema.

Only `handoff db upgrade` skips the check (it is the fix the check names).
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import require_current_schema


def open_store(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    """The engine and sessions for `settings.database_url`, or a `HandoffError` naming the fix.

    The caller disposes of the engine when it is done.
    """
    engine = make_engine(settings.database_url)
    try:
        require_current_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine, make_sessionmaker(engine)
