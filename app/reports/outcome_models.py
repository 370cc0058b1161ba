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
