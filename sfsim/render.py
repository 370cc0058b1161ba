"""Records in Salesforce's JSON shape: `attributes` first, every selected field present, lookups
nested with their own `attributes` (the generic `Name` type for polymorphic ones)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sfsim.database import Database
from sfsim.schema import FieldDef, Kind
from sfsim.soql.resolve import Resolved, name_entity_type
from sfsim.table import Table
from sfsim.values import format_date, format_datetime

Formatter = Callable[[Any], Any]
RowRenderer = Callable[[Sequence[int]], list[dict[str, Any]]]
Step = Callable[[int, dict[str, Any], dict[Any, Any]], None]


def formatter(definition: FieldDef) -> Formatter:
    """How a stored value of this field goes on the wire."""
    kind = definition.kind
    if kind is Kind.DATETIME:
        return lambda v: None if v is None else format_datetime(v)
    if kind is Kind.DATE:
        return lambda v: None if v is None else format_date(v)
    if kind is Kind.REAL:
        return lambda v: None if v is None else float(v)
    return lambda v: v


def _converter(definition: FieldDef) -> Formatter | None:
    """The conversion of a non-null stored value, or None when it goes out as stored."""
    converters: dict[Kind, Formatter] = {
        Kind.DATETIME: format_datetime, Kind.DATE: format_date, Kind.REAL: float,
    }  # fmt: skip
    return converters.get(definition.kind)


def _nested(db: Database, table: Table, lookup: FieldDef, fields: list[FieldDef],
            base: str) -> Step:  # fmt: skip
    ref = table.getter(lookup.name)
    name = str(lookup.relationship_name)
    formats = [(f.name, formatter(f)) for f in fields]

    def build(target: str | None) -> dict[str, Any] | None:
        located = db.locate_known(target)
        if located is None:
            return None
        other, other_row = located
        concrete = other.definition.name
        shown = "Name" if lookup.polymorphic else concrete
        nested: dict[str, Any] = {
            "attributes": {"type": shown, "url": f"{base}/{concrete}/{other.id_of(other_row)}"}
        }
        for field_name, fmt in formats:
            if field_name == "Type" and lookup.polymorphic:
                nested[field_name] = name_entity_type(other, other_row)
            elif other.definition.field(field_name) is None:
                nested[field_name] = None
            else:
                nested[field_name] = fmt(other.get(other_row, field_name))
        return nested

    def put(row: int, out: dict[str, Any], cache: dict[Any, Any]) -> None:
        # Many rows share an owner: build each parent once per page.
        target = ref(row)
        key = (name, target)
        if key not in cache:
            cache[key] = build(target)
        out[name] = cache[key]

    return put


Entry = tuple[str, Callable[[int], Any] | None, Formatter | None, Step | None]


def _entries(db: Database, table: Table, fields: list[Resolved], base: str) -> list[Entry]:
    """One entry per output key, in SOQL order: a plain field (reader, converter) or a lookup
    (builder of the nested parent); the fields read across one lookup share its entry."""
    groups: dict[str, tuple[FieldDef, list[FieldDef]]] = {}
    order: list[Resolved | str] = []
    for resolved in fields:
        if resolved.via is None:
            order.append(resolved)
            continue
        rel = str(resolved.via.relationship_name)
        if rel not in groups:
            groups[rel] = (resolved.via, [])
            order.append(rel)
        if resolved.definition not in groups[rel][1]:
            groups[rel][1].append(resolved.definition)
    entries: list[Entry] = []
    for item in order:
        if isinstance(item, str):
            entries.append((item, None, None, _nested(db, table, *groups[item], base)))
        elif item.key == "Id":
            entries.append(("Id", None, None, None))
        else:
            entries.append((item.key, item.read, _converter(item.definition), None))
    return entries


def row_renderer(db: Database, table: Table, fields: list[Resolved], version: str) -> RowRenderer:
    """Build a function rendering rows with the selected fields, in SOQL order."""
    base = f"/services/data/v{version}/sobjects"
    type_name = table.definition.name
    entries = _entries(db, table, fields, base)
    id_of = table.id_of

    def render(rows: Sequence[int]) -> list[dict[str, Any]]:
        cache: dict[Any, Any] = {}
        records = []
        for row in rows:
            record_id = id_of(row)
            out: dict[str, Any] = {
                "attributes": {"type": type_name, "url": f"{base}/{type_name}/{record_id}"}
            }
            for key, read, convert, nested in entries:
                if nested is not None:
                    nested(row, out, cache)
                elif read is None:
                    out[key] = record_id
                else:
                    value = read(row)
                    out[key] = value if convert is None or value is None else convert(value)
            records.append(out)
        return records

    return render
