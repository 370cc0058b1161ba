"""dashboard indexes: the SLA target and Id in the open-MQL index; leads by SLA due time

The SLA overview counts open MQLs by owner, SLA target and state in one grouped read; with the
target and its hours in `ix_leads_open_sla` that read never leaves the index, and with the Id
there the open-MQL list (most urgent first) is ranked in the index and reads only its page's rows
from the table. Breaches (MQL stays
due in a window, touched late or never) are read by due time from `ix_leads_sla_due`, partial on
leads that have a due time (MQLs), instead of scanning every lead.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OPEN_SLA_OLD = ["is_open_mql", "owner_id", "mql_at", "sla_clock_at", "first_touch_at",
                "hours_to_first_touch", "sla_due_at", "sla_stale_at", "is_deleted", "purged"]  # fmt: skip
OPEN_SLA_NEW = [*OPEN_SLA_OLD[:2], "sla_target", "sla_target_hours", *OPEN_SLA_OLD[2:], "id"]
SLA_DUE = ["sla_due_at", "first_touch_at", "is_deleted", "owner_id", "sla_target"]


def _open_sla_index(columns: list[str]) -> None:
    op.create_index(
        "ix_leads_open_sla",
        "leads",
        columns,
        unique=False,
        sqlite_where=sa.text("is_open_mql = 1"),
        postgresql_where=sa.text("is_open_mql"),
    )


def upgrade() -> None:
    op.drop_index("ix_leads_open_sla", table_name="leads")
    _open_sla_index(OPEN_SLA_NEW)
    op.create_index(
        "ix_leads_sla_due",
        "leads",
        SLA_DUE,
        unique=False,
        sqlite_where=sa.text("sla_due_at IS NOT NULL"),
        postgresql_where=sa.text("sla_due_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_leads_sla_due", table_name="leads")
    op.drop_index("ix_leads_open_sla", table_name="leads")
    _open_sla_index(OPEN_SLA_OLD)
