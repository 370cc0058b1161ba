"""`check_against_org`: do the rules fit this org? Org facts in as data, issues out.

A field the org lacks, a status that is not an active Lead Status, a pool member that is no user
or no Lead queue: each would make a run wrong, not merely odd, so each is an error that stops the
run before any write. An inactive pool user is only a warning: people leave and come back, and
the round robin skips them meanwhile.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from rules.ids import is_queue, to18
from rules.issues import Issue, Path, Severity, place_of
from rules.model import Condition
from rules.org_types import MOMENT, NUMBER, value_type_problem
from rules.ruleset import RuleSet
from rules.work_calendar import WorkCalendar
from rules.yaml_source import line_of

_LONG_TEXT = frozenset({"string", "textarea"})
REASON_LENGTH = 255


@dataclass(frozen=True, slots=True)
class LeadField:
    """One field of the Lead describe: its `type` as describe names it (`picklist`, `int`, ...)."""

    type: str
    updateable: bool = False
    length: int = 0
    picklist_values: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class OrgFacts:
    """What the org says: Lead fields, Lead Status values (active flag), users (active flag),
    queues, and which queues take Leads."""

    lead_fields: Mapping[str, LeadField]
    lead_statuses: Mapping[str, bool]
    users: Mapping[str, bool]
    lead_queues: Collection[str] = ()
    queues: Collection[str] = ()
    # The org's default BusinessHours with its Holidays, when read (`calendar_from_business_hours`).
    business_hours: WorkCalendar | None = None


def multi_select_fields(facts: OrgFacts) -> frozenset[str]:
    """The Lead fields that are multi-select picklists, for `parse_rules(..., multi_select=)`."""
    return frozenset(n for n, f in facts.lead_fields.items() if f.type == "multipicklist")


def check_against_org(ruleset: RuleSet, facts: OrgFacts) -> list[Issue]:
    """Every error and warning about these rules in this org, in file order."""
    found = [
        *_conditions(ruleset, facts),
        *_required_fields(ruleset, facts),
        *_statuses(ruleset, facts),
        *_writeback(ruleset, facts),
        *_people(ruleset, facts),
        *_org_calendar(ruleset, facts),
    ]
    issues = [
        Issue(line_of(ruleset.lines, path), place_of(path), message, severity)
        for path, message, severity in found
    ]
    return sorted(issues, key=lambda issue: (issue.line or 0, issue.place))


Found = tuple[Path, str, Severity]


def _all_conditions(ruleset: RuleSet) -> Iterator[tuple[Path, Condition]]:
    model = ruleset.model
    for section, rules in (("fit", model.fit), ("interest", model.interest)):
        yield from (((section, i), rule) for i, rule in enumerate(rules))
    yield from ((("disqualify", i), rule) for i, rule in enumerate(model.disqualify))
    for r, route in enumerate(model.assignment.routes):
        for c, condition in enumerate(route.when):
            if isinstance(condition, Condition):  # account conditions name Account fields
                yield ("assignment", "routes", r, "when", c), condition
    for t, target in enumerate(model.sla.targets):
        for c, condition in enumerate(target.when):
            yield ("sla", "targets", t, "when", c), condition


def _conditions(ruleset: RuleSet, facts: OrgFacts) -> Iterator[Found]:
    for path, condition in _all_conditions(ruleset):
        field = facts.lead_fields.get(condition.field)
        if field is None:
            yield (*path, "field"), _no_field(condition.field, facts), "error"
            continue
        for sub, message, severity in value_type_problem(condition, field):
            yield (*path, *sub), message, severity


def _no_field(name: str, facts: OrgFacts) -> str:
    same = [known for known in facts.lead_fields if known.casefold() == name.casefold()]
    close = same or difflib.get_close_matches(name, list(facts.lead_fields), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{name!r} is not a Lead field in this org (or not visible to our user){hint}"


def _required_fields(ruleset: RuleSet, facts: OrgFacts) -> Iterator[Found]:
    for index, name in enumerate(ruleset.model.handoff_requires):
        if name not in facts.lead_fields:
            yield ("handoff_requires", index), _no_field(name, facts), "error"


def _statuses(ruleset: RuleSet, facts: OrgFacts) -> Iterator[Found]:
    statuses = ruleset.model.statuses
    named: list[tuple[Path, str]] = [(("statuses", "mql"), statuses.mql)]
    for key in ("eligible_from", "accepted", "rejected"):
        named += [(("statuses", key, i), value) for i, value in enumerate(getattr(statuses, key))]
    for path, value in named:
        active = facts.lead_statuses.get(value)
        if active is None:
            close = difflib.get_close_matches(value, list(facts.lead_statuses), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            yield path, f"{value!r} is not a Lead Status value in this org{hint}", "error"
        elif not active:
            yield path, f"{value!r} is an inactive Lead Status value", "error"


def _writeback(ruleset: RuleSet, facts: OrgFacts) -> Iterator[Found]:
    writeback = ruleset.model.writeback
    wanted = (
        ("mql_date_field", writeback.mql_date_field, MOMENT, "a date or datetime"),
        ("score_field", writeback.score_field, NUMBER, "a number"),
        ("reason_field", writeback.reason_field, _LONG_TEXT, "a text"),
    )
    for key, name, types, kind in wanted:
        if name is None:
            continue
        path: Path = ("writeback", key)
        field = facts.lead_fields.get(name)
        if field is None:
            yield path, _no_field(name, facts), "error"
        elif not field.updateable:
            yield path, f"{name} is not updateable by our user", "error"
        elif field.type not in types:
            yield path, f"{name} is a {field.type} field; {key} needs {kind} field", "error"
        elif key == "reason_field" and field.length < REASON_LENGTH:
            message = f"{name} holds {field.length} characters; the reason needs {REASON_LENGTH}"
            yield path, message, "error"


def _people(ruleset: RuleSet, facts: OrgFacts) -> Iterator[Found]:
    users = {to18(user): active for user, active in facts.users.items()}
    lead_queues = frozenset(to18(queue) for queue in facts.lead_queues)
    queues = frozenset(to18(queue) for queue in facts.queues) | lead_queues
    assignment = ruleset.model.assignment
    for r, route in enumerate(assignment.routes):
        for m, member in enumerate(route.pool):
            path: Path = ("assignment", "routes", r, "pool", m)
            user = member if isinstance(member, str) else member.user
            found = _member(to18(user), users, lead_queues, queues)
            if found is not None:
                yield path, found[0], found[1]
    availability = assignment.availability
    for user in availability.user_calendars if availability is not None else ():
        if to18(user) not in users:
            path = ("assignment", "availability", "user_calendars", user)
            yield path, f"{user} is no user in this org", "warning"
    others = [("assignment", "reassign_from"), ("sla", "ignore_activity_by")]
    lists = [assignment.reassign_from, ruleset.model.sla.ignore_activity_by]
    for (section, key), ids in zip(others, lists, strict=True):
        for index, user in enumerate(ids):
            if to18(user) not in users:
                yield (section, key, index), f"{user} is no user in this org", "warning"


def _org_calendar(ruleset: RuleSet, facts: OrgFacts) -> Iterator[Found]:
    """`org` and `salesforce` calendars need the org's default BusinessHours."""
    if facts.business_hours is not None:
        return
    message = "the org has no active default BusinessHours to read this calendar from"
    for name in sorted(ruleset.org_calendars):
        yield ("calendars", name), message, "error"
    sla = ruleset.model.sla
    if sla.clock == "business" and sla.calendar in ("org", "owner"):
        yield ("sla", "calendar"), message, "error"


def _member(
    member: str, users: Mapping[str, bool], lead_queues: frozenset[str], queues: frozenset[str]
) -> tuple[str, Severity] | None:
    if is_queue(member):
        if member in lead_queues:
            return None
        if member in queues:
            return f"queue {member} does not take Leads", "error"
        return f"{member} is no queue in this org", "error"
    if member not in users:
        return f"{member} is no user in this org", "error"
    if not users[member]:
        return f"user {member} is inactive; the round robin skips them", "warning"
    return None
