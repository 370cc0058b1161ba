"""Routing that fits how sales teams work: accounts, absences, weighted pools, the ledger

`accounts` mirrors Salesforce Accounts for lead-to-account matching (opportunities gain their
`account_id`); `absences` holds out-of-office periods (Salesforce OutOfOffice records and
`POST /availability` entries); `pool_credits` the smooth weighted round-robin credits;
`ledger_adjustments` an admin's credits and debits of turns; `audit_events` who changed
availability or the ledger. Decisions keep the owner choice in words, whether the lead waits for
an available owner, and the matched Account; heads remember a lead waits, so every run decides
it again until someone is available.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.store.types import JsonDocument, UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("website", sa.String(length=255), nullable=True),
        sa.Column("website_domain", sa.String(length=255), nullable=True),
        sa.Column("name_key", sa.String(length=255), nullable=True),
        sa.Column("owner_id", sa.String(length=18), nullable=True),
        sa.Column("type", sa.String(length=255), nullable=True),
        sa.Column("created_date", UtcDateTime(), nullable=False),
        sa.Column("system_modstamp", UtcDateTime(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("fields", JsonDocument, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_accounts_website_domain", "accounts", ["website_domain"])
    op.create_index("ix_accounts_name_key", "accounts", ["name_key"])
    op.create_index("ix_accounts_modstamp", "accounts", ["system_modstamp", "id"])
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sf_id", sa.String(length=18), nullable=True),
        sa.Column("user_id", sa.String(length=18), nullable=False),
        sa.Column("start_at", UtcDateTime(), nullable=False),
        sa.Column("end_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("system_modstamp", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sf_id"),
    )
    op.create_index("ix_absences_user_id", "absences", ["user_id"])
    op.create_table(
        "pool_credits",
        sa.Column("pool_key", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=18), nullable=False),
        sa.Column("credit", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pool_key", "member"),
    )
    op.create_table(
        "ledger_adjustments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pool_key", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=18), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("applied_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ledger_adjustments_pool_key", "ledger_adjustments", ["pool_key"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=18), nullable=True),
        sa.Column("detail", JsonDocument, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_subject", "audit_events", ["subject"])
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.String(length=18), nullable=True))
        batch_op.create_index("ix_opportunities_account_id", ["account_id"])
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_reason", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("owner_held", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("owner_id", sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column("account_id", sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column("match_method", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("routing", JsonDocument, nullable=True))
    with op.batch_alter_table("decision_heads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("waiting_owner", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("decision_heads", schema=None) as batch_op:
        batch_op.drop_column("waiting_owner")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        for column in ("routing", "match_method", "account_id", "owner_id", "owner_held",
                       "owner_reason"):  # fmt: skip
            batch_op.drop_column(column)
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_account_id")
        batch_op.drop_column("account_id")
    op.drop_table("audit_events")
    op.drop_table("ledger_adjustments")
    op.drop_table("pool_credits")
    op.drop_table("absences")
    op.drop_table("accounts")
