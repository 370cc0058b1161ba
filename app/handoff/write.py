"""Writing stored decisions to the org, one group of collection chunks at a time.

Each group is re-read just before it is sent (one query for the whole group), and a lead whose
Status or OwnerId no longer reads as it did when we decided is left alone: a person changed it,
and the caller decides it again with the fresh values. A lead that already shows exactly what we
planned was written by an earlier attempt whose answer was lost (a crash), so it is recorded as
written and not sent again. Every attempt and its answer is kept in `writes`; each group commits
on its own, so a crash loses at most the answers of the group in flight, which the re-read of the
next run recovers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.handoff.inputs import HandoffInputs
from app.handoff.report import HandoffReport
from app.store import repo_leads, repo_writes
from app.store.models import DecisionRecord
from app.store.states import WriteState
from sf_client import ApiBudgetSpent, QueryTimeout, SalesforceError

log = logging.getLogger(__name__)

PRECHECK_SOQL = "SELECT Id, Status, OwnerId, IsConverted FROM Lead WHERE Id IN {ids}"

# Record errors that clear by themselves; any other record error needs a person. A chunk that
# failed as a whole without an error code (a 503 page, a lost connection) is retried too.
RETRYABLE_CODES = frozenset(
    {
        None,
        "UNABLE_TO_LOCK_ROW",
        "SERVER_UNAVAILABLE",
        "UNKNOWN_EXCEPTION",
        "REQUEST_LIMIT_EXCEEDED",
    }
)


@dataclass(frozen=True, slots=True)
class OrgState:
    """A lead's Status and OwnerId as the org shows them right now."""

    status: str | None
    owner_id: str | None
    is_converted: bool


# The re-read splits its Ids in halves on QUERY_TIMEOUT down to this many per query.
MIN_REREAD_IDS = 25


def read_org_state(
    ctx: HandoffInputs, report: HandoffReport, lead_ids: Sequence[str]
) -> dict[str, OrgState]:
    """Status and OwnerId of `lead_ids` in one query (split by the URL cap).

    A busy org may time the query out (QUERY_TIMEOUT); then the Ids are asked for in two
    halves, and so on down to `MIN_REREAD_IDS`, as the pull narrows its window.
    """
    try:
        return {
            record["Id"]: OrgState(record["Status"], record["OwnerId"], bool(record["IsConverted"]))
            for record in ctx.sf.query_in(PRECHECK_SOQL, list(lead_ids))
        }
    except QueryTimeout:
        if len(lead_ids) <= MIN_REREAD_IDS:
            raise
        half = len(lead_ids) // 2
        log.info("re-reading %d leads timed out; asking in halves", len(lead_ids))
        report.count_reread_split()
        first = read_org_state(ctx, report, lead_ids[:half])
        return first | read_org_state(ctx, report, lead_ids[half:])


def write_groups(
    ctx: HandoffInputs,
    report: HandoffReport,
    session: Session,
    groups: Sequence[Sequence[DecisionRecord]],
) -> dict[str, OrgState]:
    """Write `groups` in order; return the leads a person changed, with their fresh values.

    The re-read of the next group runs while the current group is written, so a re-read costs
    no wall time; it still happens after every earlier decision of the run and only moments
    before its own group is sent.
    """
    changed: dict[str, OrgState] = {}
    if not groups:
        return changed
    with ThreadPoolExecutor(1, thread_name_prefix="handoff-reread") as reader:
        ahead = reader.submit(read_org_state, ctx, report, [d.lead_id for d in groups[0]])
        for index, group in enumerate(groups):
            state = ahead.result()
            if index + 1 < len(groups):
                following = [d.lead_id for d in groups[index + 1]]
                ahead = reader.submit(read_org_state, ctx, report, following)
            changed |= write_group(ctx, report, session, group, state)
    return changed


def write_group(
    ctx: HandoffInputs,
    report: HandoffReport,
    session: Session,
    decisions: Sequence[DecisionRecord],
    state: dict[str, OrgState],
) -> dict[str, OrgState]:
    """Write `decisions` that the org `state` (just re-read) allows; commit the outcomes."""
    ctx.guard.crash_point("before_write_chunk")
    ctx.guard.check_lock()  # a chunk boundary: stop here if the lock is lost or the service stops
    to_send: list[DecisionRecord] = []
    changed: dict[str, OrgState] = {}
    attempts: list[dict[str, Any]] = []
    for decision in decisions:
        fresh = state.get(decision.lead_id)
        verdict = _verdict(decision, fresh)
        if verdict == "send":
            to_send.append(decision)
        elif verdict == "landed":
            note = "already in the org (an earlier attempt landed)"
            attempts.append(_record(ctx, report, decision, None, note))
        elif verdict == "changed" and fresh is not None:
            decision.write_state = WriteState.SKIPPED_CHANGED
            report.count_skipped_changed()
            changed[decision.lead_id] = fresh
        else:
            code = "CANNOT_UPDATE_CONVERTED_LEAD" if fresh else "ENTITY_IS_DELETED"
            gone = "the lead is converted or deleted"
            attempts.append(_record(ctx, report, decision, code, gone))
    if to_send:
        attempts += _send(ctx, report, session, to_send, attempts)
    repo_writes.insert_writes(session, attempts)
    session.commit()
    ctx.guard.crash_point("after_write_chunk")
    return changed


