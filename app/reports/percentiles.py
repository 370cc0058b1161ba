"""Grouped percentiles computed in the database, on PostgreSQL and on SQLite alike.

PostgreSQL has `percentile_cont`. SQLite has no percentile aggregate, so there each group's values
are ranked with a window function and only the (at most two) rows around each wanted rank come
back; the interpolation between them is the same as `percentile_cont`'s, so the databases agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, SQLColumnExpression, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from app.reports import stats


def grouped_percentiles(
    session: Session,
    value: SQLColumnExpression[Any],
    group: SQLColumnExpression[Any] | None,
    where: Sequence[ColumnElement[bool]],
    fractions: Sequence[float],
) -> dict[Any, list[float | None]]:
    """For each group key (None when ungrouped): the value at each fraction, in order."""
    if session.get_bind().dialect.name == "postgresql":
        return _percentile_cont(session, value, group, where, fractions)
    return _ranked(session, value, group, where, fractions)


def _percentile_cont(
    session: Session,
    value: SQLColumnExpression[Any],
    group: SQLColumnExpression[Any] | None,
    where: Sequence[ColumnElement[bool]],
    fractions: Sequence[float],
) -> dict[Any, list[float | None]]:
    key = (group if group is not None else literal(None)).label("key")
    columns = [func.percentile_cont(f).within_group(value) for f in fractions]
    query = select(key, *columns).where(value.is_not(None), *where)
    if group is not None:
        query = query.group_by(group)
    return {
        row[0]: [None if v is None else float(v) for v in row[1:]] for row in session.execute(query)
    }


def _ranked(
    session: Session,
    value: SQLColumnExpression[Any],
    group: SQLColumnExpression[Any] | None,
    where: Sequence[ColumnElement[bool]],
    fractions: Sequence[float],
) -> dict[Any, list[float | None]]:
    partition = [group] if group is not None else None
    key = (group if group is not None else literal(None)).label("key")
    ranked = (
        select(
            key,
            value.label("value"),
            (func.row_number().over(partition_by=partition, order_by=value) - 1).label("rank"),
            func.count().over(partition_by=partition).label("n"),
        )
        .where(value.is_not(None), *where)
        .subquery()
    )
    wanted = []
    for fraction in fractions:
        lower = cast((ranked.c.n - 1) * fraction, Integer)
        wanted += [ranked.c.rank == lower, ranked.c.rank == lower + 1]
    rows = session.execute(
        select(ranked.c.key, ranked.c.rank, ranked.c.n, ranked.c.value)
        .where(or_(*wanted))
        .order_by(ranked.c.key, ranked.c.rank)
    )
    by_key: dict[Any, dict[int, float]] = defaultdict(dict)
    counts: dict[Any, int] = {}
    for row in rows:
        by_key[row.key][int(row.rank)] = float(row.value)
        counts[row.key] = int(row.n)
    return {key: _picks(values, counts[key], fractions) for key, values in by_key.items()}


def _picks(values: dict[int, float], count: int, fractions: Sequence[float]) -> list[float | None]:
    """Interpolate each fraction's value from the ranked values around it."""
    picks: list[float | None] = []
    for fraction in fractions:
        low, high, weight = stats.percentile_ranks(count, fraction)
        picks.append(stats.interpolate([values[low], values[high]], weight))
    return picks
