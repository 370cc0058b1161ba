"""`sobjects/{type}/describe` bodies built from the schema."""

from __future__ import annotations

from typing import Any

from sfsim.schema import FieldDef, ObjectDef

MASTER_RECORD_TYPE = "012000000000000AAA"


def _field(definition: FieldDef) -> dict[str, Any]:
    system = not definition.updateable and definition.name != "Name"
    return {
        "name": definition.name,
        "label": definition.label or definition.name,
        "type": definition.type,
        "soapType": definition.soap_type,
        "length": definition.length,
        "nillable": definition.nillable,
        "createable": definition.updateable,
        "updateable": definition.updateable,
        "custom": definition.custom,
        "calculated": definition.name == "Name",
        "defaultedOnCreate": system or definition.name in ("OwnerId", "Status"),
        "filterable": True,
        "sortable": True,
        "idLookup": definition.name == "Id",
        "restrictedPicklist": definition.restricted,
        "dependentPicklist": False,
        "controllerName": None,
        "picklistValues": [
            {
                "active": v.active,
                "defaultValue": v.default,
                "label": v.value,
                "validFor": None,
                "value": v.value,
            }
            for v in definition.picklist
        ],
        "referenceTo": list(definition.reference_to),
        "relationshipName": definition.relationship_name,
        "polymorphicForeignKey": definition.polymorphic,
    }


def describe(definition: ObjectDef, version: str) -> dict[str, Any]:
    """The describe body of one object."""
    base = f"/services/data/v{version}/sobjects/{definition.name}"
    return {
        "name": definition.name,
        "label": definition.label,
        "labelPlural": definition.label + "s",
        "keyPrefix": definition.prefix,
        "custom": False,
        "createable": True,
        "updateable": True,
        "deletable": True,
        "queryable": True,
        "fields": [_field(f) for f in definition.fields],
        "recordTypeInfos": [
            {
                "name": "Master",
                "recordTypeId": MASTER_RECORD_TYPE,
                "master": True,
                "available": True,
                "defaultRecordTypeMapping": True,
            }
        ],
        "childRelationships": [],
        "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
    }
