"""Records in Salesforce's JSON shape: `attributes` first, every selected field present, lookups
nested with their own `attributes` (the generic `Name` type for polymorphic ones)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sfsim.database import Database
from sfsim.schema import FieldDef, Kind
from sfsim.soql.resolve import Resolved, name_entity_type
from sfsim.table import Table
from sfsim.values import format_date, format_datetime

Formatter = Callable[[Any], Any]
RowRenderer = Callable[[int], dict[str, Any]]


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


def _plain(
    key: str, read: Callable[[int], Any], fmt: Formatter
) -> Callable[[int, dict[str, Any]], None]:
    def put(row: int, out: dict[str, Any]) -> None:
        out[key] = fmt(read(row))

    return put


def _nested(db: Database, table: Table, lookup: FieldDef, fields: list[FieldDef],
            base: str) -> Callable[[int, dict[str, Any]], None]:  # fmt: skip
    ref = table.getter(lookup.name)
    name = str(lookup.relationship_name)
    formats = [(f.name, formatter(f)) for f in fields]

    def put(row: int, out: dict[str, Any]) -> None:
        located = db.locate(ref(row))
        if located is None:
            out[name] = None
            return
        other, other_row = located
        concrete = other.definition.name
        shown = "Name" if lookup.polymorphic else concrete
        target_id = other.id_of(other_row)
        nested: dict[str, Any] = {
            "attributes": {"type": shown, "url": f"{base}/{concrete}/{target_id}"}
        }
        for field_name, fmt in formats:
            if field_name == "Type" and lookup.polymorphic:
                nested[field_name] = name_entity_type(other, other_row)
            elif other.definition.field(field_name) is None:
                nested[field_name] = None
            else:
                nested[field_name] = fmt(other.get(other_row, field_name))
        out[name] = nested

    return put


def row_renderer(db: Database, table: Table, fields: list[Resolved], version: str) -> RowRenderer:
    """Build a function rendering one row with the selected fields, in SOQL order."""
    base = f"/services/data/v{version}/sobjects"
    type_name = table.definition.name
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
    steps = [
        _nested(db, table, *groups[item], base)
        if isinstance(item, str)
        else _plain(item.key, item.read, formatter(item.definition))
        for item in order
    ]
    id_of = table.id_of

    def render(row: int) -> dict[str, Any]:
        record_id = id_of(row)
        out: dict[str, Any] = {
            "attributes": {"type": type_name, "url": f"{base}/{type_name}/{record_id}"}
        }
        for step in steps:
            step(row, out)
        return out

    return render
