"""What the pull reads per object: fields, cursor, filter, and how a page lands in the store.

Each `ObjectPull` stores a page and says which leads and opportunities it touched, so the pull can
refresh their denormalised facts in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.store import repo_accounts, repo_availability, repo_mirror
from app.store.models import Account, Activity, Lead, Opportunity
from app.sync import mirror


@dataclass
class Touched:
    """Leads and opportunities whose facts a page may have changed."""

    leads: set[str] = field(default_factory=set)
    opportunities: set[str] = field(default_factory=set)
    # Lead rows not stored yet: the pull stores them with the facts derived from them
    # (`fact_refresh.store_page_leads`), so the page is never read back.
    lead_rows: list[dict[str, Any]] = field(default_factory=list)


Store = Callable[[Session, list[dict[str, Any]]], Touched]


@dataclass(frozen=True)
class ObjectPull:
    sobject: str
    fields: tuple[str, ...]
    store: Store
    cursor: str = "SystemModstamp"
    include_deleted: bool = True
    where: str | None = None
    # The table hard deletes (getDeleted) are marked in; None for objects without one.
    purge_model: type[Lead | Opportunity | Activity | Account] | None = None
    # An object the org may not let us read (a note, not a failed run).
    optional: bool = False


def _lead_store(time_zone: str) -> Store:
    def store(_session: Session, records: list[dict[str, Any]]) -> Touched:
        return Touched(lead_rows=[mirror.lead_row(r, time_zone) for r in records])

    return store


def _store_opportunities(session: Session, records: list[dict[str, Any]]) -> Touched:
    rows = [mirror.opportunity_row(r) for r in records]
    repo_mirror.upsert_opportunities(session, rows)
    return Touched(opportunities={r["id"] for r in rows})


def _activity_store(kind: str) -> Store:
    def store(session: Session, records: list[dict[str, Any]]) -> Touched:
        rows = [mirror.activity_row(kind, r) for r in records]
        repo_mirror.upsert_activities(session, rows)
        who = {r["who_id"] for r in rows if r["who_id"]}
        return Touched(leads={w for w in who if w.startswith(mirror.LEAD_PREFIX)})

    return store


def _store_history(session: Session, records: list[dict[str, Any]]) -> Touched:
    rows = [mirror.lead_history_row(r) for r in records]
    repo_mirror.upsert_lead_history(session, rows)
    return Touched(leads={r["lead_id"] for r in rows})


def _store_accounts(session: Session, records: list[dict[str, Any]]) -> Touched:
    repo_accounts.upsert_accounts(session, [mirror.account_row(r) for r in records])
    return Touched()


def _store_out_of_office(session: Session, records: list[dict[str, Any]]) -> Touched:
    now = datetime.now(UTC)
    rows = [mirror.out_of_office_row(r, now) for r in records]
    repo_availability.upsert_salesforce_absences(session, rows)
    return Touched()


def routing_pulls(account_fields: Iterable[str] | None, out_of_office: bool) -> list[ObjectPull]:
    """Accounts (with the fields the rules' account conditions name) when the rules match
    leads to accounts, and OutOfOffice when availability reads Salesforce's absences."""
    pulls: list[ObjectPull] = []
    if account_fields is not None:
        extra = tuple(sorted(set(account_fields) - set(mirror.ACCOUNT_FIELDS)))
        pulls.append(ObjectPull("Account", (*mirror.ACCOUNT_FIELDS, *extra), _store_accounts,
                                purge_model=Account))  # fmt: skip
    if out_of_office:
        pulls.append(ObjectPull("OutOfOffice", mirror.OUT_OF_OFFICE_FIELDS,
                                _store_out_of_office, optional=True))  # fmt: skip
    return pulls


def object_pulls(rule_fields: Iterable[str], time_zone: str) -> list[ObjectPull]:
    """The objects in pull order: leads first, so later pages find the leads they touch."""
    return [
        ObjectPull(
            "Lead", mirror.lead_fields(rule_fields), _lead_store(time_zone), purge_model=Lead
        ),
        ObjectPull(
            "LeadHistory",
            mirror.LEAD_HISTORY_FIELDS,
            _store_history,
            cursor="CreatedDate",
            include_deleted=False,
            where="Field IN ('Status', 'Owner')",
            optional=True,
        ),
        ObjectPull(
            "Opportunity",
            mirror.OPPORTUNITY_FIELDS,
            _store_opportunities,
            purge_model=Opportunity,
        ),
        ObjectPull("Task", mirror.TASK_FIELDS, _activity_store("Task"), purge_model=Activity),
        ObjectPull("Event", mirror.EVENT_FIELDS, _activity_store("Event"), purge_model=Activity),
    ]
