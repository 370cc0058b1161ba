"""What people do in the org between syncs: edit leads, log activity, convert, delete.

These go around the API (no request log, no usage) the way UI edits do, but they leave the
same traces: audit fields, field history, derived fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sfsim.errors import SfError
from sfsim.org import Org
from sfsim.values import day_of
from sfsim.writes import find_record


@dataclass(frozen=True)
class Conversion:
    """The records a lead conversion created."""

    account_id: str
    contact_id: str
    opportunity_id: str | None


def edit(org: Org, who: str, obj: str, record_id: str, body: dict[str, Any]) -> None:
    """Change a record as a named user (checked like an API write; no assignment rules)."""
    with org.lock:
        org.update(obj, record_id, body, user_id=org.user_id(who), auto_assign="FALSE")


def log_activity(org: Org, kind: str, lead_id: str, *, by: str, subject: str = "Call",
                 completed: bool = True, at: int | None = None) -> str:  # fmt: skip
    """Add a Task (completed or open) or an Event on a lead; returns its id."""
    with org.lock:
        user = org.user_id(by)
        moment = org.clock.now() if at is None else at
        common = {"WhoId": lead_id, "OwnerId": user, "Subject": subject,
                  "ActivityDate": day_of(moment), "IsArchived": False}  # fmt: skip
        if kind == "Task":
            values = common | {
                "Status": "Completed" if completed else "Not Started", "IsClosed": completed,
                "Priority": "Normal", "TaskSubtype": "Call", "Type": "Call",
                "CompletedDateTime": moment if completed else None,
            }  # fmt: skip
        elif kind == "Event":
            values = common | {
                "StartDateTime": moment, "EndDateTime": moment + 1800, "ActivityDateTime": moment,
                "DurationInMinutes": 30, "EventSubtype": "Event", "Type": "Meeting",
                "IsAllDayEvent": False,
            }  # fmt: skip
        else:
            raise ValueError(f"activities are Task or Event, not {kind}")
        activity = org.insert(kind, values, by=user, at=moment)
        leads = org.table("Lead")
        row = find_record(leads, lead_id)
        last = leads.get(row, "LastActivityDate")
        if last is None or last < day_of(moment):
            leads.set(row, "LastActivityDate", day_of(moment))
        return activity


def convert(org: Org, lead_id: str, *, by: str, opportunity: dict[str, Any] | None = None,
            status: str | None = None) -> Conversion:  # fmt: skip
    """Convert a lead: Account, Contact and (unless None) an Opportunity with the given fields."""
    with org.lock:
        user = org.user_id(by)
        leads = org.table("Lead")
        row = find_record(leads, lead_id)
        if leads.get(row, "IsConverted"):
            raise SfError(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
        now = org.clock.now()
        company = leads.get(row, "Company")
        account = org.insert("Account", {"Name": company, "OwnerId": user, "Type": "Prospect"},
                             by=user, at=now)  # fmt: skip
        contact = org.insert("Contact", {
            "FirstName": leads.get(row, "FirstName"), "LastName": leads.get(row, "LastName"),
            "Email": leads.get(row, "Email"), "AccountId": account, "OwnerId": user,
        }, by=user, at=now)  # fmt: skip
        opp = None if opportunity is None else _opportunity(org, account, user, now, opportunity)
        converted = status or _converted_status(org)
        old_status = leads.get(row, "Status")
        for name, value in {"IsConverted": True, "ConvertedDate": day_of(now), "Status": converted,
                            "ConvertedAccountId": account, "ConvertedContactId": contact,
                            "ConvertedOpportunityId": opp, "LastModifiedById": user,
                            "LastModifiedDate": now, "SystemModstamp": now}.items():  # fmt: skip
            leads.set(row, name, value)
        org.add_history(lead_id, "leadConverted", None, None, by=user, at=now)
        if old_status != converted:
            org.add_history(lead_id, "Status", old_status, converted, by=user, at=now)
        _repoint_activities(org, lead_id, contact)
        return Conversion(account, contact, opp)


def _opportunity(org: Org, account: str, user: str, now: int, fields: dict[str, Any]) -> str:
    stage = org.stage(fields.get("StageName", "Prospecting"))
    if stage is None:
        raise SfError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "bad value for StageName")
    values = {"Name": "New opportunity", "CloseDate": day_of(now) + 30, "OwnerId": user,
              "AccountId": account, "Probability": stage.probability,
              "ForecastCategoryName": stage.forecast} | fields  # fmt: skip
    values |= {"StageName": stage.name, "IsClosed": stage.closed, "IsWon": stage.won}
    return org.insert("Opportunity", values, by=user, at=now)


def _converted_status(org: Org) -> str:
    table = org.table("LeadStatus")
    for row in range(table.size):
        if table.exists(row) and table.get(row, "IsConverted"):
            return str(table.get(row, "ApiName"))
    raise SfError(400, "INVALID_STATUS", "the org has no converted Lead Status")


def _repoint_activities(org: Org, lead_id: str, contact_id: str) -> None:
    for kind in ("Task", "Event"):
        table = org.table(kind)
        who = table.getter("WhoId")
        for row in range(table.size):
            if who(row) == lead_id:
                table.set(row, "WhoId", contact_id)


def set_out_of_office(org: Org, who: str, start: int, end: int, *, message: str = "",
                      by: str | None = None) -> str:  # fmt: skip
    """A user sets an out-of-office period in Lightning (or an admin, `by`, for them)."""
    with org.lock:
        user = org.user_id(who)
        actor = org.user_id(by) if by is not None else user
        return org.insert("OutOfOffice", {
            "UserId": user, "StartDate": start, "EndDate": end, "IsEnabled": True,
            "Message": message[:40],
        }, by=actor)  # fmt: skip


def end_out_of_office(org: Org, record_id: str, *, at: int | None = None) -> None:
    """End an out-of-office period now (or at `at`): the user is back early."""
    with org.lock:
        table = org.table("OutOfOffice")
        row = find_record(table, record_id)
        moment = org.clock.now() if at is None else at
        table.set(row, "EndDate", moment)
        table.set(row, "SystemModstamp", org.clock.now())
        table.set(row, "LastModifiedDate", org.clock.now())


def delete(org: Org, obj: str, record_id: str, *, by: str) -> None:
    """Move a record to the Recycle Bin (queryAll still sees it, with IsDeleted)."""
    _set_deleted(org, obj, record_id, by, deleted=True)


def undelete(org: Org, obj: str, record_id: str, *, by: str) -> None:
    """Restore a record from the Recycle Bin."""
    _set_deleted(org, obj, record_id, by, deleted=False)


def _set_deleted(org: Org, obj: str, record_id: str, by: str, *, deleted: bool) -> None:
    with org.lock:
        table = org.table(obj)
        row = table.row_of(record_id)
        if row is None:
            raise SfError(404, "NOT_FOUND", "The requested resource does not exist")
        now = org.clock.now()
        table.set(row, "IsDeleted", deleted)
        table.set(row, "SystemModstamp", now)
        table.set(row, "LastModifiedById", org.user_id(by))


def hard_delete(org: Org, obj: str, record_id: str) -> None:
    """Purge a record: gone from query and queryAll alike."""
    with org.lock:
        table = org.table(obj)
        row = table.row_of(record_id)
        if row is None:
            raise SfError(404, "NOT_FOUND", "The requested resource does not exist")
        table.purge(row)
