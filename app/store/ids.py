"""Primary keys drawn for many rows before they are inserted.

An insert that must learn its rows' ids (to point other rows at them) otherwise needs
`RETURNING`, which SQLAlchemy sends as multi-row VALUES statements compiled per batch: for a
first run's decisions that was the largest single cost of storing them (1.3 s of 3.0 s at 30,000
leads). With the ids drawn first, the rows go through the driver's `executemany`
(`app.store.many`).
"""

from __future__ import annotations

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` unused ids of `table`'s integer primary key `id`, ascending, for this session's
    transaction to insert.

    PostgreSQL draws them from the column's sequence, so concurrent writers never share one.
    SQLite has no sequence: the next ids are those after the largest, which holds because this
    first takes the database's write lock (a write statement that changes nothing), and SQLite
    lets one transaction write at a time until it commits.
    """
    if count < 1:
        return []
    if session.get_bind().dialect.name == "postgresql":
        drawn = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"table": table.name, "count": count},
        ).scalars()
        return sorted(drawn)
    session.execute(text(f'UPDATE "{table.name}" SET id = id WHERE 0'))  # the write lock
    largest = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(largest + 1, largest + 1 + count))
