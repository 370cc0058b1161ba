"""Turning Salesforce records into store rows: which fields we read, and how values are typed.

The wire gives datetimes as `2026-10-02T08:15:42.000+0000`, dates as `2026-09-30`, and nested
relationship objects with their own `attributes`. The typed columns hold what the rules, the SLA
and the reports read; `fields` keeps the whole record (without `attributes`), so a field the rules
name later is already there after one re-pull.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rules.accounts import company_key, domain_of

LEAD_FIELDS = (
    "Id",
    "Status",
    "OwnerId",
    "IsConverted",
    "ConvertedDate",
    "ConvertedOpportunityId",
    "LeadSource",
    "CreatedDate",
    "SystemModstamp",
    "LastModifiedById",
    "IsDeleted",
    "MasterRecordId",
)
OPPORTUNITY_FIELDS = (
    "Id",
    "Name",
    "StageName",
    "IsClosed",
    "IsWon",
    "CloseDate",
    "Amount",
    "LeadSource",
    "OwnerId",
    "Type",
    "AccountId",
    "CreatedDate",
    "SystemModstamp",
    "IsDeleted",
)
ACCOUNT_FIELDS = (
    "Id", "Name", "Website", "OwnerId", "Type", "CreatedDate", "SystemModstamp", "IsDeleted",
)  # fmt: skip
OUT_OF_OFFICE_FIELDS = (
    "Id", "UserId", "StartDate", "EndDate", "IsEnabled", "Message", "CreatedDate",
    "SystemModstamp", "IsDeleted",
)  # fmt: skip
# Events have no Status or IsClosed in Salesforce: any Event on a lead is a touch.
TASK_FIELDS = (
    "Id",
    "WhoId",
    "OwnerId",
    "CreatedById",
    "CreatedDate",
    "IsClosed",
    "Status",
    "ActivityDate",
    "SystemModstamp",
    "IsDeleted",
)
EVENT_FIELDS = (
    "Id",
    "WhoId",
    "OwnerId",
    "CreatedById",
    "CreatedDate",
    "ActivityDate",
    "SystemModstamp",
    "IsDeleted",
)
LEAD_HISTORY_FIELDS = (
    "Id",
    "LeadId",
    "Field",
    "OldValue",
    "NewValue",
    "CreatedById",
    "CreatedDate",
)

LEAD_PREFIX = "00Q"


def lead_fields(rule_fields: Iterable[str]) -> tuple[str, ...]:
    """The Lead fields to select: ours first, then the rules' own, each once, in stable order."""
    extra = sorted({f for f in rule_fields if f not in LEAD_FIELDS}, key=str.lower)
    return (*LEAD_FIELDS, *extra)


def fields_hash(fields: Iterable[str]) -> str:
    """A fingerprint of a field list; when it changes, the object is re-pulled in full."""
    canonical = ",".join(sorted({f.lower() for f in fields}))
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_datetime(value: Any) -> datetime | None:
    """A Salesforce datetime (always UTC on the wire) as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is UTC:  # the wire's `+0000`: already what we keep
        return parsed
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    """A Salesforce date (`2026-09-30`); a datetime string is cut to its UTC date."""
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = str(value)
    return date.fromisoformat(text) if len(text) == 10 else _required(parse_datetime(text)).date()


def _required(value: datetime | None) -> datetime:
    if value is None:
        raise ValueError("a required datetime is missing from the record")
    return value


def raw_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record without `attributes`, at every level, ready to keep as JSON.

    Records come from JSON, so nested objects are plain dicts: `isinstance(value, dict)` is a
    C-level check, where testing each of 50,000 leads' values against the `Mapping` ABC cost
    a first pull seconds.
    """
    return {
        key: raw_fields(value) if isinstance(value, dict) else value
        for key, value in record.items()
        if key != "attributes"
    }


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def month_in(moment: datetime, time_zone: str) -> str:
    """`YYYY-MM` of `moment` on the org's calendar (its default time zone)."""
    local = moment.astimezone(_zone(time_zone))
    return f"{local.year:04d}-{local.month:02d}"  # strftime is several times slower


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def lead_row(record: Mapping[str, Any], time_zone: str = "UTC") -> dict[str, Any]:
    created = _required(parse_datetime(record.get("CreatedDate")))
    return {
        "id": record["Id"],
        "status": record.get("Status"),
        "owner_id": record.get("OwnerId"),
        "is_converted": bool(record.get("IsConverted")),
        "converted_date": parse_date(record.get("ConvertedDate")),
        "converted_opportunity_id": record.get("ConvertedOpportunityId"),
        "lead_source": record.get("LeadSource"),
        "created_date": created,
        "created_month": month_in(created, time_zone),
        "system_modstamp": _required(parse_datetime(record.get("SystemModstamp"))),
        "last_modified_by_id": record.get("LastModifiedById"),
        "is_deleted": bool(record.get("IsDeleted")),
        # A record the org returns is not gone for good (it may have been undeleted).
        "purged": False,
        "master_record_id": record.get("MasterRecordId"),
        "fields": raw_fields(record),
    }


