"""Conversion by rule: for each rule of the active rules, how the leads it matched turned out.

Each lead counts once, by its latest decision under the rules (by content hash). The rules each
decision matched (`{"rules": [{"place": "fit[0]", ...}]}`) and the fields a held lead lacked
(`{"fields": [...]}`) are unnested in the database (`json_each` on SQLite,
`jsonb_array_elements` on PostgreSQL) and aggregated there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import Session

from app.reports import stats
from app.reports.models import RuleRow, RulesReport
from app.store.models import DecisionRecord, Lead, Opportunity


def _matched_places(
    session: Session,
) -> tuple[Any, ColumnElement[Any], ColumnElement[Any]]:
    """The rules each decision matched (`{"rules": [{"place": ..., "name": ...}]}`), one row per
    rule: the table, the place and the rule's name (null for rules without one)."""
    if session.get_bind().dialect.name == "postgresql":
        rules = func.jsonb_extract_path(DecisionRecord.matched, "rules")
        each = func.jsonb_array_elements(rules).table_valued("value")
        return (
            each,
            func.jsonb_extract_path_text(each.c.value, "place"),
            func.jsonb_extract_path_text(each.c.value, "name"),
        )
    each = func.json_each(DecisionRecord.matched, "$.rules").table_valued("value")
    return (
        each,
        func.json_extract(each.c.value, "$.place"),
        func.json_extract(each.c.value, "$.name"),
    )


def _missing_fields(session: Session) -> tuple[Any, ColumnElement[Any]]:
    """The fields a held lead lacked (`{"fields": [...]}`), one row per field."""
    if session.get_bind().dialect.name == "postgresql":
        fields = func.jsonb_extract_path(DecisionRecord.missing_fields, "fields")
        each = func.jsonb_array_elements_text(fields).table_valued("value")
        return each, each.c.value
    each = func.json_each(DecisionRecord.missing_fields, "$.fields").table_valued("value")
    return each, each.c.value


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _newest_hash(session: Session) -> str | None:
    return session.scalar(
        select(DecisionRecord.rules_hash).order_by(DecisionRecord.id.desc()).limit(1)
    )


def rules_report(
    session: Session, *, rules_hash: str | None, rules_version: str | None
) -> RulesReport:
    """The report for the rules with `rules_hash` (the newest decided ones when None)."""
    if rules_hash is None:
        rules_hash, rules_version = _newest_hash(session), None
    latest = (
        select(func.max(DecisionRecord.id).label("id"))
        .where(DecisionRecord.rules_hash == rules_hash)
        .group_by(DecisionRecord.lead_id)
        .subquery()
    )
    decided = int(session.scalar(select(func.count()).select_from(latest)) or 0)
    return RulesReport(
        rules_version=rules_version,
        rules_hash=rules_hash,
        leads_decided=decided,
        rules=_rule_rows(session, latest),
        held_by_missing_field=_held(session, latest),
    )


def _rule_rows(session: Session, latest: Any) -> list[RuleRow]:
    """Per rule place: the leads it matched in their latest decision, and how they turned out."""
    matched, place, name = _matched_places(session)
    rows = session.execute(
        select(
            place,
            func.max(name),
            func.count(),
            _flag(DecisionRecord.mql.is_(True)),
            _flag(Lead.is_converted.is_(True)),
            _flag(Opportunity.is_closed.is_(True)),
            _flag(Opportunity.is_won.is_(True)),
        )
        .select_from(DecisionRecord)
        .join(latest, latest.c.id == DecisionRecord.id)
        .join(matched, true())
        .join(Lead, Lead.id == DecisionRecord.lead_id)
        .outerjoin(Opportunity, Opportunity.id == Lead.converted_opportunity_id)
        .group_by(place)
        .order_by(place)
    )
    return [
        RuleRow(
            rule=key,
            name=rule_name,
            leads_matched=int(count),
            mql=int(mql or 0),
            converted=int(converted or 0),
            closed=int(closed or 0),
            won=int(won or 0),
            win_rate=stats.rate(int(won or 0), int(closed or 0)),
        )
        for key, rule_name, count, mql, converted, closed, won in rows
    ]


def _held(session: Session, latest: Any) -> dict[str, int]:
    """Leads held back in their latest decision, by each field they lacked."""
    missing, field = _missing_fields(session)
    held = session.execute(
        select(field, func.count())
        .select_from(DecisionRecord)
        .join(latest, latest.c.id == DecisionRecord.id)
        .join(missing, true())
        .where(DecisionRecord.held.is_(True))
        .group_by(field)
        .order_by(field)
    )
    return {key: int(count) for key, count in held}
