"""The org's facts, read at the start of every run: who we are, its settings, users and queues.

These are small objects (a few thousand users at most), so they are read whole each run; that
keeps deactivated users and queues that stopped taking Leads current without a watermark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.errors import HandoffError
from app.store import repo_mirror, repo_sync
from app.sync.mirror import parse_datetime, raw_fields
from sf_client import BadRequest, Identity, QueryTimeout, SalesforceClient

ORGANIZATION_SOQL = "SELECT Id, Name, TimeZoneSidKey, FiscalYearStartMonth FROM Organization"
USERS_SOQL = "SELECT Id, Name, Email, IsActive, UserType, TimeZoneSidKey, SystemModstamp FROM User"
QUEUES_SOQL = "SELECT Id, Name, DeveloperName, SystemModstamp FROM Group WHERE Type = 'Queue'"
LEAD_QUEUES_SOQL = "SELECT QueueId FROM QueueSobject WHERE SobjectType = 'Lead'"
LEAD_STATUS_SOQL = "SELECT ApiName, IsConverted FROM LeadStatus"
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BUSINESS_HOURS_SOQL = (
    "SELECT Id, Name, TimeZoneSidKey, "
    + ", ".join(f"{day}{edge}Time" for day in _DAYS for edge in ("Start", "End"))
    + " FROM BusinessHours WHERE IsDefault = true AND IsActive = true"
)
HOLIDAY_SOQL = (
    "SELECT Id, Name, ActivityDate, IsAllDay, StartTimeInMinutes, EndTimeInMinutes, "
    "IsRecurrence, RecurrenceType, RecurrenceInterval, RecurrenceDayOfMonth, "
    "RecurrenceDayOfWeekMask, RecurrenceInstance, RecurrenceMonthOfYear, RecurrenceStartDate, "
    "RecurrenceEndDateOnly FROM Holiday"
)
QUERY_ATTEMPTS = 3


@dataclass(frozen=True)
class OrgProfile:
    """The org as a run needs it: its Id and the integration user, time zone, fiscal year and
    Lead statuses (not `rules.OrgProfile`, which is what the rules check is given)."""

    org_id: str
    integration_user_id: str
    time_zone: str
    fiscal_year_start_month: int
    lead_statuses: tuple[str, ...]
    converted_statuses: tuple[str, ...]


def check_identity(identity: Identity, expected_org_id: str | None) -> None:
    """Stop before reading anything when the token belongs to another org than configured."""
    if expected_org_id is None:
        return
    if identity.org_id[:15] != expected_org_id[:15]:
        raise HandoffError(
            f"the Salesforce credentials belong to org {identity.org_id}, but HANDOFF_ORG_ID "
            f"is {expected_org_id}: nothing was read or written. Point SF_* at the right org, "
            "or change HANDOFF_ORG_ID if the org really changed."
        )


def _records(sf: SalesforceClient, soql: str) -> list[dict[str, Any]]:
    """A small query's records; a QUERY_TIMEOUT on one is the org being busy, so ask again."""
    for _ in range(QUERY_ATTEMPTS - 1):
        try:
            return list(sf.query(soql))
        except QueryTimeout:
            continue
    return list(sf.query(soql))


def _optional_records(sf: SalesforceClient, soql: str) -> list[dict[str, Any]] | None:
    """Records of an object the org may not let us read (None then, not a failed run)."""
    try:
        return [raw_fields(record) for record in _records(sf, soql)]
    except BadRequest as exc:
        if exc.error_code == "INVALID_TYPE":
            return None
        raise


def _working_calendar(sf: SalesforceClient) -> dict[str, Any]:
    """The org's default BusinessHours and its Holidays, for the business-time SLA."""
    hours = _optional_records(sf, BUSINESS_HOURS_SOQL)
    holidays = _optional_records(sf, HOLIDAY_SOQL) if hours else None
    return {
        "business_hours": hours[0] if hours else None,
        "holidays": {"records": holidays or []} if hours else None,
    }


def user_row(record: dict[str, Any]) -> dict[str, Any]:
    """The `users` row of a User record."""
    return {
        "id": record["Id"],
        "name": record.get("Name"),
        "email": record.get("Email"),
        "is_active": bool(record.get("IsActive")),
        "user_type": record.get("UserType"),
        "system_modstamp": parse_datetime(record.get("SystemModstamp")),
        "fields": raw_fields(record),
    }


def queue_row(record: dict[str, Any], *, takes_leads: bool) -> dict[str, Any]:
    """The `queues` row of a queue's Group record; `takes_leads` from its QueueSobject rows."""
    return {
        "id": record["Id"],
        "name": record.get("Name"),
        "developer_name": record.get("DeveloperName"),
        "takes_leads": takes_leads,
        "system_modstamp": parse_datetime(record.get("SystemModstamp")),
    }


def _queue_rows(sf: SalesforceClient) -> list[dict[str, Any]]:
    takes_leads = {r["QueueId"] for r in _records(sf, LEAD_QUEUES_SOQL)}
    return [queue_row(r, takes_leads=r["Id"] in takes_leads) for r in _records(sf, QUEUES_SOQL)]


def read_org(
    session: Session, sf: SalesforceClient, identity: Identity, *, now: datetime
) -> OrgProfile:
    """Read the org's settings, users, queues and Lead statuses into the store (no commit)."""
    previous = repo_sync.get_org(session)
    if previous is not None and previous.org_id != identity.org_id:
        raise HandoffError(
            f"this database holds org {previous.org_id}, but the credentials reach org "
            f"{identity.org_id}: use a database of its own for each org (HANDOFF_DATABASE_URL)"
        )
    organization = _records(sf, ORGANIZATION_SOQL)[0]
    statuses = list(_records(sf, LEAD_STATUS_SOQL))
    profile = OrgProfile(
        org_id=identity.org_id,
        integration_user_id=identity.user_id,
        time_zone=organization.get("TimeZoneSidKey") or "UTC",
        fiscal_year_start_month=int(organization.get("FiscalYearStartMonth") or 1),
        lead_statuses=tuple(s["ApiName"] for s in statuses),
        converted_statuses=tuple(s["ApiName"] for s in statuses if s.get("IsConverted")),
    )
    repo_mirror.replace_users(session, [user_row(r) for r in _records(sf, USERS_SOQL)])
    repo_mirror.replace_queues(session, _queue_rows(sf))
    repo_sync.save_org(
        session,
        {
            "org_id": profile.org_id,
            "name": organization.get("Name"),
            "instance_url": sf.instance_url,
            "integration_user_id": profile.integration_user_id,
            "time_zone": profile.time_zone,
            "fiscal_year_start_month": profile.fiscal_year_start_month,
            "updated_at": now,
            **_working_calendar(sf),
        },
    )
    return profile
