"""Percentiles per group and over all groups, from one read of the rows, on both databases.

A report shows each owner's figures and the total, and both come from the same rows: reading
them twice doubles the cost. PostgreSQL computes both with `percentile_cont` over grouping sets
(the group and the empty set) in one statement. SQLite has no percentile aggregate and ranking
with window functions sorts the rows three times (three times slower than the rest of the report
at a million leads), so there the wanted values come back once, sorted by group and value, and
the interpolation is done here with `percentile_cont`'s definition, so the databases agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, func, select, text
from sqlalchemy.orm import Session

from app.reports import stats


@dataclass(frozen=True)
class Percentiles:
    """The value at each wanted fraction, in order: per group key, and over every row."""

    by_group: dict[Any, list[float | None]] = field(default_factory=dict)
    total: list[float | None] = field(default_factory=list)


def grouped_percentiles(
    session: Session,
    value: SQLColumnExpression[Any],
    group: SQLColumnExpression[Any],
    where: Sequence[ColumnElement[bool]],
    fractions: Sequence[float],
) -> Percentiles:
    """Percentiles of `value` (nulls left out) over the rows matching `where`."""
    if session.get_bind().dialect.name == "postgresql":
        return _percentile_cont(session, value, group, where, fractions)
    return _sorted_values(session, value, group, where, fractions)


def _percentile_cont(
    session: Session,
    value: SQLColumnExpression[Any],
    group: SQLColumnExpression[Any],
    where: Sequence[ColumnElement[bool]],
    fractions: Sequence[float],
) -> Percentiles:
    columns = [func.percentile_cont(f).within_group(value) for f in fractions]
    query = (
        select(func.grouping(group), group, *columns)
        .where(value.is_not(None), *where)
        .group_by(func.grouping_sets(group, text("()")))
    )
    result = Percentiles(total=[None] * len(fractions))
    for is_total, key, *values in session.execute(query):
        picks = [None if v is None else float(v) for v in values]
        if is_total:
            result.total[:] = picks
        else:
            result.by_group[key] = picks
    return result


def _sorted_values(
    session: Session,
    value: SQLColumnExpression[Any],
    group: SQLColumnExpression[Any],
    where: Sequence[ColumnElement[bool]],
    fractions: Sequence[float],
) -> Percentiles:
    query = select(group, value).where(value.is_not(None), *where).order_by(group, value)
    rows = session.execute(query).all()
    by_group = {
        key: pick([float(row[1]) for row in members], fractions)
        for key, members in groupby(rows, key=lambda row: row[0])
    }
    return Percentiles(
        by_group=by_group, total=pick(sorted(float(row[1]) for row in rows), fractions)
    )


def pick(ordered: Sequence[float], fractions: Sequence[float]) -> list[float | None]:
    """The value at each fraction of `ordered` (ascending), interpolated as `percentile_cont`."""
    if not ordered:
        return [None] * len(fractions)
    picks: list[float | None] = []
    for fraction in fractions:
        low, high, weight = stats.percentile_ranks(len(ordered), fraction)
        picks.append(stats.interpolate([ordered[low], ordered[high]], weight))
    return picks
