"""Typed views of Salesforce's answers, parsed at the edge so callers never dig in raw JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sf_client.tokens import id18


@dataclass(frozen=True, slots=True)
class QueryPage:
    """One page of a query: its records, the query's grand total, and whether it is the last."""

    records: list[dict[str, Any]]
    total_size: int
    done: bool


@dataclass(frozen=True, slots=True)
class DeletedRecords:
    """getDeleted: ids with their deletion time, and the window Salesforce actually covered.

    Start the next window at `latest_date_covered`; if `earliest_date_available` is later
    than the previous sync, deletions were missed and a reconciliation is due.
    """

    deleted: list[tuple[str, datetime]]
    earliest_date_available: datetime | None
    latest_date_covered: datetime | None


@dataclass(frozen=True, slots=True)
class UserInfo:
    """The OpenID userinfo of the session's user."""

    user_id: str
    organization_id: str
    preferred_username: str | None
    name: str | None
    email: str | None
    zoneinfo: str | None
    locale: str | None
    active: bool | None


@dataclass(frozen=True, slots=True)
class PicklistValue:
    """One picklist entry; write `value`, show `label`."""

    value: str
    label: str
    active: bool
    default: bool


@dataclass(frozen=True, slots=True)
class FieldDescribe:
    """The parts of a field's describe that decide what may be read and written."""

    name: str
    type: str
    label: str
    updateable: bool
    nillable: bool
    length: int
    reference_to: list[str]
    restricted_picklist: bool
    picklist_values: list[PicklistValue]


@dataclass(frozen=True, slots=True)
class SObjectDescribe:
    """An object's describe; a field missing from `fields` is invisible to the user (FLS)."""

    name: str
    key_prefix: str | None
    fields: dict[str, FieldDescribe]


@dataclass(frozen=True, slots=True)
class Limit:
    """One entry of /limits."""

    max: int
    remaining: int


@dataclass(frozen=True, slots=True)
class ApiVersion:
    """One entry of /services/data/."""

    version: str
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class RecordResult:
    """The outcome for one record of a write, in the order the records were given."""

    id: str
    success: bool
    error_code: str | None = None
    message: str | None = None
    fields: tuple[str, ...] = ()


def parse_datetime(text: str | None) -> datetime | None:
    """Salesforce's `2026-10-02T08:15:42.000+0000` as an aware datetime."""
    return None if text is None else datetime.fromisoformat(text)


def parse_page(body: dict[str, Any]) -> QueryPage:
    """A query response body as a `QueryPage` (the `nextRecordsUrl` is the caller's)."""
    return QueryPage(list(body["records"]), int(body["totalSize"]), bool(body["done"]))


def parse_deleted(body: dict[str, Any]) -> DeletedRecords:
    """A getDeleted response body."""
    deleted = [
        (str(row["id"]), datetime.fromisoformat(row["deletedDate"]))
        for row in body.get("deletedRecords") or ()
    ]
    return DeletedRecords(
        deleted,
        parse_datetime(body.get("earliestDateAvailable")),
        parse_datetime(body.get("latestDateCovered")),
    )


def parse_userinfo(body: dict[str, Any]) -> UserInfo:
    """A userinfo response body; 15-character Ids are returned in their 18-character form."""
    return UserInfo(
        user_id=id18(str(body["user_id"])),
        organization_id=id18(str(body["organization_id"])),
        preferred_username=body.get("preferred_username"),
        name=body.get("name"),
        email=body.get("email"),
        zoneinfo=body.get("zoneinfo"),
        locale=body.get("locale"),
        active=body.get("active"),
    )


def parse_describe(body: dict[str, Any]) -> SObjectDescribe:
    """A describe response body, keeping what the sync and the rules check need."""
    fields = {str(raw["name"]): _parse_field(raw) for raw in body.get("fields") or ()}
    return SObjectDescribe(str(body["name"]), body.get("keyPrefix"), fields)


def _parse_field(raw: dict[str, Any]) -> FieldDescribe:
    values = [
        PicklistValue(
            value=str(entry["value"]),
            label=str(entry.get("label") or entry["value"]),
            active=bool(entry.get("active")),
            default=bool(entry.get("defaultValue")),
        )
        for entry in raw.get("picklistValues") or ()
    ]
    return FieldDescribe(
        name=str(raw["name"]),
        type=str(raw["type"]),
        label=str(raw.get("label") or raw["name"]),
        updateable=bool(raw.get("updateable")),
        nillable=bool(raw.get("nillable")),
        length=int(raw.get("length") or 0),
        reference_to=[str(name) for name in raw.get("referenceTo") or ()],
        restricted_picklist=bool(raw.get("restrictedPicklist")),
        picklist_values=values,
    )


def parse_limits(body: dict[str, Any]) -> dict[str, Limit]:
    """The /limits map; entries without Max/Remaining (none today) are skipped."""
    return {
        name: Limit(int(entry["Max"]), int(entry["Remaining"]))
        for name, entry in body.items()
        if isinstance(entry, dict) and "Max" in entry and "Remaining" in entry
    }


def parse_versions(body: list[dict[str, Any]]) -> list[ApiVersion]:
    """The versions list, oldest first as Salesforce sends it."""
    return [ApiVersion(str(v["version"]), str(v["label"]), str(v["url"])) for v in body]


def parse_record_result(record_id: str, raw: dict[str, Any]) -> RecordResult:
    """One Collections result; failed rows carry no id, so the input's id is used."""
    if raw.get("success"):
        return RecordResult(record_id, True)
    errors = raw.get("errors") or [{}]
    first = errors[0]
    return RecordResult(
        record_id,
        False,
        error_code=first.get("statusCode") or first.get("errorCode"),
        message="; ".join(_error_text(e) for e in errors) or None,
        fields=tuple(str(f) for e in errors for f in e.get("fields") or ()),
    )


def _error_text(error: dict[str, Any]) -> str:
    """An error's message; for a duplicate rule, also the rule and the records it matched."""
    text = str(error.get("message", ""))
    duplicate = error.get("duplicateResult")
    if not isinstance(duplicate, dict):
        return text
    matches = [
        str(match["record"]["Id"])
        for result in duplicate.get("matchResults") or ()
        for match in result.get("matchRecords") or ()
        if isinstance(match.get("record"), dict) and "Id" in match["record"]
    ]
    rule = duplicate.get("duplicateRule") or "a duplicate rule"
    detail = f"duplicate rule {rule}"
    if matches:
        detail += " matched " + ", ".join(matches[:5])
    return f"{text} ({detail})" if text else detail
