"""What the reports answer: pydantic models, so the API's OpenAPI schema and the CLI share them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

GroupBy = Literal["quarter", "month", "lead_source", "owner"]


class SlaState(StrEnum):
    """Where an open MQL stands against the SLA (SPEC, Definitions), most urgent first.

    Not a write state: `SlaState.PENDING` is an MQL nobody touched yet inside the SLA, where
    `app.store.states.WriteState.PENDING` is a decision not yet written to the org.
    """

    BREACHED = "breached"
    PENDING = "pending"
    STALE = "stale"
    MET = "met"
    # No known MQL time: kept out of the SLA figures.
    MQL_AT_UNKNOWN = "mql_at_unknown"


class Report(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class RateInterval(Report):
    low: float
    high: float


class Segment(Report):
    """Closed opportunities of one segment; `win_rate` is null when none closed."""

    closed: int
    won: int
    lost: int
    win_rate: float | None
    won_amount: float
    lost_amount: float
    win_rate_95: RateInterval | None = Field(description="95% Wilson score interval")


class Comparison(Report):
    """MQL-originated against the rest: difference and pooled z-test."""

    difference_pp: float | None
    z: float | None
    p_value: float | None


class WinLossGroup(Report):
    key: str | None
    label: str | None = None
    all: Segment
    excluding_mql: Segment
    mql_only: Segment
    difference_pp: float | None


class WinLoss(Report):
    from_: date | None = Field(alias="from", serialization_alias="from")
    to: date | None
    all: Segment
    excluding_mql: Segment
    mql_only: Segment
    difference_pp: float | None = Field(description="all minus excluding_mql, percentage points")
    mql_vs_non_mql_pp: Comparison
    mql_evidence: dict[str, int] = Field(
        description="closed MQL-originated opportunities by the kind of evidence for them"
    )
    methods: dict[str, str]
    group_by: GroupBy | None = None
    groups: list[WinLossGroup] | None = None


class SlaSettings(Report):
    first_touch_hours: float
    stale_days: float
    clock: Literal["calendar", "business"] = "calendar"
    calendar: str | None = Field(
        default=None, description="owner, org or a calendar's name, on the business clock"
    )


class StateCounts(Report):
    mql_open: int = 0
    pending: int = 0
    met: int = 0
    breached: int = 0
    stale: int = 0
    mql_at_unknown: int = 0


class OwnerStatus(StateCounts):
    owner_id: str | None
    owner_name: str | None = None
    median_hours_to_first_touch: float | None = None
    p90_hours_to_first_touch: float | None = None
    acceptance_rate: float | None = None


class Acceptance(Report):
    accepted: int
    converted: int
    rejected: int
    other_exits: int
    rate: float | None


class TargetStatus(StateCounts):
    """Open MQLs of one SLA target (`default` is `first_touch_hours`)."""

    target: str | None
    target_hours: float | None = None


class HandoffStatus(StateCounts):
    as_of: datetime
    since: datetime
    sla_hours: float = Field(description="the default first-touch target, in hours")
    sla_clock: Literal["calendar", "business"] = Field(
        "calendar",
        description="how SLA hours are counted: calendar (wall clock) or business (working "
        "time of sla_calendar)",
    )
    sla_calendar: str | None = Field(
        None, description="on the business clock: owner, org or a calendar's name"
    )
    sla: SlaSettings = Field(description="the SLA settings in full (first touch, stale, clock)")
    median_hours_to_first_touch: float | None
    p90_hours_to_first_touch: float | None
    acceptance_rate: float | None
    acceptance: Acceptance
    methods: dict[str, str]
    by_owner: list[OwnerStatus]
    by_target: list[TargetStatus] = []


class OpenMql(Report):
    lead_id: str
    owner_id: str | None
    owner_name: str | None
    mql_at: datetime | None
    first_touch_at: datetime | None
    hours_to_first_touch: float | None
    sla: SlaState
    due_at: datetime | None = Field(description="when the first touch is due, on the SLA clock")
    target: str | None = Field(description="the SLA target that applies (default or its name)")
    target_hours: float | None
    fit: int | None
    interest: int | None


class FunnelMonth(Report):
    month: str | None
    leads: int
    mql: int
    accepted: int
    opportunity: int
    won: int
    lead_to_mql: float | None
    mql_to_accepted: float | None
    accepted_to_opportunity: float | None
    opportunity_to_won: float | None


class Funnel(Report):
    from_: date | None = Field(alias="from", serialization_alias="from")
    to: date | None
    months: list[FunnelMonth]
    total: FunnelMonth


class RuleRow(Report):
    rule: str = Field(description="the rule's place in the file, like fit[0]")
    name: str | None = Field(default=None, description="the rule's `name:`, when it has one")
    leads_matched: int
    mql: int
    converted: int
    closed: int = Field(description="closed opportunities the converted leads became")
    won: int
    win_rate: float | None = Field(description="won / closed")


class RulesReport(Report):
    rules_version: str | None
    rules_hash: str | None
    leads_decided: int
    rules: list[RuleRow]
    held_by_missing_field: dict[str, int]


class BreachActionItem(Report):
    """One on_breach step taken (or, in a dry run, that would have been) for one MQL stay."""

    id: int
    lead_id: str
    step: int
    kind: Literal["notify", "reassign"]
    state: str = Field(
        description="queued, done, failed, skipped (nothing to do, see detail.why), would (dry run)"
    )
    dry_run: bool
    owner_id: str | None
    owner_name: str | None = None
    target: str | None
    mql_at: datetime | None
    due_at: datetime
    step_at: datetime
    acted_at: datetime | None
    detail: dict[str, Any]
    delivery: str | None = Field(description="notify: the outbox state (pending, sent, failed)")
    delivery_attempts: int | None
    delivery_error: str | None
    first_touch_at: datetime | None
    hours_action_to_first_touch: float | None


class BreachGroup(Report):
    key: str | None
    label: str | None = None
    breaches: int
    actions: dict[str, int] = Field(description="by kind and state, like notify_done")
    followed_by_touch: int
    median_hours_action_to_first_touch: float | None


class BreachesReport(Report):
    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime
    breaches: int
    by_owner: list[BreachGroup]
    by_target: list[BreachGroup]
    actions: list[BreachActionItem]
    actions_truncated: bool
    methods: dict[str, str]


class AgingBucket(Report):
    """Open MQLs whose MQL time is between `from_hours` and `to_hours` ago (None: unbounded)."""

    label: str
    from_hours: float | None
    to_hours: float | None
    mql_open: int


class MqlAging(Report):
    as_of: datetime
    buckets: list[AgingBucket]


class FirstTouchWeek(Report):
    """MQLs whose MQL time falls in the week starting `week_start` (Monday, UTC)."""

    week_start: date
    mqls: int
    touched: int
    median_hours_to_first_touch: float | None
    p90_hours_to_first_touch: float | None


class FirstTouchByWeek(Report):
    as_of: datetime
    weeks: list[FirstTouchWeek]
    methods: dict[str, str]
