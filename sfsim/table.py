"""Column-wise storage for one object's rows.

One typed column per field (arrays of machine ints and floats, byte arrays for booleans, lists
of shared strings for text) instead of a dict per record: a million leads fit in a few hundred
MB. Ids are not stored at all; they encode the row number (`ids.py`).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from sfsim import ids
from sfsim.schema import FieldDef, Kind, ObjectDef

NULL_INT = -(2**63)
Column: TypeAlias = "list[Any] | array[Any] | bytearray"
Getter = Callable[[int], Any]


def _new_column(kind: Kind, n: int) -> Column:
    if kind is Kind.BOOL:
        return bytearray(n)
    if kind in (Kind.INT, Kind.DATE, Kind.DATETIME):
        return array("q", [NULL_INT]) * n
    if kind is Kind.REAL:
        return array("d", [math.nan]) * n
    return [None] * n


def _pack(kind: Kind, values: Sequence[Any]) -> Column:
    if kind is Kind.BOOL:
        return bytearray(1 if v else 0 for v in values)
    if kind in (Kind.INT, Kind.DATE, Kind.DATETIME):
        return array("q", [NULL_INT if v is None else v for v in values])
    if kind is Kind.REAL:
        return array("d", [math.nan if v is None else v for v in values])
    return list(values)


def _store(kind: Kind, value: Any) -> Any:
    if kind is Kind.BOOL:
        return 1 if value else 0
    if value is None:
        return NULL_INT if kind in (Kind.INT, Kind.DATE, Kind.DATETIME) else (
            math.nan if kind is Kind.REAL else None
        )  # fmt: skip
    return value


def _reader(kind: Kind, column: Column) -> Getter:
    if kind is Kind.BOOL:
        return lambda row: column[row] == 1
    if kind in (Kind.INT, Kind.DATE, Kind.DATETIME):

        def read_int(row: int) -> int | None:
            value: int = column[row]
            return None if value == NULL_INT else value

        return read_int
    if kind is Kind.REAL:

        def read_real(row: int) -> float | None:
            value: float = column[row]
            return None if math.isnan(value) else value

        return read_real
    return column.__getitem__


class Table:
    """The rows of one object: typed columns indexed by row number."""

    def __init__(self, definition: ObjectDef) -> None:
        self.definition = definition
        self.size = 0
        self._purged = bytearray()
        self._columns: dict[str, Column] = {}
        for f in definition.fields:
            if f.kind is not Kind.ID:
                self._columns[f.name] = _new_column(f.kind, 0)
        self._getters: dict[str, Getter] = {}
        self._build_getters()

    def _build_getters(self) -> None:
        prefix = self.definition.prefix
        self._getters = {"Id": lambda row: ids.make_id(prefix, row)}
        for f in self.definition.fields:
            if f.kind is not Kind.ID:
                self._getters[f.name] = _reader(f.kind, self._columns[f.name])
        names = {f.name for f in self.definition.fields}
        if {"FirstName", "LastName", "Name"} <= names:
            first, last = self._getters["FirstName"], self._getters["LastName"]

            def full_name(row: int) -> str:
                given = first(row)
                return f"{given} {last(row)}" if given else str(last(row))

            self._getters["Name"] = full_name

    def add_column(self, definition: FieldDef) -> None:
        """Store a newly declared field; existing rows read it as null."""
        self._columns[definition.name] = _new_column(definition.kind, self.size)
        self._getters[definition.name] = _reader(definition.kind, self._columns[definition.name])

    def append(self, values: Mapping[str, Any]) -> int:
        """Add one row (fields by canonical name; missing fields are null) and return its number."""
        for f in self.definition.fields:
            if f.kind is not Kind.ID:
                column = self._columns[f.name]
                column.append(_store(f.kind, values.get(f.name)))
        self._purged.append(0)
        self.size += 1
        return self.size - 1

    def extend(self, count: int, columns: Mapping[str, Sequence[Any]]) -> range:
        """Add `count` rows column by column (the generator's fast path)."""
        for f in self.definition.fields:
            if f.kind is Kind.ID:
                continue
            given = columns.get(f.name)
            if given is not None and len(given) != count:
                raise ValueError(f"{f.name}: {len(given)} values for {count} rows")
            packed = _pack(f.kind, given) if given is not None else _new_column(f.kind, count)
            self._columns[f.name].extend(packed)
        self._purged.extend(bytes(count))
        start = self.size
        self.size += count
        return range(start, self.size)

    def getter(self, name: str) -> Getter:
        """A fast reader of field `name` (canonical) by row number."""
        return self._getters[name]

    def raw_key(self, name: str) -> Getter | None:
        """A C-level reader of a never-null numeric or time column, for sorting; else None."""
        definition = self.definition.field(name)
        if definition is None or definition.nillable:
            return None
        if definition.kind not in (Kind.INT, Kind.REAL, Kind.DATE, Kind.DATETIME):
            return None
        return self._columns[definition.name].__getitem__

    def get(self, row: int, name: str) -> Any:
        """The value of field `name` in `row` (None when null)."""
        return self._getters[name](row)

    def set(self, row: int, name: str, value: Any) -> None:
        """Overwrite one stored value."""
        definition = self.definition.field(name)
        if definition is None or definition.kind is Kind.ID:
            raise KeyError(name)
        self._columns[definition.name][row] = _store(definition.kind, value)

    def id_of(self, row: int) -> str:
        """The 18-char id of a row."""
        return ids.make_id(self.definition.prefix, row)

    def row_of(self, record_id: str) -> int | None:
        """The row behind an id of this object, or None (unknown, other object, purged)."""
        row = ids.number_of(record_id, self.definition.prefix)
        if row is None or row >= self.size or self._purged[row]:
            return None
        return row

    def exists(self, row: int) -> bool:
        """False once a row is hard-deleted."""
        return not self._purged[row]

    def purge(self, row: int) -> None:
        """Hard-delete a row: it disappears from queryAll too."""
        self._purged[row] = 1

    def record(self, row: int) -> dict[str, Any]:
        """All fields of a row as a dict (for the control surface; not the wire format)."""
        return {name: get(row) for name, get in self._getters.items()}
