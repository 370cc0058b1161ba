"""reports: win_loss_rollup kept by triggers on opportunities; covering indexes for SLA reports

The win/loss report over a million opportunities must answer in well under a second on SQLite
and PostgreSQL; scanning every closed opportunity cannot. Row triggers keep a small rollup
(closed count and amount by close date, MQL origin, evidence and outcome) current for every
writer: an insert adds the row's share, a delete subtracts it, an update does both.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KEY = "close_date, close_month, close_quarter, mql_originated, mql_evidence, is_won"


def _values(row: str) -> str:
    return (
        f"{row}.close_date, coalesce({row}.close_month, ''), coalesce({row}.close_quarter, ''), "
        f"{row}.mql_originated, coalesce({row}.mql_evidence, ''), {row}.is_won"
    )


def _counted(row: str) -> str:
    return f"{row}.is_closed AND NOT {row}.is_deleted AND {row}.close_date IS NOT NULL"


def _match(row: str) -> str:
    return (
        f"close_date = {row}.close_date AND close_month = coalesce({row}.close_month, '') "
        f"AND close_quarter = coalesce({row}.close_quarter, '') "
        f"AND mql_originated = {row}.mql_originated "
        f"AND mql_evidence = coalesce({row}.mql_evidence, '') AND is_won = {row}.is_won"
    )


def _add(row: str, table: str = "win_loss_rollup") -> str:
    return (
        f"INSERT INTO win_loss_rollup ({KEY}, closed, amount) "
        f"SELECT {_values(row)}, 1, coalesce({row}.amount, 0) WHERE {_counted(row)} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET closed = {table}.closed + 1, "
        f"amount = {table}.amount + excluded.amount"
    )


def _subtract(row: str) -> str:
    return (
        "UPDATE win_loss_rollup SET closed = closed - 1, "
        f"amount = amount - coalesce({row}.amount, 0) WHERE {_counted(row)} AND {_match(row)}"
    )


SQLITE_TRIGGERS = [
    f"CREATE TRIGGER win_loss_rollup_insert AFTER INSERT ON opportunities BEGIN {_add('NEW')}; END",
    "CREATE TRIGGER win_loss_rollup_update AFTER UPDATE ON opportunities BEGIN "
    f"{_subtract('OLD')}; {_add('NEW')}; END",
    f"CREATE TRIGGER win_loss_rollup_delete AFTER DELETE ON opportunities BEGIN "
    f"{_subtract('OLD')}; END",
]

POSTGRES_FUNCTION = f"""
CREATE FUNCTION win_loss_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_subtract("OLD")};
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_add("NEW")};
  END IF;
  RETURN NULL;
END $$
"""
POSTGRES_TRIGGER = (
    "CREATE TRIGGER win_loss_rollup_apply AFTER INSERT OR UPDATE OR DELETE ON opportunities "
    "FOR EACH ROW EXECUTE FUNCTION win_loss_rollup_apply()"
)


def upgrade() -> None:
    op.create_table(
        "win_loss_rollup",
        sa.Column("close_date", sa.Date(), nullable=False),
        sa.Column("close_month", sa.String(length=7), nullable=False),
        sa.Column("close_quarter", sa.String(length=8), nullable=False),
        sa.Column("mql_originated", sa.Boolean(), nullable=False),
        sa.Column("mql_evidence", sa.String(length=16), nullable=False),
        sa.Column("is_won", sa.Boolean(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "close_date", "close_month", "close_quarter", "mql_originated", "mql_evidence",
            "is_won", name=op.f("pk_win_loss_rollup"),
        ),
    )  # fmt: skip
    op.execute(
        f"INSERT INTO win_loss_rollup ({KEY}, closed, amount) "
        f"SELECT {_values('o')}, count(*), sum(coalesce(o.amount, 0)) FROM opportunities o "
        f"WHERE {_counted('o')} GROUP BY {_values('o')}"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leads_mql_window",
            ["mql_at", "owner_id", "hours_to_first_touch", "is_deleted"],
            unique=False,
        )
        batch_op.create_index(
            "ix_leads_open_sla",
            ["is_open_mql", "owner_id", "mql_at", "sla_clock_at", "first_touch_at",
             "hours_to_first_touch", "is_deleted", "purged"],
            unique=False,
            sqlite_where=sa.text("is_open_mql = 1"),
            postgresql_where=sa.text("is_open_mql"),
        )  # fmt: skip
    with op.batch_alter_table("mql_episodes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mql_episodes_window", ["ended_at", "ended_kind", "lead_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mql_episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_mql_episodes_window")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_open_sla")
        batch_op.drop_index("ix_leads_mql_window")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER win_loss_rollup_apply ON opportunities")
        op.execute("DROP FUNCTION win_loss_rollup_apply()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER win_loss_rollup_{name}")
    op.drop_table("win_loss_rollup")
