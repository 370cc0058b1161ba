"""Routing endpoints: out-of-office entries, the fairness ledger and its adjustments.

Availability entries and ledger adjustments change who gets the next leads, so they need an
admin key and each is written to the audit trail (`audit_events`) with the key's role and a
fingerprint of it (never the key). They take effect at the next sync run.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from app.api.auth import AdminAccess, ReadAccess, presented_key
from app.api.errors import invalid
from app.api.examples import documented
from app.api.pagination import CursorQuery, LimitQuery, Page, decode_id_cursor, encode_cursor
from app.api.params import IsoMoment
from app.api.routing_examples import (
    ABSENCE,
    ADJUST_EXAMPLE,
    AVAILABILITY_EXAMPLE,
    EVENTS_EXAMPLE,
    LEDGER_EXAMPLE,
)
from app.deps import NowDep, RulesDep, SessionDep
from app.reports.routing import Ledger, ledger
from app.store import repo_availability
from app.store.models import Absence, AuditEvent, LedgerAdjustment, User
from rules.ids import id_problem, to18

router = APIRouter(tags=["routing"])
DEFAULT_WINDOW = timedelta(days=30)
UserId = Annotated[str, Field(min_length=15, max_length=18, pattern="^005[A-Za-z0-9]{12,15}$",
                              examples=["005000000000001AAA"])]  # fmt: skip


class AvailabilityIn(BaseModel):
    """An out-of-office period for a pool member: no leads from `start` until `end`."""

    model_config = ConfigDict(extra="forbid")

    user_id: UserId
    start: AwareDatetime = Field(examples=["2026-12-01T00:00:00Z"])
    end: AwareDatetime = Field(examples=["2026-12-09T00:00:00Z"])
    reason: str = Field(default="", max_length=255, examples=["holiday"])

    @model_validator(mode="after")
    def _ordered(self) -> AvailabilityIn:
        if self.end <= self.start:
            raise ValueError("`end` must be after `start`: the period ends before it begins")
        return self


class AvailabilityEntry(BaseModel):
    id: int
    user_id: str
    user_name: str | None
    start: datetime
    end: datetime
    reason: str | None
    source: str = Field(description="salesforce (an OutOfOffice record) or api")


class AdjustIn(BaseModel):
    """Credit (positive `turns`) or debit (negative) a member's turns in a pool."""

    model_config = ConfigDict(extra="forbid")

    route: int = Field(ge=0, description="the route whose pool it is (0 is the first)")
    user_id: UserId
    turns: int = Field(description="turns to credit (+) or debit (-); not 0", examples=[2])
    reason: str = Field(min_length=1, max_length=255, examples=["was on a customer visit"])


class AdjustOut(BaseModel):
    id: int
    pool_key: str
    route: int
    user_id: str
    turns: int
    reason: str
    created_at: datetime


def _actor(request: Request) -> str:
    """The caller as the audit trail names it: role and a fingerprint of the key."""
    key = presented_key(request.headers) or ""
    return "admin:" + hashlib.sha256(key.encode()).hexdigest()[:12]


def _entry(row: Absence, names: dict[str, str | None]) -> AvailabilityEntry:
    return AvailabilityEntry(
        id=row.id, user_id=row.user_id, user_name=names.get(row.user_id), start=row.start_at,
        end=row.end_at, reason=row.reason, source=row.source,
    )  # fmt: skip


def _names(session: Any, ids: list[str]) -> dict[str, str | None]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {str(user): name for user, name in rows}


def _known_user(session: Any, user_id: str, field: str) -> str:
    problem = id_problem(user_id, ("005",))
    if problem is not None:
        raise invalid(field, problem, location="body")
    user = to18(user_id)
    if session.get(User, user) is None:
        raise invalid(field, f"{user} is no user of the org (as of the last sync)",
                      location="body")  # fmt: skip
    return user


