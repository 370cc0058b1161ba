"""One statement run for many rows through the driver's own `executemany`.

SQLAlchemy's `session.execute(statement, rows)` builds each row's parameters through its general
machinery (defaults, key checks, a type processor looked up per value): at a hundred thousand
leads a page upsert spent as long there as in SQLite. Here the statement is compiled once for
the keys of the first row, each parameter's type processor is looked up once, and the rows go to
the driver as plain tuples (or dicts, for a driver with named parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter

# A parameter's source: the row's value under `key` through `process`, or one fixed value.
_Step = tuple[str, Callable[[Any], Any] | None, Any]
_FROM_ROW = object()


def execute_many(session: Session, statement: Executable, rows: Sequence[dict[str, Any]]) -> None:
    """Run `statement` once per row of `rows` (every row with the keys of the first) inside
    the session's transaction; values pass through their column types as usual. Unlike
    `session.execute`, a column the rows leave out takes no default: it is an error."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = statement.compile(dialect=dialect, column_keys=keys)  # type: ignore[attr-defined]
    names = list(compiled.positiontup) if dialect.positional else list(compiled.binds)
    table = getattr(statement, "table", None)
    steps = [_step(compiled.binds[name], keys, dialect, table) for name in names]
    params: list[Any]
    if dialect.positional:
        params = _positional(rows, steps)
    else:
        params = [
            {name: _value(row, step) for name, step in zip(names, steps, strict=True)}
            for row in rows
        ]
    connection.exec_driver_sql(str(compiled), params)


def _positional(rows: Sequence[dict[str, Any]], steps: list[_Step]) -> list[tuple[Any, ...]]:
    """Each row's values in the statement's order: picked in one C call, then only the
    columns with a type processor (or a fixed value) changed."""
    present = next(iter(rows[0]))  # a fixed value's place is picked from any key, then set
    keys = [key if fixed is _FROM_ROW else present for key, _process, fixed in steps]
    pick = itemgetter(*keys)
    changes = [
        (at, process, fixed)
        for at, (_key, process, fixed) in enumerate(steps)
        if process is not None or fixed is not _FROM_ROW
    ]
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(pick(row)) if len(keys) > 1 else [row[keys[0]]]
        for at, process, fixed in changes:
            values[at] = fixed if process is None else process(values[at])
        params.append(tuple(values))  # SQLAlchemy hands the driver tuples only
    return params


def _step(bind: BindParameter[Any], keys: list[str], dialect: Any, table: Any) -> _Step:
    process = bind.type.bind_processor(dialect)
    if bind.key in keys:
        return (bind.key, process, _FROM_ROW)
    value = bind.value
    if value is None and table is not None and bind.key in table.c:
        # A column the rows leave out takes its default, as in `session.execute`: only a
        # constant one; a computed default is the caller's to give.
        default = table.c[bind.key].default
        if default is None or not default.is_scalar:
            raise ValueError(f"execute_many: the rows have no value for {bind.key!r}")
        value = default.arg
    elif bind.required:
        raise ValueError(f"execute_many: the rows have no value for {bind.key!r}")
    return (bind.key, None, process(value) if process else value)


def _value(row: dict[str, Any], step: _Step) -> Any:
    key, process, fixed = step
    if fixed is not _FROM_ROW:
        return fixed
    value = row[key]
    return process(value) if process is not None else value
