"""MQL episodes and SLA facts of one lead, derived from what the store holds (pure, no I/O).

The SPEC's Definitions, in code:
- MQL time: the MQL date field if configured and set, else the LeadHistory row into the MQL
  status, else our own successful write of it, else the time we first saw the lead as MQL.
  An open episode's start is upgraded when better evidence arrives later (history is pulled
  after the leads, so a first pull sees "first seen" before it sees the history row).
- An episode ends when the lead leaves the MQL status: accepted or rejected (by the rules'
  status lists), converted, deleted, or other. A person took the lead out of MQL when it ended
  accepted, rejected or other (this service never moves a lead out of MQL). A closed episode
  keeps the lead's owner as the stay ended: the rep who accepted or rejected it, counted in the
  acceptance by owner without a join to a million leads. The store only holds the current
  owner, so a stay replayed from history takes the owner seen when we closed it.
- Touch: a completed Task or any Event on the lead, created after the MQL time by someone other
  than the integration user and the rules' `ignore_activity_by`. First touch: the earliest of the
  first touch, the lead leaving MQL, and its conversion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from app.sync.mirror import month_in

if TYPE_CHECKING:
    from app.sla_policy import SlaPolicy

EVIDENCE_RANK = {"field": 0, "history": 1, "ours": 2, "first_seen": 3}
PERSON_EXITS = frozenset({"accepted", "rejected", "other"})


@dataclass(frozen=True)
class FactRules:
    """What the facts need from the rules and the org, taken once per run."""

    mql_status: str
    accepted: frozenset[str] = frozenset()
    rejected: frozenset[str] = frozenset()
    mql_date_field: str | None = None
    # The integration user and `sla.ignore_activity_by`: their activity is no touch.
    not_touching: frozenset[str] = frozenset()
    time_zone: str = "UTC"  # the org's, for the month a lead was created in
    fiscal_year_start_month: int = 1
    sla: SlaPolicy | None = None  # the SLA's clock, calendars and targets; None: wall clock


@dataclass(frozen=True)
class LeadSnapshot:
    id: str
    status: str | None
    is_converted: bool
    is_deleted: bool
    system_modstamp: datetime
    last_modified_by_id: str | None
    mql_date: datetime | None
    owner_id: str | None = None


@dataclass(frozen=True)
class StatusChange:
    """A LeadHistory row on Status."""

    at: datetime
    old: str | None
    new: str | None
    by: str | None


@dataclass(frozen=True)
class Episode:
    started_at: datetime | None
    evidence: str
    set_by_us: bool = False
    ended_at: datetime | None = None
    ended_to_status: str | None = None
    ended_by_id: str | None = None
    ended_kind: str | None = None
    owner_id: str | None = None  # the lead's owner as the stay ended; None while open
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.ended_at is None and self.ended_kind is None


@dataclass(frozen=True)
class LeadEvidence:
    """Everything the store knows about one lead that its MQL facts depend on."""

    lead: LeadSnapshot
    episodes: Sequence[Episode] = ()
    history: Sequence[StatusChange] = ()  # ascending by time
    our_mql_writes: Sequence[datetime] = ()  # successful writes of the MQL status
    touches: Sequence[datetime] = field(default_factory=tuple)  # qualifying activity times


def mql_date_value(value: Any) -> datetime | None:
    """The MQL date field's value as a UTC datetime (a date field means its start of day)."""
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _in_mql(lead: LeadSnapshot, rules: FactRules) -> bool:
    return lead.status == rules.mql_status and not lead.is_converted and not lead.is_deleted


def _after(moment: datetime, bound: datetime | None) -> bool:
    return bound is None or moment > bound


def start_evidence(
    ev: LeadEvidence, rules: FactRules, after: datetime | None, now: datetime
) -> Episode:
    """How a stay in MQL that began after `after` is dated, by the SPEC's precedence."""
    ours = [t for t in ev.our_mql_writes if _after(t, after)]
    set_by_us = bool(ours)
    mql_date = ev.lead.mql_date
    if mql_date is not None and (after is None or mql_date >= after):
        return Episode(mql_date, "field", set_by_us)
    entry = _first_entry(ev, rules, after)
    if entry is not None:
        return Episode(entry, "history", set_by_us)
    if ours:
        return Episode(ours[-1], "ours", True)
    return Episode(now, "first_seen", False)


