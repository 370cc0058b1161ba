"""What the backtest and the calibration answer: pydantic models shared by the API and the CLI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from app.reports.models import RateInterval, Report

TODAYS_VALUES = (
    "decided on each lead's field values as stored today, not as they were when the lead was "
    "created: fields filled in or changed later (by sales, enrichment or conversion) count"
)


class OutcomeGroup(Report):
    """Leads of one group; rates are null when their denominator is zero."""

    leads: int
    converted: int = Field(description="leads converted to an opportunity")
    conversion_rate: float | None = Field(description="converted / leads")
    conversion_rate_95: RateInterval | None = Field(description="95% Wilson score interval")
    closed: int = Field(description="their opportunities that closed")
    won: int
    win_rate: float | None = Field(description="won / closed")
    win_rate_95: RateInterval | None = Field(description="95% Wilson score interval")


class Difference(Report):
    """One group's win rate against another's: percentage points and a pooled z-test."""

    difference_pp: float | None
    z: float | None
    p_value: float | None
    significant: bool = Field(description="the first group wins more, with p < 0.05")


class PeriodHistory(Report):
    leads: int
    first_created: date | None
    last_created: date | None


class BacktestSide(Report):
    """One rules file over the period's leads: its MQLs against its non-MQLs."""

    rules_version: str
    rules_hash: str
    mql: OutcomeGroup
    non_mql: OutcomeGroup
    mql_vs_non_mql: Difference


class SideChanges(Report):
    """Leads the candidate puts on the other side of the MQL line than the current rules."""

    became_mql: int
    became_mql_sample: list[str]
    left_mql: int
    left_mql_sample: list[str]
    unchanged: int


class RuleEffect(Report):
    """Leads one rule matched against those it did not, under one of the two rules files."""

    rules: Literal["candidate", "current"]
    rule: str = Field(description="its place in the file, like fit[0]")
    name: str | None
    points: int
    matched: OutcomeGroup
    not_matched: OutcomeGroup
    matched_vs_not: Difference
    too_small: bool = Field(
        description="fewer than `min_closed` closed opportunities on one side: too few to say"
    )


class Backtest(Report):
    from_: date | None = Field(alias="from", serialization_alias="from")
    to: date | None
    leads: int
    history: PeriodHistory
    notes: list[str]
    verdict: str
    candidate: BacktestSide
    current: BacktestSide | None = Field(description="null when no valid rules are active")
    changes: SideChanges | None
    rules: list[RuleEffect]
    min_closed: int
    methods: dict[str, str]


class BacktestJob(Report):
    """A backtest run in the background: poll until `state` is succeeded or failed."""

    job: str
    state: Literal["running", "succeeded", "failed"]
    created_at: datetime
    finished_at: datetime | None
    leads: int
    poll: str
    error: str | None
    result: dict[str, Any] | None = Field(description="the backtest, once succeeded")


class ScoreBand(Report):
    """Leads in one decile of a score (deciles a single score value spans are merged)."""

    deciles: str = Field(description="the decile, or deciles merged, like 7 or 8-10")
    score_from: int
    score_to: int
    outcome: OutcomeGroup


class ThresholdChoice(Report):
    """Thresholds and what they would have made MQL in the period."""

    fit: int
    interest: int
    mql_per_month: float
    mql: OutcomeGroup
    non_mql: OutcomeGroup
    mql_vs_non_mql: Difference


class Calibration(Report):
    from_: date | None = Field(alias="from", serialization_alias="from")
    to: date | None
    rules_version: str
    leads: int
    months: float = Field(description="the period's length in months (days / 30.4375)")
    fit_deciles: list[ScoreBand]
    interest_deciles: list[ScoreBand]
    current: ThresholdChoice = Field(description="the thresholds of the active rules")
    target_mql_per_month: float | None
    for_target: ThresholdChoice | None = Field(
        description="the thresholds whose MQLs per month come closest to the target"
    )
    smallest_significant: ThresholdChoice | None = Field(
        description="the lowest thresholds (most MQLs) at which MQLs win more than non-MQLs "
        "with p < 0.05; null when none does"
    )
    notes: list[str]
    methods: dict[str, str]


class ShadowSide(Report):
    """What one side did with a lead: MQL or not, the owner, and why."""

    mql: bool
    owner_id: str | None
    owner_name: str | None
    reason: str


class ShadowDisagreement(Report):
    lead_id: str
    route: str
    status_agrees: bool
    owner_agrees: bool | None = Field(description="null unless both sides made it MQL")
    ours: ShadowSide
    org: ShadowSide


class ShadowRoute(Report):
    """Agreement on the leads of one route (as the rules routed them)."""

    route: str
    leads: int
    agreed: int
    agreement_rate: float | None
    agreement_rate_95: RateInterval | None
    status_disagreements: int
    owner_disagreements: int


class ShadowReport(Report):
    from_: date | None = Field(alias="from", serialization_alias="from")
    to: date | None
    leads: int = Field(description="leads the shadow runs decided in the period (eligible ones)")
    agreed: int
    agreement_rate: float | None
    agreement_rate_95: RateInterval | None
    routes: list[ShadowRoute]
    disagreements_total: int
    disagreements: list[ShadowDisagreement] = Field(description="the first ones, by lead Id")
    notes: list[str]
    methods: dict[str, str]
