"""`POST /rules/simulate`: parse the draft, run `app.handoff.simulate`, answer in a schema."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.handoff import simulate
from rules import RuleSet, RulesInvalid, parse_rules


class Simulation(BaseModel):
    """Counts over the stored open leads; `changes` compares with the active rules (null when
    no valid rules are active)."""

    rules_version: str
    rules_hash: str
    leads: int
    mql: int
    held: int
    held_by_field: dict[str, int]
    would_promote: int
    would_reassign: int
    by_route: dict[str, int]
    by_owner: dict[str, int]
    unassigned: dict[str, int]
    changes: dict[str, int] | None


SIMULATION_EXAMPLE = {
    "rules_version": "8",
    "rules_hash": "4be1...07",
    "leads": 5000,
    "mql": 410,
    "held": 35,
    "held_by_field": {"Phone": 30, "Title": 5},
    "would_promote": 410,
    "would_reassign": 120,
    "by_route": {"routes[0]": 300, "routes[1]": 100, "kept owner": 10},
    "by_owner": {"005000000000001AAA": 150, "005000000000002AAA": 150},
    "unassigned": {},
    "changes": {"newly_mql": 60, "no_longer_mql": 12, "other_owner": 20},
}


def parse_draft(text: str) -> RuleSet:
    """A draft rules file from a request body; a 422 on the body with every placed error."""
    try:
        return parse_rules(text)
    except RulesInvalid as invalid:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("body", issue.place),
                    "msg": f"line {issue.line}: {issue.message}" if issue.line else issue.message,
                    "input": None,
                }
                for issue in invalid.issues
                if issue.severity == "error"
            ]
        ) from None


def simulate_draft(
    session: Session, text: str, active: RuleSet | None, *, go_live_after: datetime | None
) -> Simulation:
    """The simulation of `text`; a 422 on the body listing every problem when it is invalid."""
    draft = parse_draft(text)
    result = simulate(session, draft, active=active, go_live_after=go_live_after)
    return Simulation(**asdict(result))