def _exit_kind(to_status: str | None, rules: FactRules, final: bool, lead: LeadSnapshot) -> str:
    if final and lead.is_converted:
        return "converted"
    if final and lead.is_deleted:
        return "deleted"
    if to_status in rules.accepted:
        return "accepted"
    if to_status in rules.rejected:
        return "rejected"
    return "other"


def _history_exit(ev: LeadEvidence, rules: FactRules, since: datetime) -> StatusChange | None:
    for change in ev.history:
        if change.at >= since and change.old == rules.mql_status and change.new != change.old:
            return change
    return None


def _close(episode: Episode, ev: LeadEvidence, rules: FactRules) -> Episode:
    """End an open episode, from the history row leaving MQL or else from the fresh record."""
    start = episode.started_at or ev.lead.system_modstamp
    change = _history_exit(ev, rules, start)
    lead = ev.lead
    if change is not None:
        reentered = any(c.at > change.at and c.new == rules.mql_status for c in ev.history)
        kind = _exit_kind(change.new, rules, not reentered, lead)
        return replace(
            episode,
            ended_at=change.at,
            ended_to_status=change.new,
            ended_by_id=change.by,
            ended_kind=kind,
            owner_id=lead.owner_id,
        )
    return replace(
        episode,
        ended_at=max(start, lead.system_modstamp),
        ended_to_status=lead.status,
        ended_by_id=lead.last_modified_by_id,
        ended_kind=_exit_kind(lead.status, rules, True, lead),
        owner_id=lead.owner_id,
    )


def _upgraded(episode: Episode, better: Episode) -> Episode:
    if EVIDENCE_RANK[better.evidence] < EVIDENCE_RANK[episode.evidence] or (
        better.evidence == episode.evidence == "field" and better.started_at != episode.started_at
    ):
        return replace(episode, started_at=better.started_at, evidence=better.evidence)
    if better.set_by_us and not episode.set_by_us:
        return replace(episode, set_by_us=True)
    return episode


def _first_entry(ev: LeadEvidence, rules: FactRules, after: datetime | None) -> datetime | None:
    entries = [c.at for c in ev.history if c.new == rules.mql_status and _after(c.at, after)]
    return entries[0] if entries else None


def derive_episodes(ev: LeadEvidence, rules: FactRules, now: datetime) -> list[Episode]:
    """The lead's episodes after this run's observation: closed, opened or re-dated as needed.

    History rows replay stays we never saw (in MQL and out again between two runs); the fresh
    record decides the rest.
    """
    episodes = list(ev.episodes)
    current = episodes[-1] if episodes and episodes[-1].is_open else None
    if current is not None and current.evidence == "first_seen":
        # Only seen, not dated: the Lead page came before its history (a first or full pull).
        # Date the stay by the history first, so the exits and re-entries between its true
        # start and the moment we saw it are replayed below, not folded into one stay.
        closed = [e for e in episodes[:-1] if not e.is_open]
        previous_end = closed[-1].ended_at if closed else None
        current = _upgraded(current, start_evidence(ev, rules, previous_end, now))
        episodes[-1] = current
    if current is None:
        closed_until = episodes[-1].ended_at if episodes else None
        if _in_mql(ev.lead, rules) or _first_entry(ev, rules, closed_until) is not None:
            current = start_evidence(ev, rules, closed_until, now)
            episodes.append(current)
    for _ in range(len(ev.history) + 1):  # each history exit closes at most one stay
        if current is None:
            break
        exit_row = _history_exit(ev, rules, current.started_at or ev.lead.system_modstamp)
        if exit_row is None and _in_mql(ev.lead, rules):
            closed = [e for e in episodes[:-1] if not e.is_open]
            previous_end = closed[-1].ended_at if closed else None
            episodes[-1] = _upgraded(current, start_evidence(ev, rules, previous_end, now))
            break
        ended = _close(current, ev, rules)
        episodes[-1] = ended
        current = None
        if _first_entry(ev, rules, ended.ended_at) is not None:
            current = start_evidence(ev, rules, ended.ended_at, now)
            episodes.append(current)
    return episodes


