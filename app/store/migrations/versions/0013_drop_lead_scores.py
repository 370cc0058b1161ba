"""Drop leads.fit and leads.interest: never filled; the work list reads the latest decision's

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN on both databases (SQLite 3.35+): no table copy, so the
    # leads table keeps its partial indexes and the rollup's triggers at a million rows.
    for column in ("fit", "interest"):
        op.execute(sa.text(f"ALTER TABLE leads DROP COLUMN {column}"))


def downgrade() -> None:
    for column in ("fit", "interest"):
        op.add_column("leads", sa.Column(column, sa.Integer(), nullable=True))
