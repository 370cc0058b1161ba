"""The pure MQL rules: precedence of evidence, replayed history, periods, and properties."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.sync.mql_facts import (
    FactRules,
    LeadEvidence,
    LeadSnapshot,
    StatusChange,
    close_period,
    derive_episodes,
    lead_fact_columns,
    start_evidence,
)

MQL = "Marketing Qualified"
RULES = FactRules(
    mql_status=MQL,
    accepted=frozenset({"Working - Contacted"}),
    rejected=frozenset({"Closed - Not Converted"}),
)
T0 = datetime(2026, 10, 1, tzinfo=UTC)
OWNER = "005000000000009AAA"
NOW = T0 + timedelta(days=30)
STATUSES = ["Open - Not Contacted", MQL, "Working - Contacted", "Closed - Not Converted", "Other"]


def _lead(status: str, **kw: object) -> LeadSnapshot:
    values: dict[str, object] = {
        "id": "00Q000000000001EAA",
        "status": status,
        "is_converted": False,
        "is_deleted": False,
        "system_modstamp": T0 + timedelta(days=20),
        "last_modified_by_id": "005000000000001AAA",
        "mql_date": None,
        "owner_id": OWNER,
    }
    return LeadSnapshot(**(values | kw))  # type: ignore[arg-type]


class TestStartEvidence:
    @pytest.mark.parametrize(
        ("mql_date", "history", "ours", "expected"),
        [
            (T0, [T0 + timedelta(hours=1)], [T0 + timedelta(hours=2)], ("field", T0)),
            (
                None,
                [T0 + timedelta(hours=1)],
                [T0 + timedelta(hours=2)],
                ("history", T0 + timedelta(hours=1)),
            ),
            (None, [], [T0 + timedelta(hours=2)], ("ours", T0 + timedelta(hours=2))),
            (None, [], [], ("first_seen", NOW)),
        ],
    )
    def test_follows_the_specs_precedence(
        self,
        mql_date: datetime | None,
        history: list[datetime],
        ours: list[datetime],
        expected: tuple[str, datetime],
    ) -> None:
        evidence = LeadEvidence(
            lead=_lead(MQL, mql_date=mql_date),
            history=[StatusChange(t, "Open - Not Contacted", MQL, "005x") for t in history],
            our_mql_writes=ours,
        )

        episode = start_evidence(evidence, RULES, None, NOW)

        assert (episode.evidence, episode.started_at) == expected


class TestReplay:
    def test_stays_between_two_runs_are_replayed_from_history(self) -> None:
        changes = [
            StatusChange(T0 + timedelta(days=1), "Open - Not Contacted", MQL, "005a"),
            StatusChange(T0 + timedelta(days=2), MQL, "Working - Contacted", "005b"),
            StatusChange(T0 + timedelta(days=3), "Working - Contacted", MQL, "005a"),
            StatusChange(T0 + timedelta(days=4), MQL, "Closed - Not Converted", "005c"),
        ]
        evidence = LeadEvidence(lead=_lead("Closed - Not Converted"), history=changes)

        episodes = derive_episodes(evidence, RULES, NOW)

        assert [(e.started_at, e.ended_at, e.ended_kind, e.ended_by_id) for e in episodes] == [
            (T0 + timedelta(days=1), T0 + timedelta(days=2), "accepted", "005b"),
            (T0 + timedelta(days=3), T0 + timedelta(days=4), "rejected", "005c"),
        ]
        assert lead_fact_columns(episodes, [], T0, "UTC")["taken_out_of_mql_by_person"]

    def test_a_closed_stay_keeps_the_owner_seen_as_it_closed(self) -> None:
        entry = StatusChange(T0 + timedelta(days=1), "Open - Not Contacted", MQL, "005a")
        opened = derive_episodes(LeadEvidence(lead=_lead(MQL), history=[entry]), RULES, NOW)
        leave = StatusChange(T0 + timedelta(days=2), MQL, "Working - Contacted", "005b")
        closed = derive_episodes(
            LeadEvidence(
                lead=_lead("Working - Contacted"), episodes=opened, history=[entry, leave]
            ),
            RULES,
            NOW,
        )
        reassigned = derive_episodes(
            LeadEvidence(
                lead=_lead("Working - Contacted", owner_id="005000000000007AAA"),
                episodes=closed,
                history=[entry, leave],
            ),
            RULES,
            NOW + timedelta(days=1),
        )

        assert [e.owner_id for e in opened] == [None]
        assert [(e.ended_kind, e.owner_id) for e in closed] == [("accepted", OWNER)]
        assert reassigned == closed

    def test_a_first_seen_time_is_upgraded_when_the_history_row_arrives(self) -> None:
        first = derive_episodes(LeadEvidence(lead=_lead(MQL)), RULES, NOW)
        row = StatusChange(T0 + timedelta(days=1), "Open - Not Contacted", MQL, "005a")

        later = derive_episodes(
            LeadEvidence(lead=_lead(MQL), episodes=first, history=[row]), RULES, NOW + timedelta(1)
        )

        assert [(e.evidence, e.started_at) for e in first] == [("first_seen", NOW)]
        assert [(e.evidence, e.started_at) for e in later] == [("history", row.at)]

    def test_a_requalified_lead_seen_before_its_history_keeps_both_stays(self) -> None:
        # A first pull stores the Lead page (in MQL), then its LeadHistory page: in MQL, accepted,
        # and back in MQL. The accepted stay and the open one from the re-entry both count.
        first = derive_episodes(LeadEvidence(lead=_lead(MQL)), RULES, NOW)
        changes = [
            StatusChange(T0 + timedelta(days=1), "Open - Not Contacted", MQL, "005a"),
            StatusChange(T0 + timedelta(days=8), MQL, "Working - Contacted", "005b"),
            StatusChange(T0 + timedelta(days=9), "Working - Contacted", MQL, "005a"),
        ]

        later = derive_episodes(
            LeadEvidence(lead=_lead(MQL), episodes=first, history=changes), RULES, NOW
        )

        assert [(e.started_at, e.ended_at, e.ended_kind) for e in later] == [
            (T0 + timedelta(days=1), T0 + timedelta(days=8), "accepted"),
            (T0 + timedelta(days=9), None, None),
        ]
        assert later[0].id == first[0].id  # the stored row is closed, the re-entry is new


class TestClosePeriod:
    @pytest.mark.parametrize(
        ("close", "start_month", "expected"),
        [
            (date(2026, 11, 20), 1, ("2026-11", "2026-Q4")),
            (date(2027, 1, 15), 2, ("2027-01", "2026-Q4")),
            (date(2026, 2, 1), 2, ("2026-02", "2026-Q1")),
            (date(2026, 6, 30), 7, ("2026-06", "2025-Q4")),
            (None, 1, (None, None)),
        ],
    )
    def test_names_month_and_fiscal_quarter(
        self, close: date | None, start_month: int, expected: tuple[str | None, str | None]
    ) -> None:
        assert close_period(close, start_month) == expected


@st.composite
def _histories(draw: st.DrawFn) -> LeadEvidence:
    statuses = draw(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=8))
    changes, previous = [], "Open - Not Contacted"
    for hour, status in enumerate(statuses, start=1):
        if status != previous:
            changes.append(StatusChange(T0 + timedelta(hours=hour), previous, status, "005a"))
            previous = status
    modstamp = T0 + timedelta(hours=len(statuses) + 1)
    return LeadEvidence(lead=_lead(previous, system_modstamp=modstamp), history=changes)


class TestProperties:
    @given(_histories())
    def test_deriving_again_from_the_stored_result_changes_nothing(self, ev: LeadEvidence) -> None:
        once = derive_episodes(ev, RULES, NOW)
        twice = derive_episodes(replace(ev, episodes=once), RULES, NOW + timedelta(days=1))
        assert twice == once

    @given(_histories())
    def test_only_the_last_episode_can_be_open_and_only_while_in_mql(
        self, ev: LeadEvidence
    ) -> None:
        episodes = derive_episodes(ev, RULES, NOW)
        assert all(not e.is_open for e in episodes[:-1])
        assert bool(episodes and episodes[-1].is_open) == (ev.lead.status == MQL)
        assert [e.owner_id for e in episodes] == [None if e.is_open else OWNER for e in episodes]
        assert len(episodes) == sum(1 for c in ev.history if c.new == MQL)
        for earlier, later in itertools.pairwise(episodes):
            assert earlier.ended_at is not None
            assert later.started_at is not None
            assert earlier.ended_at <= later.started_at
