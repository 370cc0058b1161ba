"""A validated rules file, compiled: what `decide` and `assign` run on.

Compiling happens once per file. Each rule becomes a predicate plus what the explanation and the
audit trail need (its place, such as `fit[0]`, its points, a short label), and every Id is held in
its 18-character form so owner comparisons never depend on how the file spelled it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rules.calendar_rules import ORG_SOURCE, build_calendar
from rules.ids import to18
from rules.issues import Path
from rules.model import (
    AccountCondition,
    Assignment,
    Condition,
    NamedCondition,
    PoolMember,
    Route,
    RulesFile,
    ScoredRule,
    Sla,
    Statuses,
    Writeback,
)
from rules.operators import Predicate, compile_condition
from rules.scorer import Scorer, compile_scorer
from rules.sla import CompiledTarget
from rules.work_calendar import WorkCalendar

_SYMBOLS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_LABEL_WIDTH = 40


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One fit, interest or disqualify rule, ready to test a lead."""

    place: str
    label: str
    points: int
    test: Predicate
    name: str | None = None

    @property
    def title(self) -> str:
        """What reports call the rule: its `name`, else its place (`fit[2]`)."""
        return self.name or self.place

    @property
    def shown(self) -> str:
        """What an explanation calls the rule: its `name`, else its label."""
        return self.name or self.label


@dataclass(frozen=True, slots=True)
class CompiledRoute:
    """A route: its conditions and its pool, the pool keyed for its round-robin position.

    `weights` are the pool's weights in pool order (all 1 for bare Ids); `weighted` says the
    pool is served by smooth weighted round robin (`rules.rotation`), which it is when any entry
    has a weight or the rules file has `assignment.availability`. `account_tests` are the
    route's `{account: ...}` conditions (None for `matched`), tested on the matched Account.
    """

    index: int
    conditions: tuple[Predicate, ...]
    pool: tuple[str, ...]
    pool_key: str
    name: str | None = None
    weights: tuple[int, ...] = ()
    weighted: bool = False
    account_tests: tuple[Predicate | None, ...] = ()
    to_account_owner: bool = False

    @property
    def title(self) -> str:
        """What reports call the route: its `name`, else `routes[N]`."""
        return self.name or f"routes[{self.index}]"

    @property
    def members(self) -> tuple[tuple[str, int], ...]:
        return tuple(zip(self.pool, self.weights or (1,) * len(self.pool), strict=True))

    def weight_of(self, member: str) -> int:
        if not self.weights:
            return 1
        return self.weights[self.pool.index(member)] if member in self.pool else 1

    def matches(self, fields: Mapping[str, Any], account: Mapping[str, Any] | None) -> bool:
        """All the route's conditions hold for the lead's fields and its matched Account's."""
        if not all(test(fields) for test in self.conditions):
            return False
        if not self.account_tests:
            return True
        if account is None:
            return False
        return all(test is None or test(account) for test in self.account_tests)


@dataclass(frozen=True, slots=True, eq=False)
class RuleSet:
    """A parsed, validated and compiled rules file (equal only to itself; compare hashes).

    `content_hash` is the sha256 of the exact text, so any edit (not only a new `version`) tells
    the app to decide every eligible lead again. `lines` maps each place in the file to its line,
    for the org check's messages. The flat copies of a few model values (`mql_status`,
    thresholds, `handoff_requires`) save `decide` attribute hops on every lead.
    """

    model: RulesFile
    content_hash: str
    lines: Mapping[Path, int]
    fit: tuple[CompiledRule, ...]
    interest: tuple[CompiledRule, ...]
    disqualify: tuple[CompiledRule, ...]
    routes: tuple[CompiledRoute, ...]
    eligible_from: frozenset[str]
    reassign_from: frozenset[str]
    mql_status: str
    fit_threshold: int
    interest_threshold: int
    handoff_requires: tuple[str, ...]
    calendars: Mapping[str, WorkCalendar]
    org_calendars: frozenset[str]
    sla_targets: tuple[CompiledTarget, ...]
    # fit, interest and disqualify as one generated function (rules/scorer.py)
    score: Scorer

    @property
    def version(self) -> int | str:
        return self.model.version

    @property
    def statuses(self) -> Statuses:
        return self.model.statuses

    @property
    def sla(self) -> Sla:
        return self.model.sla

    @property
    def assignment(self) -> Assignment:
        return self.model.assignment

    @property
    def writeback(self) -> Writeback:
        return self.model.writeback

    @property
    def lead_fields(self) -> frozenset[str]:
        """Every Lead field the rules read, so the app can select exactly these."""
        model = self.model
        conditions: list[Condition] = [*model.fit, *model.interest, *model.disqualify]
        conditions += [
            c for route in model.assignment.routes for c in route.when if isinstance(c, Condition)
        ]
        conditions += [c for target in model.sla.targets for c in target.when]
        names = frozenset(c.field for c in conditions) | frozenset(model.handoff_requires)
        if model.assignment.match_accounts is not None:
            names |= {"Email", "Website", "Company"}
        return names

    @property
    def account_fields(self) -> frozenset[str]:
        """Account fields the routes' `{account: {field: ...}}` conditions read."""
        return frozenset(
            c.account.field
            for route in self.model.assignment.routes
            for c in route.when
            if isinstance(c, AccountCondition) and not isinstance(c.account, str)
        )


