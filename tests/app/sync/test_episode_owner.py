"""The owner an MQL stay ended with is stored on its episode, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.store.db import make_sessionmaker
from app.store.models import MqlEpisode
from app.sync.mql_facts import FactRules
from tests.app.api import builders as b
from tests.fakes import org as fake
from tests.fakes.org import Records

MQL = "Marketing Qualified"
RULES = FactRules(
    mql_status=MQL,
    accepted=frozenset({"Working - Contacted"}),
    rejected=frozenset({"Closed - Not Converted"}),
)
NOW = b.T0
ADA, BO = "005000000000001AAA", "005000000000002AAA"


def _pull(session: Session, org: Records) -> list[tuple[str | None, ...]]:
    """Store the org's records as a pull does (mirror, then facts); the episodes after it."""
    b.store(session, org, rules=RULES)
    session.commit()
    query = select(MqlEpisode.ended_kind, MqlEpisode.owner_id).order_by(MqlEpisode.id)
    return [tuple(row) for row in session.execute(query)]


def test_the_owner_at_the_exit_is_kept_when_the_lead_moves_on(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        org = b.records()
        lead = fake.lead(org, at=NOW, Status=MQL, OwnerId=ADA)

        opened = _pull(session, org)
        fake.change(lead, NOW + timedelta(days=1), Status="Working - Contacted", OwnerId=BO)
        accepted = _pull(session, org)
        fake.change(lead, NOW + timedelta(days=2), OwnerId=ADA)
        reassigned = _pull(session, org)

    assert opened == [(None, None)]
    assert accepted == [("accepted", BO)]
    assert reassigned == [("accepted", BO)]
