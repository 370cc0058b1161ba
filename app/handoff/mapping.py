"""Store rows -> the rules' lead input: the one module that knows both vocabularies.

The store keeps a lead as typed columns plus the raw record (`fields`); the rules engine wants
Salesforce field names mapped to values as the API returns them, plus the facts only the store
knows (was it ever MQL, did a person take it out, is its owner an active user). The input
fingerprint is computed over exactly that input, so a lead is decided again only when something
the rules read has changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.store import repo_leads


@dataclass(frozen=True, slots=True)
class LeadInput:
    """What the rules see of one lead, with the store's facts beside its fields."""

    id: str
    status: str | None
    owner_id: str | None
    created_date: datetime
    ever_mql: bool
    taken_out_by_person: bool
    fields: Mapping[str, Any]

    def with_values(self, values: Mapping[str, Any], mql_status: str) -> LeadInput:
        """This lead as it will read once `values` (Status, OwnerId, writeback) are written."""
        status = values.get("Status", self.status)
        return replace(
            self,
            status=status,
            owner_id=values.get("OwnerId", self.owner_id),
            ever_mql=self.ever_mql or status == mql_status,
            fields={**self.fields, **values},
        )

    def facts_fields(self) -> Mapping[str, Any]:
        """The raw record with Id, Status and OwnerId as the typed columns hold them.

        The raw record usually agrees already (the pull wrote both), and then it is used as is:
        copying every lead's fields would cost a first run more than deciding them.
        """
        fields = self.fields
        if (
            fields.get("Id") == self.id
            and fields.get("Status") == self.status
            and fields.get("OwnerId") == self.owner_id
        ):
            return fields
        return {**fields, "Id": self.id, "Status": self.status, "OwnerId": self.owner_id}

    def record(self, names: Iterable[str]) -> dict[str, Any]:
        """The lead's fields named `names`, with Status, OwnerId and Id from the typed columns."""
        record = {name: self.fields.get(name) for name in names}
        record.update(Id=self.id, Status=self.status, OwnerId=self.owner_id)
        return record


def lead_input(row: Any) -> LeadInput:
    """A `LeadInput` from a row of `repo_leads.LEAD_COLUMNS` (or a `Lead`)."""
    return LeadInput(
        id=row.id,
        status=row.status,
        owner_id=row.owner_id,
        created_date=row.created_date,
        ever_mql=bool(row.ever_mql),
        taken_out_by_person=bool(row.taken_out_of_mql_by_person),
        fields=row.fields or {},
    )


def load_leads(session: Session, ids: Iterable[str]) -> list[LeadInput]:
    """The open leads among `ids`, in Id order."""
    found = [lead_input(row) for row in repo_leads.open_lead_rows_of(session, ids)]
    return sorted(found, key=lambda lead: lead.id)


def fingerprint(lead: LeadInput, names: Iterable[str], mql_status: str, owner_active: bool) -> str:
    """A digest of everything a decision on `lead` reads (not the rules: those have a hash).

    A lead in the MQL status counts as ever MQL whether or not the pull has marked it yet, so
    the fingerprint our own write predicts matches what the next pull reads.
    """
    # repr of plain JSON values (text, numbers, booleans, None) is stable across runs and
    # processes, and much cheaper than a canonical JSON dump.
    payload = (
        tuple(lead.fields.get(name) for name in names),
        lead.id,
        lead.status,
        lead.owner_id,
        lead.ever_mql or lead.status == mql_status,
        lead.taken_out_by_person,
        owner_active,
    )
    return hashlib.sha256(repr(payload).encode()).hexdigest()
