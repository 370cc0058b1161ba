"""Owner names for report rows, looked up for the few owners a report shows, not joined per row."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import Queue, User

# Keeps each IN list well under every driver's parameter limit.
_CHUNK = 500


def user_names(session: Session, ids: Iterable[object]) -> dict[str, str | None]:
    """Names of the users (or queues: leads sit with queues too) among `ids`."""
    wanted = sorted({str(i) for i in ids if i is not None})
    names: dict[str, str | None] = {}
    for offset in range(0, len(wanted), _CHUNK):
        chunk = wanted[offset : offset + _CHUNK]
        for model in (User, Queue):
            rows = session.execute(select(model.id, model.name).where(model.id.in_(chunk)))
            names.update({row.id: row.name for row in rows})
    return names
