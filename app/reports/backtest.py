"""The backtest: what a candidate rules file would have made of the period's leads, beside the
current rules, and how those leads turned out.

Both files judge every lead created in the period (`rules.judge`: the verdict on its fields,
whatever its status today), streamed from the store, so memory holds counts and a few sample Ids
whatever the period's size. For each file the MQLs and the non-MQLs are tallied (conversion to an
opportunity, closed, won), with 95% Wilson intervals and the pooled two-proportion z-test of
the MQLs' win rate against the non-MQLs'; leads that change side are counted each way; and each
rule's matched leads are compared with the leads it did not match.

The leads' fields are today's: a backtest cannot know what a lead looked like when it arrived,
and the report says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session

from app.reports import stats
from app.reports.lead_outcomes import (
    Counts,
    LeadOutcome,
    Tally,
    history,
    history_notes,
    lead_outcomes,
    new_counts,
    win_rate_difference,
)
from app.reports.outcome_models import (
    TODAYS_VALUES,
    Backtest,
    BacktestSide,
    RuleEffect,
    SideChanges,
)
from rules import CompiledRule, RuleSet, judge

# A rule whose matched (or unmatched) leads closed fewer opportunities than this is flagged: an
# interval over a handful of deals is too wide to act on.
MIN_CLOSED = 20
SAMPLE_IDS = 10

METHODS = {
    "mql": "the rules' verdict on the lead's fields: not disqualified, fit and interest at or "
    "above the thresholds, no handoff_requires field blank (status and history are ignored)",
    "conversion_rate": "leads converted to an opportunity / leads",
    "win_rate": "won / closed opportunities the leads converted into",
    "interval": stats.WILSON_METHOD,
    "mql_vs_non_mql": stats.Z_TEST_METHOD + ", win rate, significant at p < 0.05",
    "fields": TODAYS_VALUES,
}


@dataclass
class _SideTally:
    """One rules file's counts by outcome over the leads judged so far."""

    ruleset: RuleSet
    mql: Counts = field(default_factory=new_counts)
    non_mql: Counts = field(default_factory=new_counts)
    matched: dict[str, Counts] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.matched = {rule.place: new_counts() for rule in _rules(self.ruleset)}
        # Each disqualifier, and those after it: the scorer stops at the first that matches,
        # so only the later ones still need testing for "matched" counts.
        rules = self.ruleset.disqualify
        self._after = {rule.place: rules[n + 1 :] for n, rule in enumerate(rules)}

    def judge(self, lead: LeadOutcome) -> bool:
        verdict = judge(self.ruleset, lead.fields)
        outcome = lead.outcome
        (self.mql if verdict.mql else self.non_mql)[outcome] += 1
        matched = self.matched
        for rule in verdict.matched:
            matched[rule.place][outcome] += 1
        first = verdict.disqualified_by
        if first is not None:
            matched[first.place][outcome] += 1
            for rule in self._after[first.place]:
                if rule.test(lead.fields):
                    matched[rule.place][outcome] += 1
        return verdict.mql

    def total(self) -> Tally:
        total = Tally.of(self.mql)
        total.add(Tally.of(self.non_mql))
        return total

    def side(self) -> BacktestSide:
        mql, other = Tally.of(self.mql), Tally.of(self.non_mql)
        return BacktestSide(
            rules_version=str(self.ruleset.version),
            rules_hash=self.ruleset.content_hash,
            mql=mql.group(),
            non_mql=other.group(),
            mql_vs_non_mql=win_rate_difference(mql, other),
        )

    def effects(self, which: Literal["candidate", "current"]) -> list[RuleEffect]:
        total = self.total()
        effects = []
        for rule in _rules(self.ruleset):
            matched = Tally.of(self.matched[rule.place])
            rest = total.minus(matched)
            effects.append(
                RuleEffect(
                    rules=which,
                    rule=rule.place,
                    name=rule.name,
                    points=rule.points,
                    matched=matched.group(),
                    not_matched=rest.group(),
                    matched_vs_not=win_rate_difference(matched, rest),
                    too_small=min(matched.closed, rest.closed) < MIN_CLOSED,
                )
            )
        return effects


