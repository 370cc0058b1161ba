"""Reading the org's state from tests: a record in wire format, every lead's Status and owner."""

from __future__ import annotations

from typing import Any

from sfsim.errors import SfError
from sfsim.org import Org
from sfsim.render import formatter


def lead_states(org: Org) -> list[dict[str, Any]]:
    """Every live lead's Id, Status and OwnerId."""
    with org.lock:
        table = org.table("Lead")
        status, owner, gone = (
            table.getter("Status"),
            table.getter("OwnerId"),
            table.getter("IsDeleted"),
        )
        return [
            {"Id": table.id_of(r), "Status": status(r), "OwnerId": owner(r)}
            for r in range(table.size)
            if table.exists(r) and not gone(r)
        ]


def record(org: Org, sobject: str, record_id: str) -> dict[str, Any]:
    """Every field of a record, in wire format (deleted rows included)."""
    with org.lock:
        table = org.table(sobject)
        row = table.row_of(record_id)
        if row is None:
            raise SfError(404, "NOT_FOUND", "The requested resource does not exist")
        return {f.name: formatter(f)(table.get(row, f.name)) for f in table.definition.fields}
