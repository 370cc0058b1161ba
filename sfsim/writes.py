"""Updates as Salesforce checks and applies them.

A write is planned first (every check, nothing changed) and applied after, so sObject
Collections with `allOrNone: true` can refuse a whole batch without undoing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sfsim import ids
from sfsim.database import Database
from sfsim.errors import SfError
from sfsim.schema import FieldDef, Kind
from sfsim.table import Table
from sfsim.values import parse_date, parse_datetime

IGNORED_KEYS = frozenset({"attributes", "id"})


@dataclass
class Plan:
    """A checked update: the row and the coerced new values by canonical field name."""

    table: Table
    row: int
    changes: dict[str, Any]


def _label(definition: FieldDef) -> str:
    return definition.label or definition.name.removesuffix("Id").replace("_", " ") + (
        " ID" if definition.type == "reference" else ""
    )


def _deserialize_error(definition: FieldDef, raw: Any) -> SfError:
    return SfError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {definition.soap_type.split(':')[1]} from value {raw!r}",
        [definition.name],
    )


def _coerce_scalar(definition: FieldDef, raw: Any) -> Any:
    kind = definition.kind
    if kind is Kind.BOOL and isinstance(raw, bool):
        return raw
    number = isinstance(raw, int | float) and not isinstance(raw, bool)
    if kind is Kind.INT and number and float(raw).is_integer():
        return int(raw)
    if kind is Kind.REAL and number:
        return float(raw)
    if kind is Kind.DATE and isinstance(raw, str) and (day := parse_date(raw)) is not None:
        return day
    if kind is Kind.DATETIME and isinstance(raw, str):
        moment = parse_datetime(raw)
        if moment is not None:
            return moment
    if kind in (Kind.TEXT, Kind.ID) and (isinstance(raw, str) or number):
        return raw if isinstance(raw, str) else str(raw)
    raise _deserialize_error(definition, raw)


def coerce(db: Database, obj: str, definition: FieldDef, raw: Any) -> Any:
    """A JSON value checked against a field and turned into its stored form."""
    if raw is None or raw == "":
        if not definition.nillable or definition.kind is Kind.BOOL:
            raise SfError(
                400,
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{definition.name}]",
                [definition.name],
            )
        return None
    value = _coerce_scalar(definition, raw)
    if definition.type == "reference":
        return check_reference(db, obj, definition, value)
    if definition.restricted and value not in definition.active_values():
        raise SfError(
            400,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{obj} {_label(definition)}: bad value for restricted picklist field: {value}",
            [definition.name],
        )
    if isinstance(value, str) and definition.length and len(value) > definition.length:
        raise SfError(
            400,
            "STRING_TOO_LONG",
            f"{_label(definition)}: data value too large: {value[:40]} "
            f"(max length={definition.length})",
            [definition.name],
        )
    return value


def queue_takes(db: Database, queue_id: str, obj: str) -> bool:
    """True if the queue `queue_id` accepts records of `obj` (QueueSobject)."""
    table = db.table("QueueSobject")
    queue, kind, alive = table.getter("QueueId"), table.getter("SobjectType"), table.exists
    return any(alive(r) and queue(r) == queue_id and kind(r) == obj for r in range(table.size))


def check_reference(db: Database, obj: str, definition: FieldDef, value: str) -> str:
    """A lookup value: well formed, existing, of an allowed object; owners active or queues."""
    label = _label(definition)
    if not ids.is_well_formed(value):
        raise SfError(
            400, "MALFORMED_ID", f"{label}: id value of incorrect type: {value}", [definition.name]
        )
    value = ids.to18(value)
    located = db.locate(value)
    if located is None:
        raise SfError(
            400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [definition.name]
        )
    target, row = located
    if target.definition.name not in definition.reference_to:
        raise SfError(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            f"{label}: id value of incorrect type: {value}",
            [definition.name],
        )
    if definition.name == "OwnerId":
        _check_owner(db, obj, target, row, value)
    return value


def _check_owner(db: Database, obj: str, target: Table, row: int, value: str) -> None:
    if target.definition.name == "User" and not target.get(row, "IsActive"):
        raise SfError(
            400,
            "INACTIVE_OWNER_OR_USER",
            f"operation performed with inactive user [{value}] as owner of {obj.lower()}",
            ["OwnerId"],
        )
    if target.definition.name == "Group" and (
        target.get(row, "Type") != "Queue" or not queue_takes(db, value, obj)
    ):
        raise SfError(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            f"Owner ID: the queue {value} does not take {obj} records",
            ["OwnerId"],
        )


def find_record(table: Table, record_id: str) -> int:
    """The row of a record a write names; MALFORMED_ID, not found, or ENTITY_IS_DELETED."""
    obj = table.definition.name
    if not ids.is_well_formed(record_id) or ids.prefix_of(record_id) != table.definition.prefix:
        raise SfError(
            400, "MALFORMED_ID", f"{obj} ID: id value of incorrect type: {record_id}", ["Id"]
        )
    row = table.row_of(ids.to18(record_id))
    if row is None:
        raise SfError(404, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["Id"])
    if table.get(row, "IsDeleted"):
        raise SfError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
    return row


def plan_update(db: Database, table: Table, record_id: str, body: dict[str, Any]) -> Plan:
    """Check an update of one record without changing anything."""
    obj = table.definition.name
    row = find_record(table, record_id)
    if obj == "Lead" and table.get(row, "IsConverted"):
        raise SfError(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", [])
    changes: dict[str, Any] = {}
    for key, raw in body.items():
        if key.lower() in IGNORED_KEYS:
            continue
        definition = table.definition.field(key)
        if definition is None:
            raise SfError(
                400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj}", [key]
            )
        if not definition.updateable:
            raise SfError(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {definition.name}. Please check the security "
                "settings of this field and verify that it is read/write for your profile or "
                "permission set.",
                [definition.name],
            )
        changes[definition.name] = coerce(db, obj, definition, raw)
    return Plan(table, row, changes)
