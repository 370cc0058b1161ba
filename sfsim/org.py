"""The in-memory org: its data, identity, clock, faults and request log, behind one lock.

uvicorn serves requests concurrently and tests drive the control surface from their own thread,
so every read and write of org state goes through `Org.lock`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sfsim.auth import Auth
from sfsim.bulk import BulkQueryJobs
from sfsim.clock import Clock
from sfsim.database import Database
from sfsim.errors import SfError
from sfsim.faults import Faults
from sfsim.objects import WEEKDAYS
from sfsim.query import QueryEngine
from sfsim.reqlog import RequestLog
from sfsim.schema import FieldDef, ObjectDef, PicklistValue
from sfsim.table import Table
from sfsim.write_rules import WriteRule, allows_duplicate_save, first_refusal
from sfsim.writes import Plan, plan_update


@dataclass(frozen=True)
class LeadStatusDef:
    """A Lead Status value."""

    value: str
    converted: bool = False
    default: bool = False


@dataclass(frozen=True)
class StageDef:
    """An Opportunity stage."""

    name: str
    probability: float
    forecast: str
    closed: bool = False
    won: bool = False


DEFAULT_LEAD_STATUSES = (
    LeadStatusDef("Open - Not Contacted", default=True),
    LeadStatusDef("Working - Contacted"),
    LeadStatusDef("Closed - Converted", converted=True),
    LeadStatusDef("Closed - Not Converted"),
)
DEFAULT_STAGES = (
    StageDef("Prospecting", 10, "Pipeline"),
    StageDef("Qualification", 20, "Pipeline"),
    StageDef("Needs Analysis", 20, "Pipeline"),
    StageDef("Value Proposition", 50, "Pipeline"),
    StageDef("Proposal/Price Quote", 75, "Pipeline"),
    StageDef("Negotiation/Review", 90, "Commit"),
    StageDef("Closed Won", 100, "Closed", closed=True, won=True),
    StageDef("Closed Lost", 0, "Omitted", closed=True),
)


# The integration user's legacy credentials (a simulator's, printed by `python -m sfsim`).
SOAP_PASSWORD = "sfsim-password"
SOAP_SECURITY_TOKEN = "SFSIMTOKEN"


def auto_assign_is_off(header: str | None) -> bool:
    """True only for `Sforce-Auto-Assign: FALSE` (absent means TRUE, as in REST)."""
    return header is not None and header.strip().lower() == "false"


class Org:
    """A simulated Salesforce org. Control-surface methods live in `sfsim.control`."""

    def __init__(self, *, name: str = "Acme (simulated)", clock: Clock | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.db = Database()
        self.queries = QueryEngine(self.db)
        self.bulk = BulkQueryJobs()
        self.faults = Faults()
        self.log = RequestLog()
        self.assignment_rule_owner: str | None = None
        # Validation rules, duplicate rules, flows and locks that refuse Lead updates.
        self.write_rules: list[WriteRule] = []
        self.integration_user_id = ""  # set below; the first records have no creator yet
        self.org_id = self.insert("Organization", {
            "Name": name, "TimeZoneSidKey": "America/Los_Angeles", "FiscalYearStartMonth": 1,
            "DefaultLocaleSidKey": "en_US", "OrganizationType": "Enterprise Edition",
            "IsSandbox": False, "InstanceName": "SIM1",
        })  # fmt: skip
        self.integration_user_id = self.insert("User", {
            "Username": "integration@handoff.sim", "FirstName": "Integration", "LastName": "User",
            "Email": "integration@handoff.sim", "Alias": "integ", "IsActive": True,
            "UserType": "Standard", "TimeZoneSidKey": "America/Los_Angeles",
        })  # fmt: skip
        self.auth = Auth(self.org_id)
        self.auth.set_password("integration@handoff.sim", self.integration_user_id,
                               SOAP_PASSWORD + SOAP_SECURITY_TOKEN)  # fmt: skip
        self.set_lead_statuses(DEFAULT_LEAD_STATUSES)
        self.set_opportunity_stages(DEFAULT_STAGES)
        # Every org has default business hours; a new one's are all day, every day.
        all_day = dict.fromkeys((f"{d}{e}Time" for d in WEEKDAYS for e in ("Start", "End")),
                                "00:00:00.000Z")  # fmt: skip
        self.default_business_hours_id = self.insert("BusinessHours", {
            "Name": "Default", "IsActive": True, "IsDefault": True,
            "TimeZoneSidKey": "America/Los_Angeles", **all_day,
        })  # fmt: skip

    def __repr__(self) -> str:
        return f"Org({self.org_id}, leads={self.table('Lead').size})"

    def table(self, name: str) -> Table:
        """The table of an object (INVALID_TYPE if unknown)."""
        return self.db.table(name)

    def insert(self, obj: str, values: dict[str, Any], *, by: str | None = None,
               at: int | None = None) -> str:  # fmt: skip
        """Add a record as the system would (no API checks); returns its id."""
        table = self.db.table(obj)
        unknown = [k for k in values if table.definition.field(k) is None]
        if unknown:
            raise KeyError(f"{obj} has no field {unknown[0]}")
        moment = self.clock.now() if at is None else at
        user = by or self.integration_user_id or None
        row_values: dict[str, Any] = {"CreatedDate": moment, "CreatedById": user}
        if table.definition.field("SystemModstamp") is not None:
            row_values |= {"LastModifiedDate": moment, "LastModifiedById": user,
                           "SystemModstamp": moment}  # fmt: skip
        row_values |= {table.definition.field(k).name: v for k, v in values.items()}  # type: ignore[union-attr]
        return table.id_of(table.append(row_values))

    def set_business_hours(self, time_zone: str, hours: dict[str, tuple[str, str] | None]) -> None:
        """Set the default BusinessHours: `{"Monday": ("09:00", "17:30"), "Saturday": None}`;
        days not named keep their hours."""
        with self.lock:
            table = self.table("BusinessHours")
            row = table.row_of(self.default_business_hours_id)
            assert row is not None
            table.set(row, "TimeZoneSidKey", time_zone)
            for day, span in hours.items():
                start, end = span if span is not None else (None, None)
                table.set(row, f"{day}StartTime", f"{start}:00.000Z" if start else None)
                table.set(row, f"{day}EndTime", f"{end}:00.000Z" if end else None)
            table.set(row, "SystemModstamp", self.clock.now())

    def add_custom_field(self, obj: str, definition: FieldDef) -> None:
        """Declare a custom field (name ending `__c`); existing rows read it as null."""
        if not definition.name.endswith("__c"):
            raise ValueError("custom field names end with __c")
        table = self.db.table(obj)
        table.definition.add_field(definition)
        table.add_column(definition)

    def _replace_picklist(self, definition: ObjectDef, name: str, options: list[str],
                          default: str | None) -> None:  # fmt: skip
        old = definition.field(name)
        assert old is not None
        values = tuple(PicklistValue(v, default=v == default) for v in options)
        index = definition.fields.index(old)
        definition.fields[index] = FieldDef(
            old.name, old.type, length=old.length, nillable=old.nillable,
            picklist=values, restricted=old.restricted,
        )  # fmt: skip
        definition.__post_init__()

    def set_lead_statuses(self, statuses: tuple[LeadStatusDef, ...] | list[LeadStatusDef]) -> None:
        """Define the LeadStatus values (and so the Lead.Status picklist)."""
        if sum(s.default for s in statuses) != 1:
            raise ValueError("exactly one Lead Status value is the default")
        table = self.db.table("LeadStatus")
        for row in range(table.size):
            table.purge(row)
        for order, status in enumerate(statuses, start=1):
            self.insert("LeadStatus", {
                "ApiName": status.value, "MasterLabel": status.value, "SortOrder": order,
                "IsConverted": status.converted, "IsDefault": status.default,
            })  # fmt: skip
        default = next(s.value for s in statuses if s.default)
        self._replace_picklist(self.table("Lead").definition, "Status",
                               [s.value for s in statuses], default)  # fmt: skip

    def set_opportunity_stages(self, stages: tuple[StageDef, ...] | list[StageDef]) -> None:
        """Define the OpportunityStage values (and so the StageName picklist)."""
        table = self.db.table("OpportunityStage")
        for row in range(table.size):
            table.purge(row)
        for order, stage in enumerate(stages, start=1):
            self.insert("OpportunityStage", {
                "ApiName": stage.name, "MasterLabel": stage.name, "IsActive": True,
                "IsClosed": stage.closed, "IsWon": stage.won, "SortOrder": order,
                "DefaultProbability": stage.probability, "ForecastCategoryName": stage.forecast,
            })  # fmt: skip
        self._replace_picklist(self.table("Opportunity").definition, "StageName",
                               [s.name for s in stages], None)  # fmt: skip

    def stage(self, name: str) -> StageDef | None:
        """The stage called `name`, or None."""
        table = self.db.table("OpportunityStage")
        for row in range(table.size):
            if table.exists(row) and table.get(row, "ApiName") == name:
                return StageDef(name, table.get(row, "DefaultProbability"),
                                table.get(row, "ForecastCategoryName"),
                                table.get(row, "IsClosed"), table.get(row, "IsWon"))  # fmt: skip
        return None

    def display_name(self, record_id: str | None) -> str | None:
        """The Name of whatever an id points at (for history rows)."""
        located = self.db.locate(record_id)
        if located is None:
            return None
        table, row = located
        return str(table.get(row, "Name")) if table.definition.field("Name") else None

    def update(self, obj: str, record_id: str, body: dict[str, Any], *, user_id: str,
               auto_assign: str | None = "FALSE") -> None:  # fmt: skip
        """Update one record with every API check (SfError on refusal)."""
        with self.lock:
            self.apply(plan_update(self.db, self.db.table(obj), record_id, body),
                       user_id=user_id, auto_assign=auto_assign)  # fmt: skip

    def refuse_by_rules(self, plan: Plan, duplicate_header: str | None) -> None:
        """Raise the error of the first write rule that refuses this update (Leads only)."""
        definition = plan.table.definition
        if not self.write_rules or definition.name != "Lead":
            return
        names = {n for r in self.write_rules for n in (*r.when, r.require) if n}
        saved = {
            name: plan.changes.get(name, plan.table.get(plan.row, name))
            for name in names
            if definition.field(name) is not None
        }
        record_id = plan.table.id_of(plan.row)
        error = first_refusal(
            self.write_rules, record_id, saved, allows_duplicate_save(duplicate_header)
        )
        if error is not None:
            raise error

    def apply(self, plan: Plan, *, user_id: str, auto_assign: str | None) -> None:
        """Apply a checked update: values, derived fields, audit fields, field history."""
        table, row, changes = plan.table, plan.row, dict(plan.changes)
        obj = table.definition.name
        if obj == "Lead" and self.assignment_rule_owner and not auto_assign_is_off(auto_assign):
            changes["OwnerId"] = self.assignment_rule_owner
        old = {name: table.get(row, name) for name in changes}
        for name, value in changes.items():
            table.set(row, name, value)
        if obj == "Opportunity" and "StageName" in changes:
            stage = self.stage(changes["StageName"])
            table.set(row, "IsClosed", bool(stage and stage.closed))
            table.set(row, "IsWon", bool(stage and stage.won))
        now = self.clock.now()
        table.set(row, "LastModifiedDate", now)
        table.set(row, "SystemModstamp", now)
        table.set(row, "LastModifiedById", user_id)
        if obj == "Lead":
            self._history(table.id_of(row), old, changes, user_id, now)

    def _history(self, lead_id: str, old: dict[str, Any], new: dict[str, Any], user_id: str,
                 now: int) -> None:  # fmt: skip
        if "Status" in new and old["Status"] != new["Status"]:
            self.add_history(lead_id, "Status", old["Status"], new["Status"], by=user_id, at=now)
        if "OwnerId" in new and old["OwnerId"] != new["OwnerId"]:
            self.add_history(lead_id, "Owner", self.display_name(old["OwnerId"]),
                             self.display_name(new["OwnerId"]), by=user_id, at=now)  # fmt: skip
            self.add_history(lead_id, "Owner", old["OwnerId"], new["OwnerId"], by=user_id,
                             at=now, data_type="EntityId")  # fmt: skip

    def add_history(self, lead_id: str, field: str, old: Any, new: Any, *, by: str, at: int,
                    data_type: str = "Text") -> str:  # fmt: skip
        """A LeadHistory row (the org writes these for Status and Owner changes)."""
        return self.insert("LeadHistory", {
            "LeadId": lead_id, "Field": field, "DataType": data_type,
            "OldValue": old, "NewValue": new,
        }, by=by, at=at)  # fmt: skip

    def user_id(self, who: str) -> str:
        """The id of a user given by id, Username or Name (how tests name people)."""
        table = self.db.table("User")
        located = self.db.locate(who)
        if located is not None and located[0] is table:
            return table.id_of(located[1])
        for row in range(table.size):
            if who in (table.get(row, "Username"), table.get(row, "Name")):
                return table.id_of(row)
        raise SfError(404, "NOT_FOUND", f"no user {who!r}")
