"""The backtest on both databases: the worked example, bad periods, and its properties."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.reports.backtest import MIN_CLOSED, backtest, compare
from app.reports.lead_outcomes import LeadOutcome
from rules import parse_rules
from tests.app.api import builders as b
from tests.app.reports.backtest_data import CANDIDATE, CURRENT, seed


class TestWorkedExample:
    def test_side_by_side_figures(self, session: Session) -> None:
        seed(session)
        report = backtest(
            session, parse_rules(CANDIDATE), parse_rules(CURRENT),
            start=date(2026, 3, 1), end=date(2026, 3, 31),
        )  # fmt: skip
        assert report.leads == 400
        new, old = report.candidate, report.current
        assert old is not None
        assert (new.mql.leads, new.mql.converted, new.mql.closed, new.mql.won) == (
            200,
            100,
            100,
            30,
        )
        assert new.mql.conversion_rate == 0.5
        assert new.mql.win_rate == pytest.approx(0.30)
        assert (new.non_mql.leads, new.non_mql.closed, new.non_mql.won) == (200, 200, 20)
        assert new.non_mql.win_rate == pytest.approx(0.10)
        assert (old.mql.leads, old.mql.closed, old.mql.won) == (300, 200, 40)
        assert (old.non_mql.closed, old.non_mql.won) == (100, 10)
        # 30/100 against 20/200: pooled 50/300, se = sqrt(1/6 * 5/6 * (1/100 + 1/200))
        z = 0.2 / math.sqrt(1 / 6 * 5 / 6 * (1 / 100 + 1 / 200))
        test = new.mql_vs_non_mql
        assert test.difference_pp == 20.0
        assert test.z == pytest.approx(z)
        assert test.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
        assert test.significant
        # Wilson, 30 of 100: centre (0.3 + z^2/200) / (1 + z^2/100) = 0.30740, margin 0.08845
        interval = new.mql.win_rate_95
        assert interval is not None
        assert (interval.low, interval.high) == pytest.approx((0.21895, 0.39585), abs=1e-4)

    def test_leads_changing_side_with_samples(self, session: Session) -> None:
        groups = seed(session)
        report = backtest(session, parse_rules(CANDIDATE), parse_rules(CURRENT))
        changes = report.changes
        assert changes is not None
        assert (changes.became_mql, changes.left_mql, changes.unchanged) == (0, 100, 300)
        assert len(changes.left_mql_sample) == 10
        assert set(changes.left_mql_sample) <= set(groups["middle"])
        assert "candidate separates winners from the rest better" in report.verdict

    def test_per_rule_matched_against_not_matched(self, session: Session) -> None:
        seed(session)
        report = backtest(session, parse_rules(CANDIDATE), parse_rules(CURRENT))
        effects = {(e.rules, e.name): e for e in report.rules}
        mid = effects[("candidate", "Mid-market")]
        assert (mid.rule, mid.matched.leads, mid.matched.won, mid.not_matched.won) == (
            "fit[0]", 200, 30, 20,
        )  # fmt: skip
        assert mid.matched_vs_not.difference_pp == 20.0
        assert not mid.too_small
        fifty = effects[("current", "Fifty plus")]
        assert (fifty.matched.closed, fifty.not_matched.closed) == (200, 100)

    def test_says_it_uses_todays_values(self, session: Session) -> None:
        seed(session)
        report = backtest(session, parse_rules(CANDIDATE), parse_rules(CURRENT))
        assert any("today" in note for note in report.notes)
        assert "today" in report.methods["fields"]


class TestBadPeriods:
    def test_no_closed_opportunities_gives_counts_and_null_rates(self, session: Session) -> None:
        for _ in range(3):
            b.lead(session, NumberOfEmployees=500)
        session.commit()
        report = backtest(session, parse_rules(CANDIDATE), parse_rules(CURRENT))
        assert report.candidate.mql.leads == 3
        assert report.candidate.mql.win_rate is None
        assert report.candidate.mql.win_rate_95 is None
        assert report.candidate.mql_vs_non_mql.p_value is None
        assert all(effect.too_small for effect in report.rules)
        assert "no test" in report.verdict

    def test_period_beyond_the_history_says_how_much_there_is(self, session: Session) -> None:
        seed(session)
        report = backtest(
            session, parse_rules(CANDIDATE), None, start=date(2020, 1, 1), end=date(2030, 1, 1)
        )
        assert report.current is None
        assert report.changes is None
        assert report.history.first_created == date(2026, 3, 10)
        assert any(
            "holds 400 leads created from 2026-03-10 to 2026-03-10 (1 days" in note
            for note in report.notes
        )

    def test_empty_store(self, session: Session) -> None:
        report = backtest(session, parse_rules(CANDIDATE), parse_rules(CURRENT))
        assert report.leads == 0
        assert any("no leads yet" in note for note in report.notes)


# --- properties, over leads in memory (the store only feeds `compare`) ---------------------

_BASE = """\
version: 1
statuses: {{mql: MQL, eligible_from: [Open]}}
fit:
  - {{field: NumberOfEmployees, op: gte, value: {size}, points: 30}}
  - {{field: Country, op: in, value: [US, DE], points: 10}}
