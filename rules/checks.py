"""Checks of meaning on the raw rules data, run beside the model's checks of shape.

They read the plain data (not the model) so they still run when another part of the file is
malformed, and every problem in a file is reported at once. Each check skips what is not of the
shape it expects: the model reports that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TypeGuard

from rules.calendar_rules import calendar_name_problem, calendar_problems
from rules.ids import QUEUE_PREFIX, USER_PREFIX, id_problem, to18
from rules.issues import Path, place_of
from rules.operator_checks import Problem, operator_problems

_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def meaning_problems(data: dict[str, Any]) -> list[Problem]:
    """Every problem of meaning in a rules document, with its full path."""
    problems: list[Problem] = []
    for path, condition in _conditions(data):
        problems += [((*path, *sub), message) for sub, message in _condition(condition)]
    problems += _field_names(data)
    problems += _statuses(data)
    problems += _assignment(data)
    problems += _ids(data, ("sla", "ignore_activity_by"), (USER_PREFIX,))
    problems += _thresholds(data)
    problems += calendar_problems(data)
    problems += _breach_steps(data)
    problems += _names(data)
    return problems


def _names(data: dict[str, Any]) -> list[Problem]:
    """A name stands for one entry in reports and explanations, so two entries may not share it."""
    entries: list[tuple[Path, Any]] = [
        ((section, index), rule)
        for section in ("fit", "interest", "disqualify")
        for index, rule in _items(data.get(section))
    ]
    entries += [
        (("assignment", "routes", index), route)
        for index, route in _items(_get(data, "assignment", "routes"))
    ]
    problems: list[Problem] = []
    first: dict[str, Path] = {}
    for path, entry in entries:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            continue
        key = name.strip().casefold()
        if key in first:
            message = f"{name!r} is already the name of {place_of(first[key])}; names are unique"
            problems.append(((*path, "name"), message))
        else:
            first[key] = path
    return problems


def _conditions(data: dict[str, Any]) -> Iterator[tuple[Path, dict[str, Any]]]:
    for section in ("fit", "interest", "disqualify"):
        for index, rule in _items(data.get(section)):
            if isinstance(rule, dict):
                yield (section, index), rule
    for r, route in _items(_get(data, "assignment", "routes")):
        for c, condition in _items(route.get("when") if isinstance(route, dict) else None):
            if isinstance(condition, dict) and isinstance(condition.get("account"), dict):
                yield ("assignment", "routes", r, "when", c, "account"), condition["account"]
            elif isinstance(condition, dict) and "account" not in condition:
                yield ("assignment", "routes", r, "when", c), condition
    for t, target in _items(_get(data, "sla", "targets")):
        for c, condition in _items(target.get("when") if isinstance(target, dict) else None):
            if isinstance(condition, dict):
                yield ("sla", "targets", t, "when", c), condition


def _condition(rule: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if "op" in rule:
        problems += operator_problems(rule["op"], rule.get("value"), "value" in rule)
    field = rule.get("field")
    if isinstance(field, str) and field and not _FIELD_NAME.fullmatch(field):
        problems.append((("field",), f"{field!r} is not a field API name (like Title or Score__c)"))
    return problems


def _field_names(data: dict[str, Any]) -> list[Problem]:
    named = [(("handoff_requires", i), name) for i, name in _items(data.get("handoff_requires"))]
    writeback = data.get("writeback")
    if isinstance(writeback, dict):
        named += [(("writeback", key), name) for key, name in writeback.items()]
    return [
        (path, f"{name!r} is not a field API name (like Phone or MQL_Date__c)")
        for path, name in named
        if isinstance(name, str) and name and not _FIELD_NAME.fullmatch(name)
    ]


def _statuses(data: dict[str, Any]) -> list[Problem]:
    mql = _get(data, "statuses", "mql")
    if not isinstance(mql, str):
        return []
    return [
        (("statuses", "eligible_from", index), f"{status!r} is the MQL status itself")
        for index, status in _items(_get(data, "statuses", "eligible_from"))
        if isinstance(status, str) and status.casefold() == mql.casefold()
    ]


def _assignment(data: dict[str, Any]) -> list[Problem]:
    problems = _ids(data, ("assignment", "reassign_from"), (USER_PREFIX,))
    for r, route in _items(_get(data, "assignment", "routes")):
        if not isinstance(route, dict):
            continue
        pool = route.get("pool")
        path: Path = ("assignment", "routes", r, "pool")
        owner = route.get("owner")
        if isinstance(pool, list) and not pool and owner is None:
            problems.append((path, "pool is empty: name at least one user or queue"))
        elif pool is None and owner is None:
            problems.append(
                (path[:3], "a route needs a pool of users or queues, or owner: account_owner")
            )
        problems += _pool(data, path)
        when = route.get("when")
        has_account = isinstance(when, list) and any(
            isinstance(c, dict) and "account" in c for c in when
        )
        if owner == "account_owner" and not has_account:
            problems.append(((*path[:3], "owner"), (
                "owner: account_owner needs an account condition in when, like "
                "{account: matched}, so the lead has an Account whose owner to take"
            )))  # fmt: skip
        if has_account and _get(data, "assignment", "match_accounts") is None:
            problems.append(((*path[:3], "when"), (
                "account conditions need assignment.match_accounts (say "
                "match_accounts: {by: [email_domain, website, company]})"
            )))  # fmt: skip
    problems += _availability(data)
    return problems


def _pool(data: dict[str, Any], path: Path) -> list[Problem]:
    """Bare Ids, and `{user: Id, weight: N}` entries with a whole weight of 1 or more."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, entry in _items(_get(data, *path)):
        place: Path = (*path, index)
        value = entry
        if isinstance(entry, dict):
            value = entry.get("user")
            place = (*place, "user")
            weight = entry.get("weight", 1)
            if not _is_int(weight) or weight <= 0:
                problems.append(
                    (
                        (*path, index, "weight"),
                        f"{weight!r} is not a weight: write a whole number, 1 or more",
                    )
                )
            if value is None:
                continue  # the model says `user` is missing
        problem = id_problem(value, (USER_PREFIX, QUEUE_PREFIX))
        if problem is None and to18(value) in seen:
            problem = f"{value!r} is listed twice"
        if problem is not None:
            problems.append((place, problem))
        elif isinstance(value, str):
            seen.add(to18(value))
    return problems


