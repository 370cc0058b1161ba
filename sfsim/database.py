"""All tables of one org, found by object name or by an id's key prefix."""

from __future__ import annotations

from sfsim import ids
from sfsim.errors import invalid_type
from sfsim.objects import standard_objects
from sfsim.table import Table


class Database:
    """The org's tables. Not thread-safe by itself: the Org holds the lock."""

    def __init__(self) -> None:
        self._by_name: dict[str, Table] = {}
        self._by_prefix: dict[str, Table] = {}
        for definition in standard_objects():
            table = Table(definition)
            self._by_name[definition.name.lower()] = table
            self._by_prefix[definition.prefix] = table

    def table(self, name: str) -> Table:
        """The table of object `name` (any case); INVALID_TYPE if the org has no such object."""
        table = self._by_name.get(name.lower())
        if table is None:
            raise invalid_type(name)
        return table

    def names(self) -> list[str]:
        """Canonical names of every object."""
        return [t.definition.name for t in self._by_name.values()]

    def locate(self, record_id: str | None) -> tuple[Table, int] | None:
        """The table and row of any id, or None when it names nothing alive in this org."""
        if record_id is None or not ids.is_well_formed(record_id):
            return None
        table = self._by_prefix.get(ids.prefix_of(record_id))
        if table is None:
            return None
        row = table.row_of(ids.to18(record_id))
        return None if row is None else (table, row)

    def locate_known(self, record_id: str | None) -> tuple[Table, int] | None:
        """`locate` for ids the org stored itself (lookup fields): no checksum work."""
        if record_id is None:
            return None
        table = self._by_prefix.get(record_id[:3])
        if table is None:
            return None
        row = ids.number_of_known(record_id)
        if row is None or row < 0 or row >= table.size or not table.exists(row):
            return None
        return table, row
