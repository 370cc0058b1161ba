"""The one-line explanation of a decision, such as
`MQL (rules v7): fit 50 = employees>=100 +30, title VP +20; interest 40 = webinar +25`.

It is built only when asked (for leads whose decision is written), and always fits the 255
characters of a Salesforce text field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rules.reasons import Ineligible

if TYPE_CHECKING:
    from rules.decide import Decision
    from rules.ruleset import CompiledRule

LIMIT = 255


def explain(decision: Decision) -> str:
    """Verdict, then why, then both scores with the rules that made them."""
    rules = decision.rules
    head = f"{_verdict(decision)} (rules v{rules.version})"
    thresholds = rules.model.thresholds
    scores = "; ".join(
        _score(name, total, needed, decision)
        for name, total, needed in (
            ("fit", decision.fit, thresholds.fit),
            ("interest", decision.interest, thresholds.interest),
        )
    )
    why = _why(decision)
    text = f"{head}: {why}; {scores}" if why else f"{head}: {scores}"
    text = " ".join(text.split())  # one line, whatever a label or status holds
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"


def _verdict(decision: Decision) -> str:
    if decision.mql:
        return "MQL"
    if decision.held:
        return "Held"
    if decision.needs_owner:
        return "Needs owner"
    if decision.ineligible_reason is not None:
        return "Not eligible"
    return "Not MQL"


def _why(decision: Decision) -> str:
    if decision.held:
        return "missing " + ", ".join(decision.missing_fields)
    if decision.needs_owner:
        return "set to MQL by a person, sits with a queue, placeholder or inactive user"
    reason = decision.ineligible_reason
    if reason is not None:
        if reason is Ineligible.STATUS:
            return f"status {decision.status!r} is not in eligible_from"
        return str(reason)
    if decision.disqualified_by is not None:
        return f"disqualified by {decision.disqualified_by.shown}"
    return ""


def _score(name: str, total: int, needed: int, decision: Decision) -> str:
    rules: list[CompiledRule] = [
        r for r in decision.matched if r.points and r.place.startswith(name)
    ]
    shown = f"{name} {total}" if decision.mql or total >= needed else f"{name} {total}<{needed}"
    if not rules:
        return shown
    return f"{shown} = " + ", ".join(f"{rule.shown} {rule.points:+d}" for rule in rules)
