"""The leads' change counter, and where the last completed choice of leads to decide left off.

Every writer of `leads` stamps the rows it writes with `next_change_seq` (one read of the
counter's index per statement, not per row); an ORM flush of a `Lead` is stamped by a
mapper event (`app.store.models`), so no path changes a lead without moving its counter. The
handoff keeps, per mode, the counter's value when it chose its leads (`SelectionMark`): the
next run of the mode reads only the leads stamped after it.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.store.models import Lead, SelectionMark


def change_seq_now(session: Session) -> int:
    """The counter's highest value in the store (0 when no lead was stamped yet)."""
    return int(session.scalar(select(func.coalesce(func.max(Lead.change_seq), 0))) or 0)


def next_change_seq(session: Session) -> int:
    """The value to stamp on the leads a statement writes: past every stamp so far."""
    return change_seq_now(session) + 1


def mark(session: Session, *, dry_run: bool) -> SelectionMark | None:
    """The mark the last completed selection of this mode left, if any."""
    return session.get(SelectionMark, dry_run)


def clear_mark(session: Session, *, dry_run: bool) -> None:
    """Forget the mode's mark (no commit): the next run of it reads every open lead."""
    session.execute(delete(SelectionMark).where(SelectionMark.dry_run.is_(dry_run)))


def set_mark(session: Session, *, dry_run: bool, change_seq: int, context: str) -> None:
    """Keep where this mode's completed selection left off (no commit)."""
    clear_mark(session, dry_run=dry_run)
    session.add(SelectionMark(dry_run=dry_run, change_seq=change_seq, context=context))
