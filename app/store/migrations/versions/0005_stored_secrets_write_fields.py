"""stored_secrets (the rotated refresh token, encrypted) and writes.fields

With Refresh Token Rotation the refresh token changes on every refresh and only the newest one
works, so it must outlive the process: it is kept encrypted in `stored_secrets`. A write the org
refused names the field its rule flagged; `writes.fields` keeps it beside the code and message,
and `writes.lead_modstamp` the lead's SystemModstamp then, so the write is tried again once the
lead changes in the org.

Revision ID: 0005
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.store.types

revision = "0005"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("seed_digest", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("updated_at", app.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("writes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "fields",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("lead_modstamp", app.store.types.UtcDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("writes", schema=None) as batch_op:
        batch_op.drop_column("lead_modstamp")
        batch_op.drop_column("fields")
    op.drop_table("stored_secrets")