def close_period(close: date | None, fiscal_start_month: int) -> tuple[str | None, str | None]:
    """The close month (`2026-07`) and fiscal quarter (`2026-Q3`).

    The fiscal year is named after the calendar year it starts in (Salesforce's default,
    "based on the starting month"): with a February start, January 2027 is in FY2026 Q4.
    """
    if close is None:
        return None, None
    offset = (close.month - fiscal_start_month) % 12
    year = close.year if close.month >= fiscal_start_month else close.year - 1
    return close.strftime("%Y-%m"), f"{year}-Q{offset // 3 + 1}"


def opportunity_origin(
    episodes: Sequence[Episode], mql_date: datetime | None, converted: date | None
) -> tuple[bool, str | None]:
    """Whether the source lead reached MQL before conversion, and how we know it."""
    if converted is None:
        return False, None
    cutoff = datetime.combine(converted, time.max, tzinfo=UTC)
    for episode in episodes:
        if episode.started_at is not None and episode.started_at <= cutoff:
            if episode.set_by_us:
                return True, "ours"
            return True, _ORIGIN_EVIDENCE[episode.evidence]
    if mql_date is not None and mql_date <= cutoff:
        return True, "date_field"
    return False, None


_ORIGIN_EVIDENCE = {
    "field": "date_field",
    "history": "history",
    "ours": "ours",
    "first_seen": "person_seen",
}


def hours_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 3600, 4)


def lead_fact_columns(
    episodes: Sequence[Episode],
    touches: Sequence[datetime],
    created: datetime,
    time_zone: str,
    sla: SlaPolicy | None = None,
    lead: tuple[Mapping[str, Any], str | None] = ({}, None),
) -> dict[str, Any]:
    """The denormalised columns of `leads` for these episodes and qualifying touches.

    With an SLA policy, the SLA columns (target, due and stale times) and the hours to first
    touch are on its clock, for the lead's fields and owner (`lead`).
    """
    facts: dict[str, Any] = {
        "ever_mql": bool(episodes),
        "is_open_mql": bool(episodes) and episodes[-1].is_open,
        "mql_at": None,
        "mql_evidence": None,
        "taken_out_of_mql_by_person": any(e.ended_kind in PERSON_EXITS for e in episodes),
        "first_touch_at": None,
        "first_touch_kind": None,
        "hours_to_first_touch": None,
        "last_touch_at": None,
        "sla_clock_at": None,
        "sla_target": None,
        "sla_target_hours": None,
        "sla_due_at": None,
        "sla_stale_at": None,
        "created_month": month_in(created, time_zone),
    }
    if not episodes or episodes[-1].started_at is None:
        return facts
    latest = episodes[-1]
    mql_at = latest.started_at
    assert mql_at is not None
    after = sorted(t for t in touches if t > mql_at)
    candidates: list[tuple[datetime, str]] = []
    if after:
        candidates.append((after[0], "touch"))
    if latest.ended_at is not None and latest.ended_kind != "deleted":
        kind = "conversion" if latest.ended_kind == "converted" else "status"
        candidates.append((latest.ended_at, kind))
    facts.update(mql_at=mql_at, mql_evidence=latest.evidence)
    facts["last_touch_at"] = after[-1] if after else None
    facts["sla_clock_at"] = max(mql_at, after[-1]) if after else mql_at
    if candidates:
        first_at, kind = min(candidates)
        facts.update(
            first_touch_at=first_at,
            first_touch_kind=kind,
            hours_to_first_touch=hours_between(mql_at, first_at),
        )
    if sla is not None:
        fields, owner_id = lead
        times = sla.times(
            fields, owner_id, mql_at=mql_at, first_touch_at=facts["first_touch_at"],
            clock_at=facts["sla_clock_at"],
        )  # fmt: skip
        facts.update(
            sla_target=times.target,
            sla_target_hours=times.target_hours,
            sla_due_at=times.due_at,
            sla_stale_at=times.stale_at,
            hours_to_first_touch=times.hours_to_first_touch,
        )
    return facts