@dataclass
class _Changes:
    became: int = 0
    left: int = 0
    unchanged: int = 0
    became_sample: list[str] = field(default_factory=list)
    left_sample: list[str] = field(default_factory=list)

    def count(self, lead_id: str, before: bool, after: bool) -> None:
        if before == after:
            self.unchanged += 1
        elif after:
            self.became += 1
            if len(self.became_sample) < SAMPLE_IDS:
                self.became_sample.append(lead_id)
        else:
            self.left += 1
            if len(self.left_sample) < SAMPLE_IDS:
                self.left_sample.append(lead_id)

    def model(self) -> SideChanges:
        return SideChanges(
            became_mql=self.became,
            became_mql_sample=self.became_sample,
            left_mql=self.left,
            left_mql_sample=self.left_sample,
            unchanged=self.unchanged,
        )


def _rules(ruleset: RuleSet) -> tuple[CompiledRule, ...]:
    return (*ruleset.fit, *ruleset.interest, *ruleset.disqualify)


def backtest(
    session: Session,
    candidate: RuleSet,
    current: RuleSet | None,
    *,
    start: date | None = None,
    end: date | None = None,
) -> Backtest:
    """The candidate beside the current rules over the leads created from `start` to `end`."""
    found = compare(lead_outcomes(session, start, end), candidate, current)
    stored = history(session)
    return Backtest(
        from_=start,
        to=end,
        leads=found.leads,
        history=stored,
        notes=[TODAYS_VALUES, *history_notes(stored, start, end)],
        verdict=verdict(found.candidate, found.current, found.changes),
        candidate=found.candidate,
        current=found.current,
        changes=found.changes,
        rules=found.rules,
        min_closed=MIN_CLOSED,
        methods=METHODS,
    )


@dataclass(frozen=True)
class Comparison:
    """The two rules files over one stream of leads."""

    leads: int
    candidate: BacktestSide
    current: BacktestSide | None
    changes: SideChanges | None
    rules: list[RuleEffect]


def compare(
    leads: Iterable[LeadOutcome], candidate: RuleSet, current: RuleSet | None
) -> Comparison:
    """Judge each lead with both files, keeping only counts and a few sample Ids."""
    new = _SideTally(candidate)
    old = _SideTally(current) if current is not None else None
    changes = _Changes()
    count = 0
    for lead in leads:
        count += 1
        after = new.judge(lead)
        if old is not None:
            changes.count(lead.id, old.judge(lead), after)
    return Comparison(
        leads=count,
        candidate=new.side(),
        current=old.side() if old is not None else None,
        changes=changes.model() if old is not None else None,
        rules=new.effects("candidate") + (old.effects("current") if old is not None else []),
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _says(name: str, side: BacktestSide) -> str:
    mql, other, test = side.mql, side.non_mql, side.mql_vs_non_mql
    text = (
        f"{name} rules: {mql.leads} MQLs winning {_pct(mql.win_rate)} of {mql.closed} closed, "
        f"non-MQLs {_pct(other.win_rate)} of {other.closed}"
    )
    if test.p_value is None:
        return text + " (no test: too few closed deals on a side)"
    verdict = "MQLs win more" if test.significant else "no significant difference"
    return text + f" ({verdict}, p={test.p_value:.3g})"


def verdict(
    candidate: BacktestSide, current: BacktestSide | None, changes: SideChanges | None
) -> str:
    """The result in one paragraph, for the CLI, the demo and the dashboard."""
    parts = [_says("Candidate", candidate)]
    if current is not None:
        parts.append(_says("Current", current))
    if changes is not None:
        parts.append(f"{changes.became_mql} leads become MQL and {changes.left_mql} stop being MQL")
    if current is not None:
        better = _separates_better(candidate, current)
        parts.append(
            "the candidate separates winners from the rest better than the current rules"
            if better
            else "the candidate does not separate winners better than the current rules"
        )
    return "; ".join(parts) + "."


def _separates_better(candidate: BacktestSide, current: BacktestSide) -> bool:
    """A larger MQL-over-non-MQL win rate lift, significant at p < 0.05."""
    new, old = candidate.mql_vs_non_mql, current.mql_vs_non_mql
    if not new.significant or new.difference_pp is None:
        return False
    return old.difference_pp is None or new.difference_pp > old.difference_pp
