"""`decide`: one lead, the rules, and what the store knows about it -> a `Decision`.

The order of the eligibility checks is the order an admin would ask in: is it converted, is it
already MQL, did a person take it out of MQL (never promote it again), did it leave MQL before,
is its status one promotion starts from, was it created before go-live. Scores are computed for
every lead, eligible or not, because the reports count rule matches over all leads.

`LeadFacts` and `Decision` are named tuples rather than frozen dataclasses: they are made once
per lead, and a frozen dataclass costs several times more to build, which is most of the budget
of a decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple

from rules.explain import explain
from rules.ids import is_queue
from rules.owners import is_placeholder_owner
from rules.reasons import Ineligible
from rules.ruleset import CompiledRule, RuleSet
from rules.values import is_blank


class LeadFacts(NamedTuple):
    """A lead as the rules see it.

    `fields` maps Salesforce field names to values as the API returns them. The rest is what the
    store knows: `ever_mql` (this lead was MQL at some point, by us or by hand) and
    `taken_out_of_mql_by_person` come from the lead's history and our own write records;
    `owner_is_active_user` is False for an owner who is a deactivated user (queues: ignored).
    """

    fields: Mapping[str, Any]
    status: str | None
    owner_id: str | None = None
    owner_is_active_user: bool = True
    ever_mql: bool = False
    taken_out_of_mql_by_person: bool = False
    converted: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DecisionContext:
    """Facts about the run rather than the lead."""

    integration_user_id: str | None = None
    go_live_after: datetime | None = None


class Decision(NamedTuple):
    """What the rules say about one lead; `explain()` words it, only when asked."""

    mql: bool
    held: bool
    fit: int
    interest: int
    matched: tuple[CompiledRule, ...]
    missing_fields: tuple[str, ...]
    disqualified_by: CompiledRule | None
    ineligible_reason: Ineligible | None
    needs_owner: bool
    status: str | None
    rules: RuleSet

    def __repr__(self) -> str:
        return f"Decision({self.explain()!r})"

    @property
    def rules_version(self) -> int | str:
        return self.rules.version

    @property
    def rules_hash(self) -> str:
        return self.rules.content_hash

    def explain(self) -> str:
        """One line of at most 255 characters, for the reason field and the audit trail."""
        return explain(self)

    @property
    def scores_qualify(self) -> bool:
        """Not disqualified and at or above both thresholds (eligible or not)."""
        return (
            self.disqualified_by is None
            and self.fit >= self.rules.fit_threshold
            and self.interest >= self.rules.interest_threshold
        )


def decide(ruleset: RuleSet, lead: LeadFacts, context: DecisionContext) -> Decision:
    """Score, disqualify, check eligibility and handoff requirements for one lead."""
    fields = lead.fields
    fit, interest, matched, disqualified_by = ruleset.score(fields)
    reason = _ineligible(ruleset, lead, context)
    promote = (
        reason is None
        and disqualified_by is None
        and fit >= ruleset.fit_threshold
        and interest >= ruleset.interest_threshold
    )
    missing = _missing(ruleset, fields) if promote else ()
    needs_owner = reason is Ineligible.ALREADY_MQL and _without_owner(ruleset, lead, context)
    # tuple.__new__ straight away: the named tuple's own __new__ is one more Python call per lead.
    return _new_tuple(Decision, (
        promote and not missing, promote and bool(missing), fit, interest, matched,
        missing, disqualified_by, reason, needs_owner, lead.status, ruleset,
    ))  # fmt: skip


def decide_reference(ruleset: RuleSet, lead: LeadFacts, context: DecisionContext) -> Decision:
    """`decide` with each rule's predicate called in turn, as the engine did before the
    generated scorer: the reference the scorer is checked against (tests, bench/rules)."""
    return decide(_with_reference_scoring(ruleset), lead, context)._replace(rules=ruleset)


_REFERENCE: dict[int, tuple[RuleSet, RuleSet]] = {}


def _with_reference_scoring(ruleset: RuleSet) -> RuleSet:
    """The same rule set scoring rule by rule (made once per rule set, a few kept)."""
    kept = _REFERENCE.get(id(ruleset))
    if kept is not None and kept[0] is ruleset:
        return kept[1]
    if len(_REFERENCE) >= 8:
        _REFERENCE.clear()
    twin = replace(ruleset, score=partial(score_rule_by_rule, ruleset))
    _REFERENCE[id(ruleset)] = (ruleset, twin)
    return twin


def score_rule_by_rule(
    ruleset: RuleSet, fields: Mapping[str, Any]
) -> tuple[int, int, tuple[CompiledRule, ...], CompiledRule | None]:
    """Fit, interest, the rules matched and the first disqualifier, one predicate at a time."""
    matched: list[CompiledRule] = []
    fit = interest = 0
    for rule in ruleset.fit:
        if rule.test(fields):
            fit += rule.points
            matched.append(rule)
    for rule in ruleset.interest:
        if rule.test(fields):
            interest += rule.points
            matched.append(rule)
    disqualified_by = None
    for rule in ruleset.disqualify:
        if rule.test(fields):
            disqualified_by = rule
            break
    return fit, interest, tuple(matched), disqualified_by


_new_tuple = tuple.__new__


def _without_owner(ruleset: RuleSet, lead: LeadFacts, context: DecisionContext) -> bool:
    """An MQL nobody works: it sits with a placeholder (SPEC) or with a deactivated user, who
    would never touch it either."""
    owner = lead.owner_id
    if is_placeholder_owner(ruleset, owner, context.integration_user_id):
        return True
    return owner is not None and not is_queue(owner) and not lead.owner_is_active_user


def _missing(ruleset: RuleSet, fields: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(name for name in ruleset.handoff_requires if is_blank(fields.get(name)))


def _ineligible(ruleset: RuleSet, lead: LeadFacts, context: DecisionContext) -> Ineligible | None:
    if lead.converted:
        return Ineligible.CONVERTED
    if lead.status == ruleset.mql_status:
        return Ineligible.ALREADY_MQL
    if lead.taken_out_of_mql_by_person:
        return Ineligible.TAKEN_OUT_BY_PERSON
    if lead.ever_mql:
        return Ineligible.LEFT_MQL
    if lead.status not in ruleset.eligible_from:
        return Ineligible.STATUS
    cutoff = context.go_live_after
    if cutoff is not None and (lead.created_at is None or _aware(lead.created_at) < _aware(cutoff)):
        return Ineligible.BEFORE_GO_LIVE
    return None


def _aware(moment: datetime) -> datetime:
    """Salesforce times are UTC; a naive datetime from a caller is read as UTC too."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