def compile_rules(
    model: RulesFile, text: str, lines: Mapping[Path, int], multi_select: frozenset[str] | None
) -> RuleSet:
    """Compile a validated model.

    `multi_select` names the org's multi-select picklist fields; None when the org is not known.
    """
    fit = _scored("fit", model.fit, multi_select)
    interest = _scored("interest", model.interest, multi_select)
    disqualify = _scored("disqualify", model.disqualify, multi_select)
    return RuleSet(
        model=model,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        lines=lines,
        fit=fit,
        interest=interest,
        disqualify=disqualify,
        routes=tuple(_route(i, route, multi_select, model.assignment.availability is not None)
                     for i, route in enumerate(model.assignment.routes)),
        eligible_from=frozenset(model.statuses.eligible_from),
        reassign_from=frozenset(to18(user) for user in model.assignment.reassign_from),
        mql_status=model.statuses.mql,
        fit_threshold=model.thresholds.fit,
        interest_threshold=model.thresholds.interest,
        handoff_requires=tuple(model.handoff_requires),
        calendars={name: build_calendar(name, spec.model_dump())
                   for name, spec in model.calendars.items() if not isinstance(spec, str)},
        org_calendars=frozenset(n for n, spec in model.calendars.items() if spec == ORG_SOURCE),
        sla_targets=tuple(
            CompiledTarget(target.name or f"targets[{i}]", target.first_touch_hours,
                           tuple(_predicate(c, multi_select) for c in target.when))
            for i, target in enumerate(model.sla.targets)
        ),
        score=compile_scorer(fit, interest, disqualify),
    )  # fmt: skip


def _scored(
    section: str,
    rules: list[ScoredRule] | list[NamedCondition],
    multi_select: frozenset[str] | None,
) -> tuple[CompiledRule, ...]:
    return tuple(
        CompiledRule(
            place=f"{section}[{index}]",
            label=rule.label or _label(rule),
            points=rule.points if isinstance(rule, ScoredRule) else 0,
            test=_predicate(rule, multi_select),
            name=rule.name.strip() if rule.name else None,
        )
        for index, rule in enumerate(rules)
    )


def _route(
    index: int, route: Route, multi_select: frozenset[str] | None, availability: bool
) -> CompiledRoute:
    entries = [(e.user, e.weight) if isinstance(e, PoolMember) else (e, 1) for e in route.pool]
    members = tuple(to18(member) for member, _ in entries)
    weighted = availability or any(isinstance(e, PoolMember) for e in route.pool)
    # Weighted pools are keyed by their sorted members: reordering them keeps their credits.
    keyed = ",".join(sorted(members)) if weighted else ",".join(members)
    key = ("w" if weighted else "") + hashlib.sha256(keyed.encode()).hexdigest()[:16]
    conditions = tuple(_predicate(c, multi_select) for c in route.when if isinstance(c, Condition))
    account_tests = tuple(
        None if isinstance(c.account, str)
        else compile_condition(c.account.field, c.account.op, c.account.value, False)
        for c in route.when if isinstance(c, AccountCondition)
    )  # fmt: skip
    return CompiledRoute(
        index=index, conditions=conditions, pool=members, pool_key=key,
        weights=tuple(weight for _, weight in entries), weighted=weighted,
        account_tests=account_tests, to_account_owner=route.owner == "account_owner",
        name=route.name.strip() if route.name else None,
    )  # fmt: skip


def _predicate(condition: Condition, multi_select: frozenset[str] | None) -> Predicate:
    known = None if multi_select is None else condition.field in multi_select
    return compile_condition(condition.field, condition.op, condition.value, known)


def _label(condition: Condition) -> str:
    """`NumberOfEmployees>=100`, `Country in US/USA`: short enough for a 255-character reason."""
    value = _show(condition.value)
    if condition.op in _SYMBOLS:
        label = f"{condition.field}{_SYMBOLS[condition.op]}{value}"
    elif condition.op in ("exists", "missing"):
        label = f"{condition.field} {condition.op}"
    else:
        label = f"{condition.field} {condition.op.replace('_', ' ')} {value}"
    return label if len(label) <= _LABEL_WIDTH else label[: _LABEL_WIDTH - 1] + "…"


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "/".join(_show(item) for item in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
