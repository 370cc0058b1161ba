"""`generate`: a deterministic org for a seed, from the ~1,000-lead demo to a million leads."""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass, replace

from sfsim.org import LeadStatusDef, Org
from sfsim.schema import FieldDef
from sfsim.seed.history import add_history
from sfsim.seed.leads import draw_leads
from sfsim.seed.people import add_staff
from sfsim.seed.related import add_activity, add_conversions

LEAD_STATUSES = (
    LeadStatusDef("Open - Not Contacted", default=True),
    LeadStatusDef("Working - Contacted"),
    LeadStatusDef("Nurturing"),
    LeadStatusDef("Marketing Qualified"),
    LeadStatusDef("Sales Qualified"),
    LeadStatusDef("Closed - Converted", converted=True),
    LeadStatusDef("Closed - Not Converted"),
    LeadStatusDef("Disqualified"),
)
CUSTOM_LEAD_FIELDS = (
    FieldDef("Website_Visits__c", "double", label="Website Visits", custom=True),
    FieldDef("MQL_Date__c", "datetime", label="MQL Date", custom=True),
    FieldDef("Lead_Score__c", "double", label="Lead Score", custom=True),
    FieldDef("MQL_Reason__c", "string", length=255, label="MQL Reason", custom=True),
)
# A fixed "now" for seeded data so a seed gives the same org whenever it runs.
SEED_NOW = 1_793_000_000  # 2026-10-26T07:33:20Z
# Leads are drawn in slices of time, oldest first, so ids follow CreatedDate and memory stays flat.
CHUNK = 50_000
FREEZE_FROM = 50_000


@dataclass(frozen=True)
class Config:
    """What to generate. `now` is the moment the data ends at (the org clock is not moved)."""

    seed: int = 42
    leads: int = 1000
    reps: int | None = None
    span_days: int = 540
    now: int = SEED_NOW


PRESETS = {"demo": Config(seed=42, leads=1000)}


def config_for(seed: int | str, leads: int | None = None) -> Config:
    """A preset by name (`demo`) or a numeric seed, optionally with another lead count."""
    base = PRESETS[seed] if isinstance(seed, str) and seed in PRESETS else Config(seed=int(seed))
    return base if leads is None else replace(base, leads=leads)


def generate(
    target: Org | Config | None = None,
    *,
    seed: int | str = "demo",
    leads: int | None = None,
    now: int | None = None,
) -> Org:
    """Fill an empty org (or a new one) with seeded data and return it.

    Passing a Config uses it as is; otherwise `seed` names a preset or a number. `now` (epoch
    seconds) is where the data ends; by default a fixed moment, so a seed always gives the same
    org (the demo passes the current time so that its SLA clocks are running).
    """
    config = target if isinstance(target, Config) else config_for(seed, leads)
    if now is not None:
        config = replace(config, now=now)
    org = target if isinstance(target, Org) else Org()
    with org.lock:
        if org.table("Lead").size:
            raise ValueError("generate fills an empty org")
        _fill(org, config)
    if config.leads >= FREEZE_FROM:
        _freeze()
    return org


def _freeze() -> None:
    """Take the seeded data out of the cyclic GC's sight.

    Text columns are lists of millions of pointers; every full collection walks them all, and
    rendering query pages allocates enough to trigger one every page or two (a 2,000-record page
    took 44 ms instead of 26 ms over 100,000 leads). The data lives as long as the process, so
    freezing it loses nothing; it is only done for large orgs, where it matters.
    """
    gc.collect()
    gc.freeze()


WORKDAY = ("09:00", "17:30")


def _working_calendar(org: Org) -> None:
    """The sales floor's hours (New York, like the reps) and the org's recurring holidays."""
    weekdays = dict.fromkeys(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"), WORKDAY)
    org.set_business_hours("America/New_York", weekdays | {"Saturday": None, "Sunday": None})
    recurring = {"IsAllDay": True, "IsRecurrence": True, "RecurrenceStartDate": 18262}  # 2020-01-01
    org.insert("Holiday", recurring | {
        "Name": "Christmas Day", "RecurrenceType": "RecursYearly", "RecurrenceDayOfMonth": 25,
        "RecurrenceMonthOfYear": "December",
    })  # fmt: skip
    org.insert("Holiday", recurring | {
        "Name": "Thanksgiving", "RecurrenceType": "RecursYearlyNth", "RecurrenceInstance": "Fourth",
        "RecurrenceDayOfWeekMask": 16, "RecurrenceMonthOfYear": "November",
    })  # fmt: skip


def _fill(org: Org, config: Config) -> None:
    rng = random.Random(config.seed)
    org.set_lead_statuses(LEAD_STATUSES)
    for definition in CUSTOM_LEAD_FIELDS:
        if org.table("Lead").definition.field(definition.name) is None:
            org.add_custom_field("Lead", definition)
    start = config.now - config.span_days * 86400 - 86400
    reps = config.reps or max(6, min(200, config.leads // 150))
    staff = add_staff(org, rng, reps, start)
    _working_calendar(org)
    # The second rep is on holiday: out of office from a day before the data ends to a week
    # after, set by themselves in Lightning.
    org.insert("OutOfOffice", {
        "UserId": staff.reps[1], "StartDate": config.now - 86400,
        "EndDate": config.now + 7 * 86400, "IsEnabled": True, "Message": "On holiday",
    }, by=staff.reps[1], at=config.now - 2 * 86400)  # fmt: skip
    org.assignment_rule_owner = staff.lead_queue
    chunks = max(1, -(-config.leads // CHUNK))
    window = config.span_days * 86400 // chunks
    for k in range(chunks):
        count = min(CHUNK, config.leads - k * CHUNK)
        chunk_now = config.now - (chunks - 1 - k) * window
        draw = draw_leads(rng, staff, count, chunk_now, window // 86400 or 1)
        add_conversions(org, rng, staff, draw, config.now)
        lead_base = org.table("Lead").size
        add_activity(org, rng, staff, draw, config.now)
        add_history(org, rng, staff, draw, lead_base, config.now)
        org.table("Lead").extend(count, draw.columns)
