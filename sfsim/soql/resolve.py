"""Field paths checked against the org's schema and turned into row readers.

A path is a field of the queried object (`Status`) or one field across a lookup (`Owner.Type`).
Polymorphic lookups (OwnerId, WhoId, WhatId) lead to Salesforce's generic `Name` entity, which
offers a fixed set of fields whatever the concrete target is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sfsim.database import Database
from sfsim.errors import invalid_field, no_such_column
from sfsim.schema import FieldDef
from sfsim.soql.ast import Path
from sfsim.table import Table

NAME_ENTITY: dict[str, FieldDef] = {
    name: FieldDef(name, type_, updateable=False)
    for name, type_ in [
        ("Id", "id"), ("Name", "string"), ("Type", "string"), ("Alias", "string"),
        ("Email", "email"), ("FirstName", "string"), ("LastName", "string"),
        ("IsActive", "boolean"), ("Title", "string"), ("Username", "string"),
        ("UserRoleId", "reference"), ("ProfileId", "reference"),
    ]
}  # fmt: skip


@dataclass(frozen=True)
class Resolved:
    """A checked path: the field it ends at and how to read it for a row of the base table."""

    key: str
    definition: FieldDef
    read: Callable[[int], Any]
    via: FieldDef | None = None


def name_entity_type(table: Table, row: int) -> str:
    """What `Owner.Type` says: `Queue` for a queue, else the object name."""
    if table.definition.name == "Group":
        return str(table.get(row, "Type"))
    return table.definition.name


def resolve(db: Database, table: Table, path: Path) -> Resolved:
    """Check `path` against `table`'s object and build its reader (INVALID_FIELD if unknown)."""
    entity = table.definition
    if len(path.parts) == 1:
        found = entity.field(path.parts[0])
        if found is None:
            raise no_such_column(path.parts[0], entity.name)
        return Resolved(found.name, found, table.getter(found.name))
    if len(path.parts) > 2:
        raise invalid_field(f"Didn't understand relationship '{path.text}' in field path.")
    lookup = entity.relationship(path.parts[0])
    if lookup is None:
        raise invalid_field(
            f"Didn't understand relationship '{path.parts[0]}' in field path. If you are "
            "attempting to use a custom relationship, be sure to append the '__r' after the "
            "custom relationship name."
        )
    return _across(db, table, lookup, path.parts[1])


def _across(db: Database, table: Table, lookup: FieldDef, name: str) -> Resolved:
    target = _target_field(db, lookup, name)
    ref = table.getter(lookup.name)
    wanted = target.name

    def read(row: int) -> Any:
        located = db.locate(ref(row))
        if located is None:
            return None
        other, other_row = located
        if wanted == "Type" and lookup.polymorphic:
            return name_entity_type(other, other_row)
        if other.definition.field(wanted) is None:
            return None
        return other.get(other_row, wanted)

    return Resolved(f"{lookup.relationship_name}.{wanted}", target, read, via=lookup)


def _target_field(db: Database, lookup: FieldDef, name: str) -> FieldDef:
    if lookup.polymorphic:
        found = NAME_ENTITY.get(next((k for k in NAME_ENTITY if k.lower() == name.lower()), ""))
        if found is None:
            raise no_such_column(name, "Name")
        return found
    target_object = db.table(lookup.reference_to[0]).definition
    found = target_object.field(name)
    if found is None:
        raise no_such_column(name, target_object.name)
    return found
