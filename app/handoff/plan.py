"""From a decision to the values to write: only what the org does not already hold.

Skipping equal values is what makes a second run with nothing changed send no write at all, and
it keeps our footprint in the org's field history to real changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.handoff.mapping import LeadInput

# Salesforce's wire formats for the MQL date field, by the field's describe type.
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.000+0000"
_REASON_LIMIT = 255


@dataclass(frozen=True, slots=True)
class Writeback:
    """The org's writeback fields (names from the rules, types and lengths from describe)."""

    mql_date_field: str | None = None
    mql_date_type: str = "date"
    score_field: str | None = None
    score_type: str = "double"
    reason_field: str | None = None
    reason_length: int = _REASON_LIMIT


@dataclass(frozen=True, slots=True)
class Intent:
    """What a decision asks of the org, before comparing with what the org holds."""

    status: str | None  # the MQL status when the lead is promoted
    owner_id: str | None  # the new owner, when one was assigned
    score: int
    reason: str


def planned_values(
    lead: LeadInput, intent: Intent, writeback: Writeback, now: datetime
) -> dict[str, Any] | None:
    """The field values to write for `intent`, leaving out those the lead already has."""
    wanted: dict[str, Any] = {}
    if intent.status is not None:
        wanted["Status"] = intent.status
    if intent.owner_id is not None:
        wanted["OwnerId"] = intent.owner_id
    if wanted:
        wanted.update(_writeback_values(intent, writeback, now))
    changed = {name: value for name, value in wanted.items() if not _holds(lead, name, value)}
    if not changed.keys() & {"Status", "OwnerId"}:
        # Score and reason ride along with a status or owner change, never alone, or every
        # rules edit would rewrite the whole org's scores.
        return None
    return changed


def _writeback_values(intent: Intent, writeback: Writeback, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if writeback.mql_date_field and intent.status is not None:
        values[writeback.mql_date_field] = (
            now.strftime(_DATETIME_FORMAT)
            if writeback.mql_date_type == "datetime"
            else now.date().isoformat()
        )
    if writeback.score_field:
        score: Any = intent.score
        if writeback.score_type in ("string", "textarea"):
            score = str(intent.score)
        values[writeback.score_field] = score
    if writeback.reason_field:
        limit = min(writeback.reason_length, _REASON_LIMIT)
        values[writeback.reason_field] = _clip(intent.reason, limit)
    return values


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _holds(lead: LeadInput, name: str, value: Any) -> bool:
    """Whether the org already shows `value` in `name` (numbers compare as numbers)."""
    if name == "Status":
        return bool(lead.status == value)
    if name == "OwnerId":
        return bool(lead.owner_id == value)
    current = lead.fields.get(name)
    if isinstance(value, int | float) and isinstance(current, int | float):
        return float(current) == float(value)
    if isinstance(current, str) and isinstance(value, str) and len(value) == 10:
        return current[:10] == value  # a date field read back as a datetime string
    return bool(current == value)


def write_kind(planned: Mapping[str, Any]) -> str:
    """How the run counts a write: `promoted` (status set) or `reassigned` (owner only)."""
    return "promoted" if "Status" in planned else "reassigned"
