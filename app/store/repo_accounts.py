"""Accounts for lead-to-account matching: the mirror's upserts and the index `assign` reads.

Each Account row keeps its website's registrable domain and its normalised name beside the raw
record, computed when stored with the same functions the rules match with (`rules.accounts`),
so the index of a run is one read of the live accounts with their open opportunity counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.store.models import Account, Opportunity
from app.store.repo_mirror import upsert
from rules.accounts import AccountIndex, AccountRecord


def upsert_accounts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    upsert(session, Account, rows)


def account_index(
    session: Session, fields: Iterable[str], ignore_domains: Iterable[str]
) -> AccountIndex:
    """Every live Account, with the rules' Account fields and its open opportunities."""
    wanted = tuple(fields)
    counts = session.execute(
        select(Opportunity.account_id, func.count())
        .where(Opportunity.account_id.is_not(None), Opportunity.is_closed.is_(False),
               Opportunity.is_deleted.is_(False))
        .group_by(Opportunity.account_id)
    )  # fmt: skip
    opened: dict[str, int] = {str(account): int(n) for account, n in counts}
    rows = session.execute(
        select(Account.id, Account.name, Account.website, Account.owner_id, Account.type,
               Account.created_date, Account.fields).where(Account.is_deleted.is_(False))
    )  # fmt: skip
    records = [
        AccountRecord(
            id=row.id, name=row.name, website=row.website, owner_id=row.owner_id,
            created=row.created_date, open_opportunities=int(opened.get(row.id, 0)),
            fields={"Type": row.type, **{k: (row.fields or {}).get(k) for k in wanted}},
        )
        for row in rows
    ]  # fmt: skip
    return AccountIndex(records, ignore_domains)
