"""Deciding without consequences: for `rules explain` and `POST /rules/simulate`.

Both run the rules over stored leads exactly as a run would (same mapping, same facts, the stored
round-robin positions and open-MQL counts), but keep the resulting assignment state to
themselves: nothing is stored and no round-robin turn is used up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from app.handoff.decide import decide_batch
from app.handoff.mapping import LeadInput
from app.handoff.run_facts import RunFacts, run_facts
from app.store import repo_sync
from app.store.repo_assignment import load_state
from rules import Assignment, RuleSet
from rules import Decision as RulesDecision

Preview = tuple[LeadInput, RulesDecision, Assignment | None]


def stored_facts(session: Session, ruleset: RuleSet, go_live_after: datetime | None) -> RunFacts:
    """The run facts the store alone can give (no describe: nothing is written)."""
    org = repo_sync.get_org(session)
    integration_user = org.integration_user_id if org is not None else None
    return run_facts(
        session, ruleset, None, integration_user_id=integration_user, go_live_after=go_live_after
    )


def preview(
    session: Session, ruleset: RuleSet, leads: Sequence[LeadInput], facts: RunFacts
) -> list[Preview]:
    """What `ruleset` would decide for `leads`, owners included, storing nothing."""
    state = load_state(session, ruleset)
    outcomes, _unused_state = decide_batch(ruleset, [(lead, "") for lead in leads], facts, state)
    return [(lead, outcome, assignment) for lead, _fp, outcome, assignment in outcomes]
