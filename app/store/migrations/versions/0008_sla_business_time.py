"""SLA in business time and breach actions

Leads keep their SLA target, its hours, due and stale times (computed at sync time on the rules'
clock; the next sync fills them in, since the fact rules' fingerprint changes with this release);
the org row keeps its default BusinessHours and Holidays; `lead_holders` remembers every owner a
lead had; `breach_actions` records each on_breach step once per MQL stay; `outbox` holds breach
notifications until delivered.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.store.types import JsonDocument, UtcDateTime

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None

OPEN_SLA_OLD = ["is_open_mql", "owner_id", "mql_at", "sla_clock_at", "first_touch_at",
                "hours_to_first_touch", "is_deleted", "purged"]  # fmt: skip
OPEN_SLA_NEW = [*OPEN_SLA_OLD[:6], "sla_due_at", "sla_stale_at", *OPEN_SLA_OLD[6:]]


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
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_target", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sla_target_hours", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("sla_due_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("sla_stale_at", UtcDateTime(), nullable=True))
    op.drop_index("ix_leads_open_sla", table_name="leads")
    _open_sla_index(OPEN_SLA_NEW)
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.add_column(sa.Column("business_hours", JsonDocument, nullable=True))
        batch_op.add_column(sa.Column("holidays", JsonDocument, nullable=True))
    op.create_table(
        "lead_holders",
        sa.Column("lead_id", sa.String(length=18), nullable=False),
        sa.Column("owner_id", sa.String(length=18), nullable=False),
        sa.Column("first_seen_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", "owner_id"),
    )
    op.create_table(
        "breach_actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(length=18), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.String(length=18), nullable=True),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("mql_at", UtcDateTime(), nullable=True),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("step_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        sa.Column("detail", JsonDocument, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_breach_actions_step",
        "breach_actions",
        ["lead_id", "episode_id", "step", "dry_run"],
        unique=True,
    )
    op.create_index("ix_breach_actions_due", "breach_actions", ["due_at"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("webhook_env", sa.String(length=100), nullable=False),
        sa.Column("payload", JsonDocument, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["breach_actions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("action_id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_breach_actions_due", table_name="breach_actions")
    op.drop_index("ux_breach_actions_step", table_name="breach_actions")
    op.drop_table("breach_actions")
    op.drop_table("lead_holders")
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.drop_column("holidays")
        batch_op.drop_column("business_hours")
    op.drop_index("ix_leads_open_sla", table_name="leads")
    _open_sla_index(OPEN_SLA_OLD)
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("sla_stale_at")
        batch_op.drop_column("sla_due_at")
        batch_op.drop_column("sla_target_hours")
        batch_op.drop_column("sla_target")
