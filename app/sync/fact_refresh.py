"""Keeping the denormalised facts current for the leads and opportunities a page touched.

Runs inside the page's transaction (the caller commits), a batch of leads at a time: five
queries per batch load every lead's episodes, Status history, our writes and touches, the pure
rules in `mql_facts` derive the new state, and two bulk updates store it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session, sessionmaker

from app.store import repo_facts
from app.store.models import Lead, MqlEpisode
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


def refresh_leads(
    session: Session, lead_ids: Collection[str], rules: FactRules, now: datetime
) -> None:
    """Re-derive episodes and SLA facts of `lead_ids`, then of the opportunities they became."""
    for ids in repo_facts.batches(lead_ids):
        with_fields = bool(rules.mql_date_field) or bool(rules.sla and rules.sla.needs_fields)
        leads = repo_facts.lead_rows(session, ids, with_fields=with_fields)
        episodes = repo_facts.episodes_by_lead(session, ids)
        history = repo_facts.status_history_by_lead(session, ids)
        writes = repo_facts.our_status_writes(session, ids)
        touches = repo_facts.touch_times(session, ids, rules.not_touching)
        updates: list[dict[str, Any]] = []
        new_episodes: list[dict[str, Any]] = []
        for lead in leads:
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
            if any(getattr(lead, name) != value for name, value in facts.items()):
                updates.append({"lead_id": lead.id, **facts})
        session.flush()
        owners = [(lead.id, lead.owner_id) for lead in leads if lead.owner_id]
        repo_facts.record_holders(session, owners, now)
        repo_facts.insert_episodes(session, new_episodes)
        repo_facts.update_lead_facts(session, updates)
        refresh_opportunities(session, repo_facts.converted_opportunity_ids(session, ids), rules)


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
