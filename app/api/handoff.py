"""Handoff endpoints: the SLA status of open MQLs and the work list of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.api.auth import ReadAccess
from app.api.errors import invalid
from app.api.examples import BREACHES_EXAMPLE, LEADS_EXAMPLE, STATUS_EXAMPLE, documented
from app.api.formats import FormatQuery, csv_response, wants_csv
from app.api.pagination import (
    CursorQuery,
    LimitQuery,
    Page,
    cursor_int,
    decode_cursor,
    encode_cursor,
)
from app.api.params import IsoMoment
from app.api.status_cache import StatusCache
from app.deps import NowDep, RulesDep, SessionDep
from app.reports.breaches import breaches_report
from app.reports.csv_rows import status_csv
from app.reports.handoff import handoff_status
from app.reports.leads import LeadKey, open_mqls
from app.reports.models import BreachesReport, HandoffStatus, OpenMql, SlaState
from app.reports.routing import HeldLead, held_leads
from app.store import repo_runs

router = APIRouter(prefix="/handoff", tags=["handoff"], dependencies=ReadAccess)

DEFAULT_WINDOW = timedelta(days=30)
STATUS_CSV_EXAMPLE = "as_of,owner_id,owner_name,mql_open,pending,met,breached,stale,...\r\n"


@router.get(
    "/status",
    response_model=HandoffStatus,
    summary="SLA state of the open MQLs, overall and by owner",
    responses=documented(STATUS_EXAMPLE, STATUS_CSV_EXAMPLE),
)
def get_status(
    request: Request,
    active: RulesDep,
    now: NowDep,
    since: Annotated[
        IsoMoment | None,
        Query(
            description="start of the window for first-touch times and acceptance "
            "(default: 30 days ago); a date-time with a zone",
            examples=["2026-10-01T00:00:00Z"],
        ),
    ] = None,
    format_: Annotated[FormatQuery, Query(alias="format")] = None,
) -> HandoffStatus | Response:
    """Counts of open MQLs by SLA state as of now (`stale`, `pending`, `met`, `breached`, first
    match wins; `mql_at_unknown` apart), median and 90th percentile hours to first touch of MQLs
    since `since`, the acceptance rate of exits from MQL since `since`, and the same per owner,
    with the SLA settings applied (from the rules file's `sla`)."""
    try:
        start = since.astimezone(UTC) if since else now - DEFAULT_WINDOW
    except OverflowError:
        raise invalid("since", "`since` is out of range") from None
    if start > now:
        raise invalid("since", "`since` is in the future")
    cache: StatusCache = request.app.state.status_cache
    key = (start if since else None, active.sla.model_dump_json())

    def compute() -> HandoffStatus:
        with request.app.state.sessions() as session:
            return handoff_status(session, as_of=now, since=start, sla=active.sla)

    # Not `SessionDep`: a generator dependency costs two more thread hops a request, and a kept
    # answer needs only the sync mark, read on a bare connection; a session only to compute.
    with request.app.state.mark_reader.connect() as connection:
        mark = repo_runs.sync_mark(connection)
    kept = cache.get(key, now=now, mark=mark, compute=compute)
    if wants_csv(request, format_):
        return csv_response(status_csv(kept.report), "handoff-status")
    return Response(kept.body, media_type="application/json")


def _aware(text: object) -> datetime:
    value = datetime.fromisoformat(str(text))
    if value.tzinfo is None:
        raise ValueError("naive time in cursor")
    return value.astimezone(UTC)


def _after(cursor: str | None) -> tuple[datetime | None, LeadKey | None]:
    """The `as_of` and last sort key a cursor carries; a 422 on `cursor` if it is forged."""
    if cursor is None:
        return None, None
    as_of, rank, mql_at, lead_id = decode_cursor(cursor, 4)
    try:
        return _aware(as_of), LeadKey(cursor_int(rank), _aware(mql_at), str(lead_id))
    except (TypeError, ValueError, OverflowError):
        raise invalid("cursor", "not a cursor returned by this API") from None


@router.get(
    "/leads",
    response_model=Page[OpenMql] | Page[HeldLead],
    summary="Open MQLs, most urgent first; or the leads held for want of an available owner",
    responses=documented(LEADS_EXAMPLE),
)
def get_leads(
    session: SessionDep,
    active: RulesDep,
    now: NowDep,
    state: Annotated[
        Literal["unassigned"] | None,
        Query(
            description="`unassigned`: the leads held with `no available owner` (by Id), "
            "which the first run with someone available assigns"
        ),
    ] = None,
    sla: Annotated[
        SlaState | None,
        Query(description="only open MQLs in this SLA state", examples=["breached"]),
    ] = None,
    owner_id: Annotated[
        str | None,
        Query(description="only this owner's (user or queue Id)", max_length=18, examples=[None]),
    ] = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[OpenMql] | Page[HeldLead]:
    """Open MQLs with their SLA state, MQL time, first touch and scores: breached first, then
    pending (closest to the deadline first), stale, met and those with no known MQL time. Pages
    keep the `as_of` of the first page, so the order does not shift while paging. With
    `state=unassigned`, the leads waiting for an available owner instead, with the reason."""
    if state == "unassigned":
        after_id = str(decode_cursor(cursor, 1)[0]) if cursor is not None else None
        held = held_leads(session, limit=limit + 1, after=after_id)
        more = encode_cursor(held[limit - 1].lead_id) if len(held) > limit else None
        return Page[HeldLead](items=held[:limit], next_cursor=more)
    as_of, after = _after(cursor)
    as_of = as_of or now
    page = open_mqls(
        session,
        as_of=as_of,
        sla=active.sla,
        state=sla,
        owner_id=owner_id,
        limit=limit,
        after=after,
    )
    next_cursor = None
    if page.last is not None:
        last = page.last
        next_cursor = encode_cursor(
            as_of.isoformat(), last.rank, last.mql_at.isoformat(), last.lead_id
        )
    return Page[OpenMql](items=page.items, next_cursor=next_cursor)


@router.get(
    "/breaches",
    response_model=BreachesReport,
    response_model_by_alias=True,
    summary="SLA breaches in a window, by owner and target, and the breach actions taken",
    responses=documented(BREACHES_EXAMPLE),
)
def get_breaches(
    session: SessionDep,
    now: NowDep,
    from_: Annotated[
        IsoMoment | None,
        Query(
            alias="from",
            description="breaches due from this time (default: 30 days ago)",
            examples=["2026-10-01T00:00:00Z"],
        ),
    ] = None,
    to: Annotated[
        IsoMoment | None,
        Query(description="breaches due up to this time (default: now)"),
    ] = None,
    dry_run: Annotated[
        bool, Query(description="the actions dry runs recorded instead of the real ones")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=5000, description="most actions listed")] = 500,
) -> BreachesReport:
    """MQL stays whose first-touch due time fell in the window and that were touched late or
    not at all, counted by owner and by SLA target; every `on_breach` step taken on them (a
    notification and its delivery, a reassignment and its write), and how long after each action
    the lead was first touched."""
    try:
        end = to.astimezone(UTC) if to else now
        start = from_.astimezone(UTC) if from_ else end - DEFAULT_WINDOW
    except OverflowError:
        raise invalid("from", "`from` or `to` is out of range") from None
    if start > end:
        raise invalid("from", "`from` is after `to`")
    return breaches_report(session, start=start, end=end, dry_run=dry_run, limit=limit)
