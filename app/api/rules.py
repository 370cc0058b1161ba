"""The rules endpoints: what is active, whether a draft is valid, what a draft would change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel

from app.api.auth import AdminAccess, ReadAccess
from app.api.examples import documented
from app.api.simulation import SIMULATION_EXAMPLE, Simulation, simulate_draft
from app.deps import RulesDep, SessionDep, SettingsDep
from rules import RulesInvalid, parse_rules, pattern_warnings
from rules.check import routing_warnings
from rules.yaml_limits import MAX_RULES_BYTES

router = APIRouter(prefix="/rules", tags=["rules"])

RULES_YAML_EXAMPLE = """\
version: 8
statuses:
  mql: "Marketing Qualified"
  eligible_from: ["Open - Not Contacted", "Nurturing"]
  accepted: ["Sales Qualified", "Working - Contacted"]
  rejected: ["Closed - Not Converted"]
fit:
  - {field: NumberOfEmployees, op: gte, value: 100, points: 30}
interest:
  - {field: LeadSource, op: in, value: ["Webinar"], points: 25}
thresholds: {fit: 30, interest: 25}
assignment:
  routes:
    - pool: ["00G000000000001EAA"]
sla: {first_touch_hours: 24, stale_days: 14}
"""

RulesBody = Annotated[
    str,
    Body(
        media_type="application/yaml",
        description="a rules file (YAML), as `HANDOFF_RULES` would hold it",
        examples=[RULES_YAML_EXAMPLE],
        max_length=MAX_RULES_BYTES,
    ),
]


class ActiveRulesView(BaseModel):
    path: str
    valid: bool
    version: str | None
    content_hash: str | None
    problems: list[str]
    rules: dict[str, Any] | None


class Problem(BaseModel):
    line: int | None
    place: str
    message: str


class Validation(BaseModel):
    valid: bool
    version: str | None
    content_hash: str | None
    errors: list[Problem]
    warnings: list[Problem]


@router.get(
    "",
    response_model=ActiveRulesView,
    dependencies=ReadAccess,
    summary="The active rules file: version, hash, validity and content",
    responses=documented(
        {
            "path": "rules.yaml",
            "valid": True,
            "version": "7",
            "content_hash": "9f2c...e1",
            "problems": [],
            "rules": {"version": 7, "thresholds": {"fit": 40, "interest": 25}},
        }
    ),
)
def get_rules(active: RulesDep) -> ActiveRulesView:
    """The rules file the next sync will use (`HANDOFF_RULES`), as parsed now: its version and
    content hash, whether it is valid, its problems (`FILE:LINE: place: message`) if not, and its
    content as JSON if it is."""
    model = active.ruleset.model.model_dump(mode="json") if active.ruleset else None
    return ActiveRulesView(
        path=active.path,
        valid=active.valid,
        version=active.version,
        content_hash=active.content_hash,
        problems=active.problems,
        rules=model,
    )


@router.post(
    "/validate",
    response_model=Validation,
    dependencies=ReadAccess,
    summary="Validate a rules file without activating it",
    responses=documented(
        {
            "valid": False,
            "version": None,
            "content_hash": None,
            "errors": [{"line": 9, "place": "fit[1].value", "message": "not a valid regex"}],
            "warnings": [],
        }
    ),
)
def validate_rules(text: RulesBody) -> Validation:
    """Check a rules file as `handoff rules check` does: 200 with `valid` and every error and
    warning, each with its line and place (like `fit[1].value`). Nothing is stored."""
    try:
        ruleset = parse_rules(text)
    except RulesInvalid as invalid:
        found = [Problem(line=i.line, place=i.place, message=i.message) for i in invalid.issues]
        errors = [p for p, i in zip(found, invalid.issues, strict=True) if i.severity == "error"]
        warnings = [p for p in found if p not in errors]
        return Validation(
            valid=False, version=None, content_hash=None, errors=errors, warnings=warnings
        )
    return Validation(
        valid=True,
        version=str(ruleset.version),
        content_hash=ruleset.content_hash,
        errors=[],
        warnings=[
            Problem(line=i.line, place=i.place, message=i.message)
            for i in [*pattern_warnings(ruleset), *routing_warnings(ruleset)]
        ],
    )


@router.post(
    "/simulate",
    response_model=Simulation,
    dependencies=AdminAccess,
    summary="What a draft rules file would do over the stored leads, without writing",
    responses=documented(SIMULATION_EXAMPLE),
)
def simulate_rules(
    text: RulesBody, session: SessionDep, active: RulesDep, settings: SettingsDep
) -> Simulation:
    """Decide every stored open lead with the draft and with the active rules, as a run would
    (round-robin positions and owner capacity included, none used up): how many would be MQL or
    held, by route and by owner, and how many leads the draft decides differently. Writes
    nothing. A draft that does not parse is a 422 on the body with every problem."""
    return simulate_draft(session, text, active.ruleset, go_live_after=settings.go_live_after)