def opportunity_row(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": record["Id"],
        "name": record.get("Name"),
        "stage_name": record.get("StageName"),
        "is_closed": bool(record.get("IsClosed")),
        "is_won": bool(record.get("IsWon")),
        "close_date": parse_date(record.get("CloseDate")),
        "amount": _float(record.get("Amount")),
        "lead_source": record.get("LeadSource"),
        "owner_id": record.get("OwnerId"),
        "type": record.get("Type"),
        "account_id": record.get("AccountId"),
        "created_date": _required(parse_datetime(record.get("CreatedDate"))),
        "system_modstamp": _required(parse_datetime(record.get("SystemModstamp"))),
        "is_deleted": bool(record.get("IsDeleted")),
        "fields": raw_fields(record),
    }


def account_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """An Account with the keys matching looks it up by (`rules.accounts`)."""
    website = record.get("Website")
    return {
        "id": record["Id"],
        "name": record.get("Name"),
        "website": website[:255] if isinstance(website, str) else None,
        "website_domain": domain_of(website),
        "name_key": (company_key(record.get("Name")) or "")[:255] or None,
        "owner_id": record.get("OwnerId"),
        "type": record.get("Type"),
        "created_date": _required(parse_datetime(record.get("CreatedDate"))),
        "system_modstamp": _required(parse_datetime(record.get("SystemModstamp"))),
        "is_deleted": bool(record.get("IsDeleted")),
        "fields": raw_fields(record),
    }


def out_of_office_row(record: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """An OutOfOffice record as an absence; a record without dates is kept disabled."""
    start = parse_datetime(record.get("StartDate"))
    end = parse_datetime(record.get("EndDate"))
    return {
        "sf_id": record["Id"],
        "user_id": record.get("UserId") or "",
        "start_at": start or now,
        "end_at": end or now,
        "reason": record.get("Message"),
        "source": "salesforce",
        "enabled": bool(record.get("IsEnabled", True)) and start is not None and end is not None,
        "is_deleted": bool(record.get("IsDeleted")),
        "system_modstamp": parse_datetime(record.get("SystemModstamp")),
        "created_at": now,
        "created_by": None,
    }


def activity_row(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A Task or Event; an Event counts as closed (it has no status, and it is a touch)."""
    return {
        "id": record["Id"],
        "kind": kind,
        "who_id": record.get("WhoId"),
        "owner_id": record.get("OwnerId"),
        "created_by_id": record.get("CreatedById"),
        "created_date": _required(parse_datetime(record.get("CreatedDate"))),
        "is_closed": bool(record.get("IsClosed", kind == "Event")),
        "status": record.get("Status"),
        "activity_date": parse_date(record.get("ActivityDate")),
        "system_modstamp": _required(parse_datetime(record.get("SystemModstamp"))),
        "is_deleted": bool(record.get("IsDeleted")),
        "fields": raw_fields(record),
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def lead_history_row(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": record["Id"],
        "lead_id": record["LeadId"],
        "field": record["Field"],
        "old_value": _text(record.get("OldValue")),
        "new_value": _text(record.get("NewValue")),
        "created_by_id": record.get("CreatedById"),
        "created_date": _required(parse_datetime(record.get("CreatedDate"))),
    }


@dataclass(frozen=True)
class PageMark:
    """Where a page ends in the object's cursor order: its last record's stamp and Id."""

    stamp: datetime
    last_id: str


def page_mark(records: Sequence[Mapping[str, Any]], cursor_field: str) -> PageMark | None:
    """The cursor position after `records` (ordered by the cursor field, then Id)."""
    if not records:
        return None
    last = records[-1]
    return PageMark(_required(parse_datetime(last.get(cursor_field))), str(last["Id"]))
