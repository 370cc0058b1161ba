"""Keeping the denormalised facts current for the leads and opportunities a page touched.

Runs inside the page's transaction (the caller commits), a batch of leads at a time: five
queries per batch load every lead's episodes, Status history, our writes and touches, the pure
rules in `mql_facts` derive the new state, and two bulk updates store it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session, sessionmaker

from app.store import repo_facts, repo_mirror
from app.store.models import Lead, MqlEpisode
from app.store.repo_facts import LEAD_FACT_COLUMNS
from app.sync.mirror import month_in
from app.sync.mql_facts import (
    Episode,
    FactRules,
    LeadEvidence,
    LeadSnapshot,
    StatusChange,
    close_period,
    derive_episodes,
    lead_fact_columns,
    mql_date_value,
    opportunity_origin,
)

_EPISODE_COLUMNS = (
    "started_at",
    "evidence",
    "set_by_us",
    "ended_at",
    "ended_to_status",
    "ended_by_id",
    "ended_kind",
    "owner_id",
)


def _episode(row: MqlEpisode) -> Episode:
    return Episode(**{name: getattr(row, name) for name in _EPISODE_COLUMNS}, id=row.id)


def _snapshot(lead: Lead | Row[Any], rules: FactRules) -> LeadSnapshot:
    mql_date = None
    if rules.mql_date_field:
        mql_date = mql_date_value((lead.fields or {}).get(rules.mql_date_field))
    return LeadSnapshot(
        id=lead.id,
        status=lead.status,
        is_converted=lead.is_converted,
        is_deleted=lead.is_deleted or lead.purged,
        system_modstamp=lead.system_modstamp,
        last_modified_by_id=lead.last_modified_by_id,
        mql_date=mql_date,
        owner_id=lead.owner_id,
    )


def _store_episodes(
    lead_id: str, rows: list[MqlEpisode], derived: list[Episode], new: list[dict[str, Any]]
) -> None:
    """Change stored episodes in place; collect the new ones for one bulk insert."""
    for index, episode in enumerate(derived):
        values = {name: getattr(episode, name) for name in _EPISODE_COLUMNS}
        if index < len(rows):
            for name, value in values.items():
                if getattr(rows[index], name) != value:
                    setattr(rows[index], name, value)
        else:
            new.append({"lead_id": lead_id, **values})


class _RowView:
    """Attribute access over a lead row about to be stored (`mirror.lead_row`), so a page's
    facts are derived from the rows in hand with the code that derives them from stored rows."""

    __slots__ = ("_row",)

    def __init__(self, row: dict[str, Any]) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row.get(name)


def _derive(
    session: Session,
    ids: list[str],
    leads: Sequence[Any],
    rules: FactRules,
    now: datetime,
    with_fields: bool,
) -> list[dict[str, Any]]:
    """Episodes and fact columns of `leads` (all of `ids`): episodes are stored here, the fact
    columns returned as {"lead_id", *LEAD_FACT_COLUMNS} for the caller to store."""
    episodes = repo_facts.episodes_by_lead(session, ids)
    history = repo_facts.status_history_by_lead(session, ids)
    writes = repo_facts.our_status_writes(session, ids)
    touches = repo_facts.touch_times(session, ids, rules.not_touching)
    facts_of: list[dict[str, Any]] = []
    new_episodes: list[dict[str, Any]] = []
    quiet = lead_fact_columns((), (), now, rules.time_zone)
    for lead in leads:
        if lead.id not in episodes and lead.id not in history and lead.status != rules.mql_status:
            # Never in MQL and not in it now: no episode, and every fact empty (most leads).
            month = month_in(lead.created_date, rules.time_zone)
            facts_of.append({**quiet, "created_month": month, "lead_id": lead.id})
            continue
        evidence = LeadEvidence(
            lead=_snapshot(lead, rules),
            episodes=[_episode(row) for row in episodes.get(lead.id, [])],
            history=[
                StatusChange(h.created_date, h.old_value, h.new_value, h.created_by_id)
                for h in history.get(lead.id, [])
            ],
            our_mql_writes=[t for t, s in writes.get(lead.id, []) if s == rules.mql_status],
            touches=touches.get(lead.id, []),
        )
        derived = derive_episodes(evidence, rules, now)
        _store_episodes(lead.id, episodes.get(lead.id, []), derived, new_episodes)
        facts = lead_fact_columns(
            derived, evidence.touches, lead.created_date, rules.time_zone, rules.sla,
            ((lead.fields or {}) if with_fields else {}, lead.owner_id),
        )  # fmt: skip
        facts["lead_id"] = lead.id
        facts_of.append(facts)
    session.flush()
    owners = [(lead.id, lead.owner_id) for lead in leads if lead.owner_id]
    repo_facts.record_holders(session, owners, now)
    repo_facts.insert_episodes(session, new_episodes)
    return facts_of


def _changed(stored: Row[Any], facts: dict[str, Any]) -> bool:
    return any(getattr(stored, name) != facts[name] for name in LEAD_FACT_COLUMNS)


def _needs_fields(rules: FactRules) -> bool:
    return bool(rules.mql_date_field) or bool(rules.sla and rules.sla.needs_fields)


def refresh_leads(
    session: Session, lead_ids: Collection[str], rules: FactRules, now: datetime
) -> None:
    """Re-derive episodes and SLA facts of `lead_ids`, then of the opportunities they became."""
    for ids in repo_facts.batches(lead_ids):
        with_fields = _needs_fields(rules)
        leads = repo_facts.lead_rows(session, ids, with_fields=with_fields)
        by_id = {lead.id: lead for lead in leads}
        updates = [
            facts
            for facts in _derive(session, ids, leads, rules, now, with_fields)
            if _changed(by_id[facts["lead_id"]], facts)
        ]
        repo_facts.update_lead_facts(session, updates)
        refresh_opportunities(session, repo_facts.converted_opportunity_ids(session, ids), rules)


def store_page_leads(
    session: Session, rows: list[dict[str, Any]], rules: FactRules, now: datetime
) -> None:
    """Store a page of lead rows (`mirror.lead_row`) with their facts derived from the rows
    themselves, in the upsert that stores them: no second read of the page, no second write.

    A row the store already holds in a newer version is left alone by the upsert; those few (a
    re-read racing a newer one) get their facts from the stored version instead.
    """
    with_fields = _needs_fields(rules)
    for start in range(0, len(rows), repo_facts.BATCH):
        batch = rows[start : start + repo_facts.BATCH]
        newer = repo_facts.stored_newer(session, batch)
        fresh = [row for row in batch if row["id"] not in newer]
        derived = _derive(
            session, [row["id"] for row in fresh], [_RowView(row) for row in fresh],
            rules, now, with_fields,
        )  # fmt: skip
        for row, facts in zip(fresh, derived, strict=True):
            del facts["lead_id"]
            row.update(facts)
        for row in batch:
            if row["id"] in newer:  # the upsert skips it; its columns only have to be there
                row.update(lead_fact_columns((), (), row["created_date"], rules.time_zone))
        repo_mirror.upsert_leads(session, batch)
        if newer:
            refresh_leads(session, newer, rules, now)
        converted = [r["converted_opportunity_id"] for r in fresh if r["converted_opportunity_id"]]
        refresh_opportunities(session, converted, rules)


def refresh_opportunities(
    session: Session, opportunity_ids: Collection[str], rules: FactRules
) -> None:
    """Close period and MQL origin of `opportunity_ids`, from their source leads' episodes."""
    for ids in repo_facts.batches(opportunity_ids):
        sources = repo_facts.source_leads(session, ids)
        episodes = repo_facts.episodes_by_lead(session, [lead.id for lead in sources.values()])
        updates = []
        for opportunity in repo_facts.opportunities_by_id(session, ids):
            month, quarter = close_period(opportunity.close_date, rules.fiscal_year_start_month)
            lead = sources.get(opportunity.id)
            originated, evidence = False, None
            if lead is not None:
                originated, evidence = opportunity_origin(
                    [_episode(row) for row in episodes.get(lead.id, [])],
                    _snapshot(lead, rules).mql_date,
                    lead.converted_date,
                )
            updates.append(
                {
                    "id": opportunity.id,
                    "source_lead_id": lead.id if lead else None,
                    "mql_originated": originated,
                    "mql_evidence": evidence,
                    "close_month": month,
                    "close_quarter": quarter,
                }
            )
        repo_facts.update_opportunities(session, updates)


def refresh_every_lead(sessions: sessionmaker[Session], rules: FactRules, now: datetime) -> int:
    """All leads' facts, a committed batch at a time (after the touch rules changed)."""
    done, after = 0, None
    while True:
        with sessions() as session:
            ids = repo_facts.all_lead_ids_after(session, after, repo_facts.BATCH)
            if not ids:
                return done
            refresh_leads(session, ids, rules, now)
            session.commit()
        done += len(ids)
        after = ids[-1]
