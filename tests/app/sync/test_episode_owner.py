"""The owner an MQL stay ended with is stored on its episode, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.store.db import make_sessionmaker
from app.store.models import Lead, MqlEpisode
from app.sync.fact_refresh import refresh_leads
from app.sync.mql_facts import FactRules
from tests.app.api import builders as b

MQL = "Marketing Qualified"
RULES = FactRules(
    mql_status=MQL,
    accepted=frozenset({"Working - Contacted"}),
    rejected=frozenset({"Closed - Not Converted"}),
)
NOW = b.T0
ADA, BO = "005000000000001AAA", "005000000000002AAA"


def _refresh(session: Session, lead: Lead, **changes: object) -> list[tuple[str | None, ...]]:
    for name, value in changes.items():
        setattr(lead, name, value)
    session.commit()
    refresh_leads(session, [lead.id], RULES, NOW)
    session.commit()
    query = select(MqlEpisode.ended_kind, MqlEpisode.owner_id).order_by(MqlEpisode.id)
    return [tuple(row) for row in session.execute(query)]


def test_the_owner_at_the_exit_is_kept_when_the_lead_moves_on(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        lead = b.lead(session, status=MQL, owner_id=ADA)
        later = lead.system_modstamp + timedelta(days=1)

        opened = _refresh(session, lead)
        accepted = _refresh(
            session, lead, status="Working - Contacted", owner_id=BO, system_modstamp=later
        )
        reassigned = _refresh(session, lead, owner_id=ADA, system_modstamp=later + timedelta(1))

    assert opened == [(None, None)]
    assert accepted == [("accepted", BO)]
    assert reassigned == [("accepted", BO)]