def _verdict(decision: DecisionRecord, fresh: OrgState | None) -> str:
    """`send`, `landed` (our values are there), `changed` (by a person) or `gone`."""
    if fresh is None or fresh.is_converted:
        return "gone"
    planned = decision.planned or {}
    if (fresh.status, fresh.owner_id) == (decision.read_status, decision.read_owner_id):
        return "send"
    ours = {"Status": fresh.status, "OwnerId": fresh.owner_id}
    wanted = {name: planned[name] for name in ours if name in planned}
    if wanted and all(ours[name] == value for name, value in wanted.items()):
        untouched = {name for name in ours if name not in planned}
        read = {"Status": decision.read_status, "OwnerId": decision.read_owner_id}
        if all(ours[name] == read[name] for name in untouched):
            return "landed"
    return "changed"


def _send(
    ctx: HandoffInputs,
    report: HandoffReport,
    session: Session,
    decisions: Sequence[DecisionRecord],
    earlier: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """One `update_many` for the group (the client keeps several chunks in flight).

    Returns the attempts to keep. On a run-ending error the group's `earlier` attempts and
    these failed ones are committed before the error goes on, so the group stays owed.
    """
    records = [{"Id": d.lead_id, **(d.planned or {})} for d in decisions]
    try:
        results = ctx.sf.update_many("Lead", records)
    except ApiBudgetSpent:
        # Nothing was sent: the group stays owed as it is, without a failed attempt.
        repo_writes.insert_writes(session, earlier)
        session.commit()
        raise
    except SalesforceError as exc:
        # A run-ending error (daily limit, refused session): keep the group owed, then stop.
        code = _code(exc.error_code)
        failed = [_record(ctx, report, d, code, str(exc), retryable=True) for d in decisions]
        repo_writes.insert_writes(session, [*earlier, *failed])
        session.commit()
        raise
    refused = [
        d.lead_id
        for d, r in zip(decisions, results, strict=True)
        if not r.success and r.error_code not in RETRYABLE_CODES
    ]
    stamps = repo_leads.modstamps(session, refused) if refused else {}
    attempts = []
    for decision, result in zip(decisions, results, strict=True):
        if result.success:
            attempts.append(_record(ctx, report, decision, None, None))
        else:
            retryable = result.error_code in RETRYABLE_CODES
            code = _code(result.error_code)
            fields = _fields(code, result.fields, decision.planned or {})
            attempt = _record(
                ctx, report, decision, code, result.message, retryable=retryable, fields=fields
            )
            attempt["lead_modstamp"] = stamps.get(decision.lead_id)
            attempts.append(attempt)
    return attempts


def _fields(code: str, named: Sequence[str], planned: dict[str, Any]) -> list[str]:
    """The fields to name with a refusal: Salesforce's, else OwnerId for a bad owner.

    INVALID_CROSS_REFERENCE_KEY on a Lead update points at a lookup we wrote; the only one we
    write is OwnerId, so that is the field, even when Salesforce leaves `fields` empty.
    """
    if named:
        return list(named)
    if code == "INVALID_CROSS_REFERENCE_KEY" and "OwnerId" in planned:
        return ["OwnerId"]
    return []


def _code(error_code: str | None) -> str:
    return error_code or "UNAVAILABLE"


def _record(
    ctx: HandoffInputs,
    report: HandoffReport,
    decision: DecisionRecord,
    error_code: str | None,
    message: str | None,
    *,
    retryable: bool = False,
    fields: Sequence[str] = (),
) -> dict[str, Any]:
    """Move the decision on and count it; return the attempt (a `writes` row) to keep."""
    success = error_code is None
    decision.write_attempts += 1
    attempt = {
        "decision_id": decision.id,
        "lead_id": decision.lead_id,
        "run_id": ctx.run_id,
        "attempted_at": ctx.now(),
        "values": dict(decision.planned or {}),
        "success": success,
        "error_code": error_code,
        "message": message,
        "retryable": retryable,
        "fields": list(fields) or None,
        "lead_modstamp": None,
    }
    if success:
        decision.write_state = WriteState.WRITTEN
        report.count_written(decision.planned or {})
        return attempt
    report.count_failed(permanently=not retryable)
    if retryable:
        decision.write_state = WriteState.RETRYING
        return attempt
    decision.write_state = WriteState.FAILED
    code = error_code or "UNAVAILABLE"
    report.count_refused(code)
    where = f" on {', '.join(fields)}" if fields else ""
    log.warning("lead %s was not written: %s%s: %s", decision.lead_id, code, where, message)
    return attempt
