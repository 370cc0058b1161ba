"""Calibration: how conversion and win rate climb with the fit and the interest score, and the
thresholds the data supports.

The active rules score every lead created in the period (streamed; only counts per score value
are kept, so memory does not grow with the leads). Deciles are taken over the leads ranked by
score: a score value belongs to the decile of its middle rank, so when many leads share one
score its deciles are merged into one band (scores are sums of a few rules' points, so ties are
common). Thresholds are searched over every pair of score values seen, with two-dimensional
suffix sums: MQLs at (fit >= f, interest >= i) among the leads not disqualified and with every
required field, against all other leads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

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
from app.reports.outcome_models import TODAYS_VALUES, Calibration, ScoreBand, ThresholdChoice
from rules import RuleSet
from rules.values import is_blank

METHODS = {
    "deciles": "leads ranked by score; a score value goes to the decile of its middle rank, and "
    "a band is named by the deciles its leads' ranks span (ties make bands wider than a decile)",
    "interval": stats.WILSON_METHOD,
    "mql_vs_non_mql": stats.Z_TEST_METHOD + ", win rate, significant at p < 0.05",
    "for_target": "the pair of thresholds whose MQLs per month come closest to the target; "
    "ties go to the higher MQL win rate",
    "smallest_significant": "among thresholds whose MQLs win more than the rest with p < 0.05, "
    "the pair making the most MQLs",
    "fields": TODAYS_VALUES,
}


@dataclass
class _Scores:
    """Counts by outcome per fit value, per interest value, and per pair for the leads that
    can qualify (not disqualified, no required field blank)."""

    fit: dict[int, Counts] = field(default_factory=dict)
    interest: dict[int, Counts] = field(default_factory=dict)
    joint: dict[tuple[int, int], Counts] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None

    def count(self, ruleset: RuleSet, lead: LeadOutcome) -> None:
        fit, interest, _matched, disqualified = ruleset.score(lead.fields)
        outcome = lead.outcome
        _counts(self.fit, fit)[outcome] += 1
        _counts(self.interest, interest)[outcome] += 1
        blank = any(is_blank(lead.fields.get(name)) for name in ruleset.handoff_requires)
        if disqualified is None and not blank:
            _counts(self.joint, (fit, interest))[outcome] += 1
        created = lead.created
        if self.first is None or created < self.first:
            self.first = created
        if self.last is None or created > self.last:
            self.last = created

    def tallies(self, by: dict[Any, Counts]) -> dict[Any, Tally]:
        return {key: Tally.of(counts) for key, counts in by.items()}

    def total(self) -> Tally:
        total = Tally()
        for counts in self.fit.values():
            total.add(Tally.of(counts))
        return total


def _counts(by: dict[Any, Counts], key: Any) -> Counts:
    found = by.get(key)
    if found is None:
        found = by[key] = new_counts()
    return found


def _bands(by_score: dict[int, Tally]) -> list[ScoreBand]:
    """Score values grouped by the decile of their middle rank, each band named by the deciles
    its leads' ranks span (`1-3`, `3-5` when a decile is split between two values)."""
    total = sum(t.leads for t in by_score.values())
    if not total:
        return []
    bands: dict[int, tuple[list[int], Tally, int]] = {}
    seen = 0
    for score in sorted(by_score):
        tally = by_score[score]
        decile = min(9, int(10 * (seen + tally.leads / 2) / total))
        scores, kept, first = bands.setdefault(decile, ([], Tally(), seen))
        scores.append(score)
        kept.add(tally)
        seen += tally.leads
    rows = []
    for scores, tally, first in bands.values():
        low = 10 * first // total + 1
        high = max(low, -(-10 * (first + tally.leads) // total))
        rows.append(ScoreBand(deciles=str(low) if low == high else f"{low}-{high}",
                              score_from=min(scores), score_to=max(scores),
                              outcome=tally.group()))  # fmt: skip
    return rows


class _Grid:
    """Suffix sums of the joint tallies: MQLs at any pair of thresholds in constant time."""

    def __init__(self, joint: dict[tuple[int, int], Tally]) -> None:
        self.fits = sorted({f for f, _ in joint})
        self.interests = sorted({i for _, i in joint})
        rows, cols = len(self.fits), len(self.interests)
        where_f = {v: n for n, v in enumerate(self.fits)}
        where_i = {v: n for n, v in enumerate(self.interests)}
        cells = [[Tally() for _ in range(cols + 1)] for _ in range(rows + 1)]
        for (f, i), tally in joint.items():
            cells[where_f[f]][where_i[i]].add(tally)
        for a in range(rows - 1, -1, -1):
            for b in range(cols - 1, -1, -1):
                cell = cells[a][b]
                cell.add(cells[a + 1][b])
                cell.add(cells[a][b + 1])
                cell.add(_negate(cells[a + 1][b + 1]))
        self.cells = cells

    def at(self, fit: int, interest: int) -> Tally:
        a = next((n for n, v in enumerate(self.fits) if v >= fit), len(self.fits))
        b = next((n for n, v in enumerate(self.interests) if v >= interest), len(self.interests))
        return self.cells[a][b]

    def pairs(self) -> list[tuple[int, int, Tally]]:
        return [
            (f, i, self.cells[a][b])
            for a, f in enumerate(self.fits)
            for b, i in enumerate(self.interests)
        ]


DAYS_PER_MONTH = 30.4375


def months_between(first: date | None, last: date | None) -> float:
    """The period's length in months, counting both ends; 0 when it is unknown."""
    if first is None or last is None or last < first:
        return 0.0
    return ((last - first).days + 1) / DAYS_PER_MONTH


def _negate(tally: Tally) -> Tally:
    return Tally(-tally.leads, -tally.converted, -tally.closed, -tally.won)


def _choice(fit: int, interest: int, mql: Tally, total: Tally, months: float) -> ThresholdChoice:
    rest = total.minus(mql)
    return ThresholdChoice(
        fit=fit,
        interest=interest,
        mql_per_month=round(mql.leads / months, 2) if months else float(mql.leads),
        mql=mql.group(),
        non_mql=rest.group(),
        mql_vs_non_mql=win_rate_difference(mql, rest),
    )


def calibration(
    session: Session,
    ruleset: RuleSet,
    *,
    start: date | None = None,
    end: date | None = None,
    target_mql_per_month: float | None = None,
) -> Calibration:
    """Deciles of both scores and the thresholds for the leads created from `start` to `end`."""
    scores = _Scores()
    for lead in lead_outcomes(session, start, end):
        scores.count(ruleset, lead)
    months = months_between(
        start or (scores.first.date() if scores.first else None),
        end or (scores.last.date() if scores.last else None),
    )
    grid = _Grid(scores.tallies(scores.joint))
    total = scores.total()
    choices = grid.pairs()
    for_target = None
    if target_mql_per_month is not None and choices and months:
        f, i, t = min(
            choices,
            key=lambda c: (abs(c[2].leads / months - target_mql_per_month),
                           -(stats.rate(c[2].won, c[2].closed) or 0.0)),
        )  # fmt: skip
        for_target = _choice(f, i, t, total, months)
    significant = [
        (f, i, t) for f, i, t in choices if win_rate_difference(t, total.minus(t)).significant
    ]
    smallest = None
    if significant:
        f, i, t = max(significant, key=lambda c: (c[2].leads, -c[0], -c[1]))
        smallest = _choice(f, i, t, total, months)
    stored = history(session)
    current = grid.at(ruleset.fit_threshold, ruleset.interest_threshold)
    return Calibration(
        from_=start,
        to=end,
        rules_version=str(ruleset.version),
        leads=total.leads,
        months=round(months, 3),
        fit_deciles=_bands(scores.tallies(scores.fit)),
        interest_deciles=_bands(scores.tallies(scores.interest)),
        current=_choice(ruleset.fit_threshold, ruleset.interest_threshold, current, total, months),
        target_mql_per_month=target_mql_per_month,
        for_target=for_target,
        smallest_significant=smallest,
        notes=[TODAYS_VALUES, *history_notes(stored, start, end)],
        methods=METHODS,
    )
