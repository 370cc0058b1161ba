"""What an object and its fields are: the facts describe reports and writes enforce."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    """How a field's values are held in memory (see `table.py`)."""

    TEXT = "text"
    BOOL = "bool"
    INT = "int"
    REAL = "real"
    DATE = "date"
    DATETIME = "datetime"
    ID = "id"


_KIND_OF_TYPE = {
    "id": Kind.ID,
    "boolean": Kind.BOOL,
    "int": Kind.INT,
    "double": Kind.REAL,
    "currency": Kind.REAL,
    "percent": Kind.REAL,
    "date": Kind.DATE,
    "datetime": Kind.DATETIME,
}

_SOAP_TYPE = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}


@dataclass(frozen=True)
class PicklistValue:
    """One value of a picklist, as describe lists it."""

    value: str
    active: bool = True
    default: bool = False


@dataclass(frozen=True)
class FieldDef:
    """A field: its wire type and the flags that decide whether a write may touch it."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    updateable: bool = True
    nillable: bool = True
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist: tuple[PicklistValue, ...] = ()
    restricted: bool = False
    custom: bool = False

    @property
    def kind(self) -> Kind:
        """The in-memory storage kind."""
        return _KIND_OF_TYPE.get(self.type, Kind.TEXT)

    @property
    def soap_type(self) -> str:
        """The SOAP type describe reports."""
        return _SOAP_TYPE.get(self.type, "xsd:string")

    @property
    def polymorphic(self) -> bool:
        """True for lookups that may point at several objects (OwnerId, WhoId, WhatId)."""
        return len(self.reference_to) > 1

    def active_values(self) -> frozenset[str]:
        """Picklist values a write may use."""
        return frozenset(v.value for v in self.picklist if v.active)


@dataclass
class ObjectDef:
    """An sObject type: name, key prefix and fields (looked up case-insensitively, as SOQL does)."""

    name: str
    prefix: str
    label: str
    fields: list[FieldDef]
    _by_lower: dict[str, FieldDef] = field(init=False, repr=False)
    _by_relationship: dict[str, FieldDef] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_lower = {f.name.lower(): f for f in self.fields}
        self._by_relationship = {
            f.relationship_name.lower(): f for f in self.fields if f.relationship_name
        }

    def field(self, name: str) -> FieldDef | None:
        """The field called `name` in any letter case, or None."""
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The lookup field behind relationship `name` (e.g. Owner -> OwnerId), or None."""
        return self._by_relationship.get(name.lower())

    def add_field(self, new: FieldDef) -> None:
        """Declare another field (custom fields come from the seed)."""
        if new.name.lower() in self._by_lower:
            raise ValueError(f"{self.name}.{new.name} already exists")
        self.fields.append(new)
        self._by_lower[new.name.lower()] = new
        if new.relationship_name:
            self._by_relationship[new.relationship_name.lower()] = new