@router.get(
    "/availability",
    response_model=Page[AvailabilityEntry],
    dependencies=AdminAccess,
    responses=documented(AVAILABILITY_EXAMPLE),
    summary="Out-of-office periods: from Salesforce and entered here",
)
def get_availability(
    session: SessionDep,
    now: NowDep,
    user_id: Annotated[str | None, Query(max_length=18, description="only this user's")] = None,
    include_past: Annotated[bool, Query(description="also periods that have ended")] = False,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[AvailabilityEntry]:
    """Every out-of-office period still to end (or all, with `include_past`), by id: the
    Salesforce OutOfOffice records the last sync read and the entries made with POST."""
    after = decode_id_cursor(cursor) if cursor is not None else 0
    user = to18(user_id) if user_id and len(user_id) in (15, 18) else user_id
    rows = repo_availability.list_absences(
        session, user_id=user, at_or_after=None if include_past else now, limit=limit + 1,
        after_id=after,
    )  # fmt: skip
    page = rows[:limit]
    names = _names(session, sorted({r.user_id for r in page}))
    next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return Page[AvailabilityEntry](items=[_entry(r, names) for r in page], next_cursor=next_cursor)


@router.post(
    "/availability",
    response_model=AvailabilityEntry,
    status_code=status.HTTP_201_CREATED,
    dependencies=AdminAccess,
    responses=documented(ABSENCE, status=201),
    summary="Mark a member out of office for a period",
)
def post_availability(
    request: Request, session: SessionDep, now: NowDep, body: AvailabilityIn
) -> AvailabilityEntry:
    """The member gets no leads from `start` until `end` (from the next sync run on); an `end`
    before `start` is a 422. Recorded in the audit trail."""
    user = _known_user(session, body.user_id, "user_id")
    row = repo_availability.add_absence(session, {
        "user_id": user, "start_at": body.start.astimezone(UTC),
        "end_at": body.end.astimezone(UTC), "reason": body.reason, "source": "api",
        "enabled": True, "is_deleted": False, "created_at": now, "created_by": _actor(request),
    })  # fmt: skip
    repo_availability.record_event(
        session, at=now, actor=_actor(request), action="availability.add", subject=user,
        detail={"absence_id": row.id, "start": row.start_at.isoformat(),
                "end": row.end_at.isoformat(), "reason": body.reason},
    )  # fmt: skip
    session.commit()
    return _entry(row, _names(session, [user]))


@router.delete(
    "/availability/{entry_id}",
    response_model=AvailabilityEntry,
    dependencies=AdminAccess,
    responses={**documented(ABSENCE), 404: {"description": "no entry with this id"}},
    summary="Remove an out-of-office entry made here",
)
def delete_availability(
    request: Request, session: SessionDep, now: NowDep,
    entry_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> AvailabilityEntry:  # fmt: skip
    """Removes the entry and answers it; entries from Salesforce are changed in Salesforce
    (422 here); an unknown id is a 404."""
    row = session.get(Absence, entry_id)
    if row is None or row.is_deleted:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no availability entry {entry_id}")
    if row.source != "api":
        raise invalid("entry_id", "this period is a Salesforce OutOfOffice record: change it in "
                      "Salesforce, and the next sync reads it", location="path")  # fmt: skip
    repo_availability.delete_absence(session, entry_id)
    repo_availability.record_event(
        session, at=now, actor=_actor(request), action="availability.delete",
        subject=row.user_id, detail={"absence_id": entry_id},
    )  # fmt: skip
    session.commit()
    return _entry(row, _names(session, [row.user_id]))


@router.get(
    "/assignment/ledger",
    response_model=Ledger,
    response_model_by_alias=True,
    dependencies=ReadAccess,
    responses=documented(LEDGER_EXAMPLE),
    summary="Per pool member: leads assigned, weight, expected share, skipped by reason",
)
def get_ledger(
    session: SessionDep,
    active: RulesDep,
    now: NowDep,
    from_: Annotated[IsoMoment | None, Query(alias="from",
                     description="decisions from this time (default: 30 days ago)")] = None,
    to: Annotated[IsoMoment | None, Query(description="decisions before this time "
                  "(default: now)")] = None,
    pool: Annotated[int | None, Query(ge=0, le=1000, description="only the pool of this route "
                    "(0 is the first)")] = None,
) -> Ledger:  # fmt: skip
    """Over live decisions in the window, per pool of the current rules: each member's leads,
    weight, expected share by weight, the times they were passed over by reason, the admins'
    adjustments and their out-of-office periods."""
    ruleset = active.ruleset
    if ruleset is None:
        raise invalid("pool", "the rules file is not valid: fix it first (GET /rules)")
    end = to.astimezone(UTC) if to else now
    start = from_.astimezone(UTC) if from_ else end - DEFAULT_WINDOW
    if start > end:
        raise invalid("from", "`from` is after `to`")
    if pool is not None and (pool >= len(ruleset.routes) or not ruleset.routes[pool].pool):
        raise invalid("pool", f"route {pool} has no pool: the rules have routes 0 to "
                      f"{len(ruleset.routes) - 1}")  # fmt: skip
    return ledger(session, ruleset, start=start, end=end, route=pool)


@router.post(
    "/assignment/adjust",
    response_model=AdjustOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=AdminAccess,
    responses=documented(ADJUST_EXAMPLE, status=201),
    summary="Credit or debit a member's turns in a weighted pool, with a reason",
)
def post_adjust(
    request: Request, session: SessionDep, active: RulesDep, now: NowDep, body: AdjustIn
) -> AdjustOut:
    """The next live run applies it: each turn is the pool's total weight of credit, so a member
    credited 2 turns gets 2 more leads than their share over the coming rotations (debited:
    fewer). Only weighted pools (weights, or `assignment.availability`) keep credits."""
    ruleset = active.ruleset
    if ruleset is None:
        raise invalid("route", "the rules file is not valid: fix it first (GET /rules)",
                      location="body")  # fmt: skip
    if body.turns == 0:
        raise invalid("turns", "a credit or debit of 0 turns changes nothing", location="body")
    if body.route >= len(ruleset.routes):
        raise invalid("route", f"the rules have routes 0 to {len(ruleset.routes) - 1}",
                      location="body")  # fmt: skip
    route = ruleset.routes[body.route]
    user = _known_user(session, body.user_id, "user_id")
    if user not in route.pool:
        raise invalid("user_id", f"{user} is not in route {body.route}'s pool", location="body")
    if not route.weighted:
        message = (
            f"route {body.route}'s pool is a plain rotation with no credits: give a "
            "member a weight or set assignment.availability"
        )
        raise invalid("route", message, location="body")
    row = LedgerAdjustment(
        pool_key=route.pool_key,
        member=user,
        turns=body.turns,
        reason=body.reason,
        created_at=now,
        created_by=_actor(request),
    )
    session.add(row)
    session.flush()
    repo_availability.record_event(
        session, at=now, actor=_actor(request), action="assignment.adjust", subject=user,
        detail={"adjustment_id": row.id, "route": body.route, "pool_key": route.pool_key,
                "turns": body.turns, "reason": body.reason},
    )  # fmt: skip
    session.commit()
    return AdjustOut(id=row.id, pool_key=row.pool_key, route=body.route, user_id=user,
                     turns=row.turns, reason=row.reason, created_at=row.created_at)  # fmt: skip


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: str | None
    action: str = Field(description="availability.add, availability.delete, assignment.adjust")
    subject: str | None
    detail: dict[str, Any] | None


@router.get(
    "/audit/events",
    response_model=Page[AuditEventOut],
    dependencies=AdminAccess,
    responses=documented(EVENTS_EXAMPLE),
    summary="Changes people made to routing through the API, oldest first",
)
def get_audit_events(
    session: SessionDep,
    subject: Annotated[str | None, Query(max_length=18, description="only about this user")] = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[AuditEventOut]:
    """Every availability entry added or removed and every ledger adjustment: when, by which
    key (a fingerprint), about whom, and what."""
    after = decode_id_cursor(cursor) if cursor is not None else 0
    query = select(AuditEvent).where(AuditEvent.id > after)
    if subject:
        query = query.where(
            AuditEvent.subject == (to18(subject) if len(subject) == 15 else subject)
        )
    rows = list(session.scalars(query.order_by(AuditEvent.id).limit(limit + 1)))
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return Page[AuditEventOut](
        items=[AuditEventOut.model_validate(r, from_attributes=True) for r in page],
        next_cursor=next_cursor,
    )
