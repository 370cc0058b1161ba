"""The per-object watermarks and the org row: the pull's own bookkeeping.

Functions add and flush; the caller commits (a page's watermark commits with the page's rows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import Org, Watermark


def get_watermark(session: Session, sobject: str) -> Watermark | None:
    return session.get(Watermark, sobject)


def save_watermark(
    session: Session,
    sobject: str,
    *,
    now: datetime,
    stamp: datetime | None = None,
    last_id: str | None = None,
    fields_hash: str | None = None,
    deleted_check_at: datetime | None = None,
) -> Watermark:
    """Move an object's watermark; only the values given change."""
    mark = session.get(Watermark, sobject)
    if mark is None:
        mark = Watermark(sobject=sobject, updated_at=now)
        session.add(mark)
    if stamp is not None:
        mark.system_modstamp = stamp
        mark.last_id = last_id
    if fields_hash is not None:
        mark.fields_hash = fields_hash
    if deleted_check_at is not None:
        mark.last_deleted_check_at = deleted_check_at
    mark.updated_at = now
    session.flush()
    return mark


def get_org(session: Session) -> Org | None:
    return session.scalars(select(Org).limit(1)).first()


def save_org(session: Session, values: dict[str, Any]) -> Org:
    """The one org row, created or refreshed from what the org just told us."""
    org = session.get(Org, values["org_id"])
    if org is None:
        org = Org(**values)
        session.add(org)
    else:
        for key, value in values.items():
            setattr(org, key, value)
    session.flush()
    return org
