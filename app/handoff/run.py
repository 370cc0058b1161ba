"""The handoff step of a sync run: check the rules, decide, store, then write in live mode.

Order matters for safety. The rules are checked against the org before any decision; decisions
(owners included) are committed before any write, together with the round-robin positions they
used; the write cap is checked before the first write; and leads a person changed between our
read and our write are decided again, with the values the org showed, in the same run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TypeVar

from sqlalchemy.orm import Session

from app.errors import HandoffError
from app.handoff.breach_steps import run_breach_steps
from app.handoff.decide import decide_batch, decision_row
from app.handoff.inputs import HandoffInputs
from app.handoff.mapping import LeadInput, load_leads
from app.handoff.org_check import check_rules_against_org
from app.handoff.report import HandoffReport
from app.handoff.run_facts import RunFacts, run_facts
from app.handoff.select import leads_to_decide, selection_context
from app.handoff.write import OrgState, write_groups
from app.store import repo_changes, repo_decisions
from app.store.repo_assignment import load_state, save_state
from app.store.states import WriteState
from rules import AssignmentState

T = TypeVar("T")
# Leads decided and stored per transaction: memory is bounded by this, not by the org's size.
DECIDE_BATCH = 5000
# Write groups loaded from the store at once while writing.
WRITE_SLICE_GROUPS = 10
# Leads a person changed mid-run are decided and written again at most this many times.
_REDECIDE_ROUNDS = 3
# Collection chunks of 200 written after one pre-write re-read: 600 Ids are about as many as one
# query URL holds (16,384 bytes), so each group costs a single re-read query.
CHUNKS_PER_CHECK = 3


class WriteCapExceeded(HandoffError):
    """A live run would write more leads than HANDOFF_MAX_WRITES_PER_RUN allows."""


class HandoffStep:
    """The handoff of one run; `report` holds its figures so far, even when it stops early."""

    def __init__(self, inputs: HandoffInputs) -> None:
        self.inputs = inputs
        self.report = HandoffReport()

    def run(self) -> HandoffReport:
        """Decide every lead that needs it, store the decisions, and write them in live mode.

        Leads stream from the store and are decided and stored `DECIDE_BATCH` at a time, each
        batch committed with the round-robin positions it used, so memory stays flat at any org
        size. The write cap is checked once all are stored, before the first write; a run over
        it marks its decisions capped and puts the positions back, as if it had not drawn.
        """
        ctx = self.inputs
        describe = ctx.sf.describe("Lead")
        with ctx.sessions() as session:
            check_rules_against_org(session, ctx.ruleset, describe, ctx.rules_source)
            if not ctx.dry_run:
                repo_decisions.reopen_changed_refusals(session)
            facts = run_facts(
                session,
                ctx.ruleset,
                describe,
                integration_user_id=ctx.integration_user_id,
                go_live_after=ctx.go_live_after,
                now=ctx.now(),
            )
            since, upto, context = self._selection_start(session, facts)
        with ctx.sessions() as reader, ctx.sessions() as session:
            start = load_state(
                session, ctx.ruleset, adjust=not ctx.dry_run, now=ctx.now(), shadow=ctx.shadow
            )
            state = start
            selected = leads_to_decide(
                reader,
                dry_run=ctx.dry_run,
                rules_hash=ctx.ruleset.content_hash,
                fingerprint=facts.fingerprint,
                changed_after=since,
                report=self.report,
            )
            # The leads decided here are distinct: only earlier runs' owed decisions can be
            # superseded, so those are read once.
            owing = None if ctx.dry_run else repo_decisions.owing_leads(session)
            for batch in _batches(selected, DECIDE_BATCH):
                state = self.store_decisions(session, facts, batch, state, owing)
            repo_changes.set_mark(session, dry_run=ctx.dry_run, change_seq=upto, context=context)
            session.commit()
            if not ctx.dry_run:
                self._check_cap(session, start)
        ctx.guard.crash_point("after_decisions")
        run_breach_steps(ctx, facts, self.report)
        ctx.guard.crash_point("after_breach_steps")
        if not ctx.dry_run:
            self.write_owed(facts)
        return self.report

    def _selection_start(self, session: Session, facts: RunFacts) -> tuple[int | None, int, str]:
        """Where this run's choice of leads starts: the change counter to read past (None: read
        every open lead), the counter now (this run's mark once its decisions are stored), and
        the digest of what else the choice reads. A mark of another digest is cleared (and
        committed) before anything is decided, so a run that stops midway leaves none."""
        ctx = self.inputs
        context = selection_context(ctx.ruleset.content_hash, facts.roster.users)
        previous = repo_changes.mark(session, dry_run=ctx.dry_run)
        since = None
        if previous is not None and previous.context == context and not ctx.full:
            since = previous.change_seq
        elif previous is not None:
            repo_changes.clear_mark(session, dry_run=ctx.dry_run)
        upto = repo_changes.change_seq_now(session)
        session.commit()
        return since, upto, context

    def store_decisions(
        self,
        session: Session,
        facts: RunFacts,
        leads: Sequence[tuple[LeadInput, str]],
        state: AssignmentState,
        owing: set[str] | None = None,
    ) -> AssignmentState:
        """Decide `leads`, store the decisions and (live) the positions they used; commit.

        Returns the assignment state after them, for the next batch. `owing`: the leads whose
        earlier decisions still owe a write, when known (`repo_decisions.owing_leads`).
        """
        ctx = self.inputs
        now = ctx.now()
        outcomes, after = decide_batch(ctx.ruleset, leads, facts, state)
        rows = [
            decision_row(
                ctx.ruleset, lead, fp, outcome, assignment, facts,
                run_id=ctx.run_id, dry_run=ctx.dry_run, now=now,
            )
            for lead, fp, outcome, assignment in outcomes
        ]  # fmt: skip
        self.report.waiting_for_owner += sum(1 for row in rows if row.owner_held)
        for row in rows:
            self.report.count_decision(
                mql=row.mql, held_fields=row.missing_fields, planned=row.planned,
                dry_run=ctx.dry_run,
            )  # fmt: skip
        unchanged = repo_decisions.same_wait(session, rows)
        rows = [row for row in rows if row.lead_id not in unchanged]
        if ctx.shadow:  # recorded as live would, turns taken from the shadow pools, no write
            repo_decisions.insert_decisions(session, [replace(row, shadow=True) for row in rows])
            save_state(session, after, now, shadow=True)
            session.commit()
            return after
        if ctx.dry_run:
            repo_decisions.insert_decisions(session, rows)
            session.commit()
            return state  # dry runs use up no round-robin turns
        repo_decisions.supersede_owed(session, [row.lead_id for row in rows], owing)
        repo_decisions.insert_decisions(session, rows)
        save_state(session, after, now)
        session.commit()
        return after

    def _check_cap(self, session: Session, start: AssignmentState) -> None:
        """Stop before the first write when more leads owe a write than the cap allows."""
        ctx = self.inputs
        owed = repo_decisions.owed_count(session)
        cap = ctx.max_writes_per_run
        if owed <= cap:
            return
        repo_decisions.cap_run(session, ctx.run_id)
        save_state(session, start, ctx.now())
        session.commit()
        raise WriteCapExceeded(
            f"this run would write {owed} leads, more than HANDOFF_MAX_WRITES_PER_RUN={cap}; "
            "nothing was written. Check the rules (`handoff sync --dry-run` shows the plan), "
            f"then set HANDOFF_MAX_WRITES_PER_RUN={owed} or more for one run to let it through"
        )

    def write_owed(self, facts: RunFacts) -> None:
        """Write every decision that owes the org a write, this run's and earlier retries."""
        ctx = self.inputs
        group_size = min(ctx.write_concurrency, CHUNKS_PER_CHECK) * 200
        with ctx.sessions() as session:
            changed = self._write_owed_until(
                session, repo_decisions.owed_max_id(session), group_size
            )
            for _round in range(_REDECIDE_ROUNDS):
                if not changed:
                    break
                self._redecide(session, facts, changed)
                owed = repo_decisions.owed_decisions(session, list(changed))
                groups = [owed[at : at + group_size] for at in range(0, len(owed), group_size)]
                changed = write_groups(ctx, self.report, session, groups)
            self.report.queued_for_retry = repo_decisions.count_in_state(
                session, WriteState.RETRYING
            )

    def _write_owed_until(
        self, session: Session, last: int | None, group_size: int
    ) -> dict[str, OrgState]:
        """Write the decisions owed up to id `last`, oldest first, `WRITE_SLICE_GROUPS` groups
        at a time; return the leads a person changed."""
        changed: dict[str, OrgState] = {}
        after = 0
        while last is not None and after < last:
            owed = repo_decisions.owed_slice(
                session, after=after, upto=last, limit=group_size * WRITE_SLICE_GROUPS
            )
            if not owed:
                break
            after = owed[-1].id
            groups = [owed[at : at + group_size] for at in range(0, len(owed), group_size)]
            changed |= write_groups(self.inputs, self.report, session, groups)
        return changed

    def _redecide(self, session: Session, facts: RunFacts, changed: dict[str, OrgState]) -> None:
        """Decide those leads again with the Status and OwnerId the org just showed.

        The mirror is left as the pull stored it (its derived facts agree with it); the next
        pull brings the person's change with its history, and derives the facts from that.
        """
        leads = []
        for lead in load_leads(session, changed):
            fresh = changed[lead.id]
            seen = replace(lead, status=fresh.status, owner_id=fresh.owner_id)
            leads.append((seen, facts.fingerprint(seen)))
        self.store_decisions(session, facts, leads, load_state(session, self.inputs.ruleset))


def _batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