interest:
  - {{field: LeadSource, op: eq, value: Webinar, points: 25}}
thresholds: {{fit: {fit}, interest: {interest}}}
{disqualify}
assignment:
  routes:
    - pool: ["00G000000000001EAA"]
"""

leads = st.lists(
    st.builds(
        lambda i, size, country, source, outcome: LeadOutcome(
            f"00Q{i:015d}",
            {"NumberOfEmployees": size, "Country": country, "LeadSource": source},
            datetime(2026, 1, 1, tzinfo=UTC),
            outcome,
        ),
        st.integers(0, 10**9),
        st.one_of(st.none(), st.integers(0, 1000)),
        st.sampled_from([None, "US", "DE", "FR"]),
        st.sampled_from([None, "Webinar", "Web"]),
        st.integers(0, 3),
    ),
    max_size=60,
)
files = st.builds(
    lambda size, fit, interest: _BASE.format(size=size, fit=fit, interest=interest,
                                             disqualify=""),
    st.integers(0, 500), st.sampled_from([0, 10, 30, 40]), st.sampled_from([0, 25]),
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(leads, files)
def test_the_current_rules_as_candidate_change_no_lead(found: list[LeadOutcome], text: str) -> None:
    rules = parse_rules(text)
    result = compare(found, rules, parse_rules(text))
    assert result.changes is not None
    assert (result.changes.became_mql, result.changes.left_mql) == (0, 0)
    assert result.candidate.mql == result.current.mql  # type: ignore[union-attr]


@settings(max_examples=60, deadline=None)
@given(leads, files, st.sampled_from(["US", "DE", "FR"]))
def test_adding_a_disqualifier_never_adds_mqls(
    found: list[LeadOutcome], text: str, country: str
) -> None:
    stricter = text.replace(
        "\n\nassignment", f"\ndisqualify:\n  - {{field: Country, op: eq, value: {country}}}\n"
        "assignment",
    )  # fmt: skip
    assert stricter != text
    result = compare(found, parse_rules(stricter), parse_rules(text))
    assert result.current is not None
    assert result.changes is not None
    assert result.candidate.mql.leads <= result.current.mql.leads
    assert result.changes.became_mql == 0


def test_min_closed_is_documented_in_the_report() -> None:
    assert MIN_CLOSED == 20


def test_every_matching_disqualifier_counts_not_only_the_first() -> None:
    text = _BASE.format(size=100, fit=0, interest=0, disqualify=(
        "disqualify:\n  - {field: Country, op: eq, value: FR}\n"
        "  - {field: LeadSource, op: eq, value: Web}\n"
    ))  # fmt: skip
    lead = LeadOutcome("00Q1", {"Country": "FR", "LeadSource": "Web"},
                       datetime(2026, 1, 1, tzinfo=UTC), 3)  # fmt: skip
    other = LeadOutcome("00Q2", {"Country": "US", "LeadSource": "Web"},
                        datetime(2026, 1, 1, tzinfo=UTC), 2)  # fmt: skip
    result = compare([lead, other], parse_rules(text), None)
    matched = {e.rule: (e.matched.leads, e.matched.won) for e in result.rules}
    assert matched["disqualify[0]"] == (1, 1)
    assert matched["disqualify[1]"] == (2, 1)
    assert result.candidate.mql.leads == 0
