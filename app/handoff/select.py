"""Which leads a run decides: those whose input changed since their last decision.

A lead is decided again when nothing of this mode decided it yet (so the first live run decides
every open lead afresh, whatever the dry runs before it did), when the rules changed by content,
when its input fingerprint matches neither what we read last time nor what our own write will
make it read, or when its last decision was stopped by the write cap. Everything else keeps its
decision, so a quiet org costs a run no decisions and no writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session, aliased

from app.handoff.mapping import LeadInput, lead_input, open_leads_query
from app.store.models import DecisionHead, Lead

# Read this many leads per round trip to the store while selecting.
_BATCH = 2000


@dataclass(frozen=True, slots=True)
class LastDecision:
    """What the selection needs of a lead's latest decision in this mode."""

    input_fingerprint: str
    result_fingerprint: str | None
    rules_hash: str
    write_state: str

    def still_holds(self, current: str, rules_hash: str) -> bool:
        """Whether this decision still answers for a lead whose input reads `current`."""
        return (
            self.rules_hash == rules_hash
            and self.write_state != "capped"
            and current in (self.input_fingerprint, self.result_fingerprint)
        )


def leads_to_decide(
    session: Session,
    *,
    dry_run: bool,
    rules_hash: str,
    fingerprint: Callable[[LeadInput], str],
) -> Iterator[tuple[LeadInput, str]]:
    """Each open lead that needs a decision, with its current input fingerprint, in Id order.

    One streamed query: the open leads joined to their latest decision of this mode in the
    narrow `decision_heads`, read `_BATCH` rows at a time, so memory stays flat at any size.
    """
    head = aliased(DecisionHead)
    query = (
        open_leads_query()
        .add_columns(head.input_fingerprint, head.result_fingerprint, head.rules_hash, head.capped)
        .outerjoin(head, (head.lead_id == Lead.id) & (head.dry_run.is_(dry_run)))
    )
    rows = session.execute(query.execution_options(yield_per=_BATCH))
    for row in rows:
        lead = lead_input(row)
        current = fingerprint(lead)
        if row.input_fingerprint is None:
            yield lead, current
            continue
        previous = LastDecision(
            row.input_fingerprint,
            row.result_fingerprint,
            row.rules_hash,
            "capped" if row.capped else "none",
        )
        if not previous.still_holds(current, rules_hash):
            yield lead, current
