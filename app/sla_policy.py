"""Which clock and calendar each MQL's SLA runs on, built once per run from the rules and the org.

`sla.clock: calendar` (the default) is the wall clock. `sla.clock: business` counts working time
of `sla.calendar`: `org` (the org's default BusinessHours and Holidays, read every run), a named
calendar of the rules file, or `owner` (the org's hours held in each owner's own TimeZoneSidKey;
a queue or an owner without a known zone uses the org's). The policy's fingerprint goes into the
fact rules' fingerprint, so changing the clock, a calendar, a target or an owner's time zone
recomputes every lead's SLA at the next run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import HandoffError
from app.store.models import Org, User
from rules import RuleSet, WorkCalendar, calendar_from_business_hours
from rules.calendars import CalendarError
from rules.ids import to18
from rules.sla import CompiledTarget, SlaTimes, breach_step_at, pick_target, sla_times

BUSINESS = "business"


@dataclass(frozen=True)
class SlaPolicy:
    """The SLA's clock, targets and calendars for one run."""

    clock: str
    default_hours: float
    stale_days: int
    targets: tuple[CompiledTarget, ...] = ()
    calendar: WorkCalendar | None = None  # the one calendar, unless it is per owner
    per_owner: bool = False
    user_zones: Mapping[str, str] = field(default_factory=dict)
    _zoned: dict[str, WorkCalendar] = field(default_factory=dict, compare=False, repr=False)

    @property
    def needs_fields(self) -> bool:
        """Whether targets read Lead fields (the facts then load each lead's raw record)."""
        return bool(self.targets)

    def calendar_for(self, owner_id: str | None) -> WorkCalendar | None:
        """The calendar of an MQL owned by `owner_id`; None on the wall clock."""
        if self.clock != BUSINESS or self.calendar is None:
            return None
        if not self.per_owner or owner_id is None:
            return self.calendar
        zone = self.user_zones.get(to18(owner_id))
        if zone is None:
            return self.calendar
        found = self._zoned.get(zone)
        if found is None:
            try:
                found = self.calendar.in_zone(zone)
            except CalendarError:  # a zone Salesforce knows and this tz database does not
                found = self.calendar
            self._zoned[zone] = found
        return found

    def times(
        self,
        fields: Mapping[str, Any],
        owner_id: str | None,
        *,
        mql_at: datetime,
        first_touch_at: datetime | None,
        clock_at: datetime,
    ) -> SlaTimes:
        return sla_times(
            self.calendar_for(owner_id),
            target=pick_target(self.targets, self.default_hours, fields),
            stale_days=self.stale_days,
            mql_at=mql_at,
            first_touch_at=first_touch_at,
            clock_at=clock_at,
        )

    def step_at(self, owner_id: str | None, due_at: datetime, after_hours: float) -> datetime:
        """When a breach step falls due, on this policy's clock."""
        return breach_step_at(self.calendar_for(owner_id), due_at, after_hours)

    def fingerprint(self) -> str:
        """Changes whenever any SLA time of any lead could change."""
        values = {
            "clock": self.clock,
            "hours": self.default_hours,
            "stale": self.stale_days,
            "targets": [(t.label, t.hours) for t in self.targets],
            "calendar": _calendar_key(self.calendar),
            "zones": sorted(self.user_zones.items()) if self.per_owner else None,
        }
        return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()


def _calendar_key(calendar: WorkCalendar | None) -> Any:
    if calendar is None:
        return None
    return [calendar.name, calendar.time_zone, calendar.week, sorted(calendar.holidays),
            calendar.closures]  # fmt: skip


def org_calendar(org: Org | None) -> WorkCalendar | None:
    """The org's default BusinessHours with its Holidays, as stored by the last run."""
    if org is None or not org.business_hours:
        return None
    holidays = (org.holidays or {}).get("records") or []
    try:
        return calendar_from_business_hours("org", org.business_hours, holidays)
    except CalendarError as exc:
        raise HandoffError(f"the org's default BusinessHours cannot be used: {exc}") from None


def sla_policy(session: Session, ruleset: RuleSet) -> SlaPolicy:
    """The policy of `ruleset` over the org and users in the store."""
    sla = ruleset.sla
    policy = SlaPolicy(sla.clock, sla.first_touch_hours, sla.stale_days, ruleset.sla_targets)
    if sla.clock != BUSINESS:
        return policy
    name = sla.calendar
    if name in ruleset.calendars:
        return SlaPolicy(**{**_fields(policy), "calendar": ruleset.calendars[name]})
    calendar = org_calendar(session.scalars(select(Org)).first())
    if calendar is None:
        raise HandoffError(
            f"sla.calendar is {name!r}, which needs the org's default BusinessHours, and the org "
            "has none we can read: give the SLA a calendar of the rules file instead"
        )
    zones: dict[str, str] = {}
    if name == "owner":
        for user_id, fields in session.execute(select(User.id, User.fields)):
            zone = (fields or {}).get("TimeZoneSidKey")
            if zone:
                zones[to18(user_id)] = zone
    return SlaPolicy(
        **{**_fields(policy), "calendar": calendar, "per_owner": name == "owner",
           "user_zones": zones},
    )  # fmt: skip


def _fields(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "clock": policy.clock,
        "default_hours": policy.default_hours,
        "stale_days": policy.stale_days,
        "targets": policy.targets,
    }
