"""What route handlers receive: settings, a database session, the active rules, the time.

Everything comes from `app.state`, where `create_app`'s lifespan put it; nothing is built at
import, so tests make an app with their own settings and database. The dependencies that never
block are `async`, so FastAPI runs them on the event loop instead of sending each to a worker
thread (a thread hop apiece, the larger part of a cached `/handoff/status`). Report routes only
read, so the session is closed without a commit; the few routes that write commit themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.active_rules import ActiveRules, RulesCache
from app.settings import Settings


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


async def get_active_rules(request: Request) -> ActiveRules:
    cache: RulesCache = request.app.state.rules
    return cache.current()


async def get_now() -> datetime:
    """The request's clock: the one place a route reads the time."""
    return datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
RulesDep = Annotated[ActiveRules, Depends(get_active_rules)]
NowDep = Annotated[datetime, Depends(get_now)]
