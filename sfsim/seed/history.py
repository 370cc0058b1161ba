"""LeadHistory for leads that moved through MQL: into it, and out of it by people."""

from __future__ import annotations

import random

from sfsim import ids
from sfsim.org import Org
from sfsim.seed.leads import DAY, LeadDraw
from sfsim.seed.people import Staff
from sfsim.seed.related import Rows

MQL = "Marketing Qualified"


def _row(rows: Rows, lead: str, old: str, new: str, by: str, at: int) -> None:
    rows.add(
        {
            "LeadId": lead,
            "Field": "Status",
            "DataType": "Text",
            "OldValue": old,
            "NewValue": new,
            "CreatedById": by,
            "CreatedDate": at,
            "IsDeleted": False,
        }
    )


def add_history(
    org: Org, rng: random.Random, staff: Staff, draw: LeadDraw, lead_base: int, now: int
) -> None:
    """Status rows (field history switched on for most of the period, so not every lead)."""
    cols = draw.columns
    rows = Rows(org, "LeadHistory")
    prefix = org.table("Lead").definition.prefix
    for i, status in enumerate(cols["Status"]):
        if rng.random() < 0.4:
            continue
        lead = ids.make_id(prefix, lead_base + i)
        mql = draw.mql_at[i]
        if mql is not None:
            before = "Nurturing" if rng.random() < 0.3 else "Open - Not Contacted"
            _row(rows, lead, before, MQL, staff.marketing, mql)
            if status != MQL:
                owner = cols["OwnerId"][i] if cols["OwnerId"][i] in staff.reps else staff.reps[0]
                _row(
                    rows,
                    lead,
                    MQL,
                    "Sales Qualified",
                    owner,
                    min(mql + int(rng.uniform(0.2, 5) * DAY), now - 30),
                )
        elif status == "Nurturing" and rng.random() < 0.15:
            went = draw.created[i] + int(rng.uniform(1, 20) * DAY)
            if went + DAY < now:
                _row(rows, lead, "Open - Not Contacted", MQL, staff.marketing, went)
                _row(rows, lead, MQL, "Nurturing", rng.choice(staff.reps), went + DAY)
    rows.flush()
