"""Running SOQL against the org: matching, ordering, paging through server-side cursors.

A cursor is a snapshot of the matched row numbers taken when the query runs; each page reads the
rows' current values, as Salesforce does with its query locators.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sfsim import ids
from sfsim.database import Database
from sfsim.errors import SfError, malformed_query
from sfsim.render import RowRenderer, row_renderer
from sfsim.soql.ast import And, Compare, Condition, In
from sfsim.soql.evaluate import compile_condition, sort_rows
from sfsim.soql.parser import parse
from sfsim.soql.resolve import Resolved, resolve
from sfsim.table import Table

DEFAULT_BATCH = 2000
MIN_BATCH = 200
_MAX_CURSORS = 500


@dataclass
class _Cursor:
    rows: array[int]
    render: RowRenderer
    endpoint: str
    batch: int
    session: str | None = None


def _column(resolved: Resolved) -> str:
    """The field's API name as a Bulk CSV header shows it (`Owner.Type` across a lookup)."""
    name = resolved.definition.name
    return name if resolved.via is None else f"{resolved.via.relationship_name}.{name}"


@dataclass
class Selection:
    """A statement's matched rows (a snapshot of row numbers) and how to render them."""

    sobject: str
    rows: array[int]
    render: RowRenderer
    columns: list[str]
    count: bool


def batch_size_from(header: str | None) -> int | None:
    """The page size asked for in `Sforce-Query-Options: batchSize=N` (200..2000), if any."""
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "batchsize" and value.strip().isdigit():
            return max(MIN_BATCH, min(DEFAULT_BATCH, int(value)))
    return None


def invalid_locator() -> SfError:
    """The answer for a cursor that expired, was closed, or belongs to another session."""
    return SfError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")


class QueryEngine:
    """Runs statements and keeps their cursors. The caller holds the org lock."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._issued = 0

    def select(self, soql: str, *, include_deleted: bool, version: str) -> Selection:
        """The rows a statement matches, in order, with the renderer of its selected fields."""
        query = parse(soql)
        table = self._db.table(query.sobject)
        selected = []
        seen: set[str] = set()
        for path in query.fields:
            resolved = resolve(self._db, table, path)
            if resolved.key.lower() in seen:
                raise malformed_query(soql, path.column, f"duplicate field selected: {path.text}")
            seen.add(resolved.key.lower())
            selected.append(resolved)
        deleted = table.getter("IsDeleted")
        exists = table.exists
        where = compile_condition(self._db, table, query.where) if query.where else None
        candidates = _id_rows(table, query.where) if query.where else None
        rows = [
            r
            for r in (range(table.size) if candidates is None else candidates)
            if exists(r) and (include_deleted or not deleted(r)) and (where is None or where(r))
        ]
        if query.order:
            sort_rows(self._db, table, rows, query.order)
        if query.limit is not None:
            del rows[query.limit :]
        return Selection(table.definition.name, array("q", rows),
                         row_renderer(self._db, table, selected, version),
                         [_column(r) for r in selected], query.count)  # fmt: skip

    def run(self, soql: str, *, include_deleted: bool, version: str, batch: int | None = None,
            session: str | None = None) -> dict[str, Any]:  # fmt: skip
        """The first page of a query (or the count for `SELECT COUNT()`)."""
        selection = self.select(soql, include_deleted=include_deleted, version=version)
        if selection.count:
            return {"totalSize": len(selection.rows), "done": True, "records": []}
        endpoint = "queryAll" if include_deleted else "query"
        cursor = _Cursor(selection.rows, selection.render, endpoint, batch or DEFAULT_BATCH,
                         session)  # fmt: skip
        locator = ids.make_id("0r8", self._issued)
        self._issued += 1
        self._cursors[locator] = cursor
        while len(self._cursors) > _MAX_CURSORS:
            self._cursors.popitem(last=False)
        return self._page(locator, cursor, 0, cursor.batch, version)

    def more(self, token: str, *, version: str, batch: int | None = None,
             session: str | None = None) -> dict[str, Any]:  # fmt: skip
        """The page at a `nextRecordsUrl` locator (`0r8...-2000`); the query's batch size
        unless the request asks for another. A locator opened by another session (before a
        re-authentication) is refused, as Salesforce does."""
        locator, _, offset = token.partition("-")
        cursor = self._cursors.get(locator)
        if cursor is None or not offset.isdigit() or int(offset) > len(cursor.rows):
            raise invalid_locator()
        if cursor.session is not None and session is not None and cursor.session != session:
            raise invalid_locator()
        return self._page(locator, cursor, int(offset), batch or cursor.batch, version)

    def _page(self, locator: str, cursor: _Cursor, offset: int, batch: int, version: str
              ) -> dict[str, Any]:  # fmt: skip
        end = min(offset + batch, len(cursor.rows))
        render = cursor.render
        page: dict[str, Any] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows)}
        if end < len(cursor.rows):
            page["nextRecordsUrl"] = f"/services/data/v{version}/{cursor.endpoint}/{locator}-{end}"
        page["records"] = render(cursor.rows[offset:end])
        return page


def _id_rows(table: Table, where: Condition) -> list[int] | None:
    """The only rows `where` can match when it pins the Id (`Id IN (...)` or `Id = ...`, alone
    or in an AND), found by Id as Salesforce finds them through its Id index; None to scan.

    Only 18-character Ids this table issued qualify (they are unique ignoring case, so the rows
    found are all the condition can match; it is still evaluated on each).
    """
    for part in where.parts if isinstance(where, And) else (where,):
        if isinstance(part, In) and not part.negated:
            path, values = part.path, [literal.value for literal in part.values]
        elif isinstance(part, Compare) and part.op == "=":
            path, values = part.path, [part.value.value]
        else:
            continue
        if [name.lower() for name in path.parts] != ["id"]:
            continue
        found = [table.row_of(v) if isinstance(v, str) and len(v) == 18 else None for v in values]
        if any(row is None for row in found):
            return None
        return sorted({row for row in found if row is not None})
    return None