def _availability(data: dict[str, Any]) -> list[Problem]:
    """Calendar names in `assignment.availability` must exist; user Ids must be users."""
    section = _get(data, "assignment", "availability")
    if not isinstance(section, dict):
        return []
    path: Path = ("assignment", "availability")
    problems: list[Problem] = []
    if "calendar" in section:
        problem = calendar_name_problem(section["calendar"], data, allow_owner=False)
        if problem is not None:
            problems.append(((*path, "calendar"), problem))
    users = section.get("user_calendars")
    if isinstance(users, dict):
        for user, name in users.items():
            problem = id_problem(user, (USER_PREFIX,)) or calendar_name_problem(
                name, data, allow_owner=False
            )
            if problem is not None:
                problems.append(((*path, "user_calendars", user), problem))
    return problems


def _breach_steps(data: dict[str, Any]) -> list[Problem]:
    """Each step does one thing; a reassignment needs a pool of users to take the next from."""
    problems: list[Problem] = []
    routes = _items(_get(data, "assignment", "routes"))
    for s, step in _items(_get(data, "sla", "on_breach")):
        if not isinstance(step, dict):
            continue
        path: Path = ("sla", "on_breach", s)
        doing = [key for key in ("notify", "reassign") if step.get(key) not in (None, False)]
        if len(doing) != 1:
            problems.append((path, "a step does one thing: give notify or reassign: true"))
        chosen = step.get("routes")
        if isinstance(chosen, list):
            for i, index in enumerate(chosen):
                if not _is_int(index) or not 0 <= index < len(routes):
                    message = f"{index!r} is no route: routes are numbered 0 to {len(routes) - 1}"
                    problems.append(((*path, "routes", i), message))
        if step.get("reassign") is not True:
            continue
        for r, route in routes:
            pool = route.get("pool") if isinstance(route, dict) else None
            if (isinstance(chosen, list) and r not in chosen) or not isinstance(pool, list):
                continue
            if pool and all(isinstance(m, str) and m.startswith(QUEUE_PREFIX) for m in pool):
                problems.append(((*path, "reassign"), (
                    f"route {r} hands its leads to a queue, which has no next member to "
                    "reassign to; limit this step to other routes with routes: [...]"
                )))  # fmt: skip
    return problems


def _ids(data: dict[str, Any], path: Path, prefixes: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, value in _items(_get(data, *path)):
        problem = id_problem(value, prefixes)
        if problem is None and to18(value) in seen:
            problem = f"{value!r} is listed twice"
        if problem is not None:
            problems.append(((*path, index), problem))
        elif isinstance(value, str):
            seen.add(to18(value))
    return problems


def _thresholds(data: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for score in ("fit", "interest"):
        threshold = _get(data, "thresholds", score)
        best = _best_score(data.get(score))
        if _is_int(threshold) and best is not None and threshold > best:
            message = f"{threshold} cannot be reached: the {score} rules add up to at most {best}"
            problems.append((("thresholds", score), message))
    return problems


def _best_score(rules: Any) -> int | None:
    """The most points the rules can give together; None while their points are malformed."""
    if rules is None:
        return 0
    if not isinstance(rules, list):
        return None
    points = [rule.get("points") if isinstance(rule, dict) else None for rule in rules]
    numbers = [p for p in points if _is_int(p)]
    if len(numbers) != len(points):
        return None
    return sum(p for p in numbers if p > 0)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _get(data: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(key, int):
            data = data[key] if isinstance(data, list) and key < len(data) else None
        else:
            data = data.get(key) if isinstance(data, dict) else None
    return data


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []
