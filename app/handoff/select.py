"""Which leads a run decides: those whose input changed since their last decision.

A lead is decided again when nothing of this mode decided it yet (so the first live run decides
every open lead afresh, whatever the dry runs before it did), when the rules changed by content,
when its input fingerprint matches neither what we read last time nor what our own write will
make it read, when its last decision was stopped by the write cap, or when it is held for want
of an available owner (so the first run in which someone is available assigns it). Everything
else keeps its decision, so a quiet org costs a run no decisions and no writes.

Reading every open lead to find those few is itself the cost of a quiet run at a million leads,
so a run reads only the leads written since the last completed run of its mode chose its leads
(`app.store.repo_changes`), plus the heads to decide again whatever changed (write cap, waiting
for an owner). That is the same choice as reading them all as long as nothing else a decision's
input reads has changed: the rules (their hash) and which users are active (`selection_context`).
When either changed, or on `handoff sync --full`, or before any run completed, it reads them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.handoff.mapping import LeadInput, lead_input
from app.handoff.report import HandoffReport
from app.store import repo_leads
from app.store.states import WriteState

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
            and self.write_state != WriteState.CAPPED
            and current in (self.input_fingerprint, self.result_fingerprint)
        )


def selection_context(rules_hash: str, users: Mapping[str, bool]) -> str:
    """A digest of what, besides the lead's own row, its input fingerprint reads: the rules
    (through their hash: field names, the MQL status) and each user's active flag."""
    payload = (rules_hash, sorted(users.items()))
    return hashlib.sha256(repr(payload).encode()).hexdigest()


def leads_to_decide(
    session: Session,
    *,
    dry_run: bool,
    rules_hash: str,
    fingerprint: Callable[[LeadInput], str],
    changed_after: int | None = None,
    report: HandoffReport | None = None,
) -> Iterator[tuple[LeadInput, str]]:
    """Each open lead that needs a decision, with its current input fingerprint, in Id order.

    One streamed query: the open leads (with `changed_after`, only those written since that
    change counter, and the heads to decide again) joined to their latest decision of this mode
    in the narrow `decision_heads`, read `_BATCH` rows at a time, so memory stays flat at any
    size. `report`, when given, counts the leads read (`considered`).
    """
    rows = repo_leads.open_lead_rows(
        session, yield_per=_BATCH, heads_of=dry_run, changed_after=changed_after
    )
    for row in rows:
        if report is not None:
            report.considered += 1
        lead = lead_input(row)
        current = fingerprint(lead)
        if row.input_fingerprint is None or row.waiting_owner:
            yield lead, current  # new, or held until an owner is available
            continue
        state = WriteState.CAPPED if row.capped else WriteState.NONE
        previous = LastDecision(
            row.input_fingerprint, row.result_fingerprint, row.rules_hash, state
        )
        if not previous.still_holds(current, rules_hash):
            yield lead, current
