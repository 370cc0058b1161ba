"""Tables of the store.

Three kinds of table:
- mirrors of the org (`leads`, `opportunities`, `activities`, `users`, `queues`, `lead_history`,
  `org`): typed columns for what the rules, the SLA and the reports read, plus the raw record as
  JSON (`fields`) so a newly named rules field is there once re-pulled;
- our own facts (`decisions`, `writes`, `round_robin`, `mql_episodes`): what we decided and wrote,
  which is how we tell our writes from a person's, whatever user the org shows;
- operations (`sync_runs`, `watermarks`, `sync_lock`).

Columns marked "denormalised" are kept current at sync time so that no report joins or scans
millions of rows: a lead's MQL time and SLA facts, an opportunity's MQL origin and close period.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.store.types import JsonDocument, UtcDateTime

SfId = String(18)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JsonDocument,
    }


# --- the org's facts -------------------------------------------------------------------------


class Org(Base):
    """The connected org (one row): who we are there and the settings reports use."""

    __tablename__ = "org"

    org_id: Mapped[str] = mapped_column(SfId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    instance_url: Mapped[str | None] = mapped_column(String(255))
    integration_user_id: Mapped[str | None] = mapped_column(SfId)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1)
    lead_status_history: Mapped[bool] = mapped_column(Boolean, default=False)
    # The default BusinessHours record and the Holiday records, as the org sends them: the
    # `org` calendar of the business-time SLA (`rules.calendar_from_business_hours`).
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    holidays: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)  # {"records": [...]}
    updated_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(SfId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    user_type: Mapped[str | None] = mapped_column(String(40))
    system_modstamp: Mapped[datetime | None]
    fields: Mapped[dict[str, Any]]


class Queue(Base):
    __tablename__ = "queues"

    id: Mapped[str] = mapped_column(SfId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    developer_name: Mapped[str | None] = mapped_column(String(255))
    takes_leads: Mapped[bool] = mapped_column(Boolean, default=False)
    system_modstamp: Mapped[datetime | None]


# --- mirrors of org records ------------------------------------------------------------------


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[str] = mapped_column(SfId, primary_key=True)
    status: Mapped[str | None] = mapped_column(String(255))
    owner_id: Mapped[str | None] = mapped_column(SfId, index=True)
    is_converted: Mapped[bool] = mapped_column(Boolean, default=False)
    converted_date: Mapped[date | None] = mapped_column(Date)
    converted_opportunity_id: Mapped[str | None] = mapped_column(SfId, index=True)
    lead_source: Mapped[str | None] = mapped_column(String(255))
    created_date: Mapped[datetime]
    system_modstamp: Mapped[datetime]
    last_modified_by_id: Mapped[str | None] = mapped_column(SfId)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Gone from the org for good (hard delete seen through getDeleted, or merged away).
    purged: Mapped[bool] = mapped_column(Boolean, default=False)
    master_record_id: Mapped[str | None] = mapped_column(SfId)
    fields: Mapped[dict[str, Any]]

    # Denormalised MQL and SLA facts (see the SPEC's Definitions), kept current at sync time.
    ever_mql: Mapped[bool] = mapped_column(Boolean, default=False)
    is_open_mql: Mapped[bool] = mapped_column(Boolean, default=False)
    mql_at: Mapped[datetime | None]
    mql_evidence: Mapped[str | None] = mapped_column(String(16))  # field|history|ours|first_seen
    taken_out_of_mql_by_person: Mapped[bool] = mapped_column(Boolean, default=False)
    first_touch_at: Mapped[datetime | None]
    first_touch_kind: Mapped[str | None] = mapped_column(String(16))  # touch|status|conversion
    hours_to_first_touch: Mapped[float | None] = mapped_column(Float)
    last_touch_at: Mapped[datetime | None]
    # The later of the MQL time and the last touch: `stale` compares it with now - stale_days.
    sla_clock_at: Mapped[datetime | None]
    # The SLA of the open (or latest) MQL stay on the rules' clock: the target that applies
    # (`default` or its name), its hours, when the first touch is due, when it goes stale.
    sla_target: Mapped[str | None] = mapped_column(String(64))
    sla_target_hours: Mapped[float | None] = mapped_column(Float)
    sla_due_at: Mapped[datetime | None]
    sla_stale_at: Mapped[datetime | None]
    created_month: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM, for the funnel
    # When the row last changed, as a store-wide counter every writer of `leads` moves forward
    # (`repo_changes.next_change_seq`): a run decides only the leads changed since the last
    # completed one (`SelectionMark`) instead of reading every open lead.
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    __table_args__ = (
        Index("ix_leads_open_mql", "is_open_mql", "owner_id"),
        Index("ix_leads_change_seq", "change_seq"),
        Index("ix_leads_modstamp", "system_modstamp", "id"),
        Index("ix_leads_created_month", "created_month"),
        # Reports: first-touch hours of MQLs in a window, and the SLA state of open MQLs (a
        # partial index, small because open MQLs are few), both answered from the index alone.
        Index("ix_leads_mql_window", "mql_at", "owner_id", "hours_to_first_touch", "is_deleted"),
        Index(
            "ix_leads_open_sla",
            "is_open_mql",
            "owner_id",
            "sla_target",
            "sla_target_hours",
            "mql_at",
            "sla_clock_at",
            "first_touch_at",
            "hours_to_first_touch",
            "sla_due_at",
            "sla_stale_at",
            "is_deleted",
            "purged",
            "id",
            sqlite_where=text("is_open_mql = 1"),
            postgresql_where=text("is_open_mql"),
        ),
        # Breaches: MQL stays by due time, touched late or never (`app.reports.breaches`).
        Index(
            "ix_leads_sla_due",
            "sla_due_at",
            "first_touch_at",
            "is_deleted",
            "owner_id",
            "sla_target",
            sqlite_where=text("sla_due_at IS NOT NULL"),
            postgresql_where=text("sla_due_at IS NOT NULL"),
        ),
    )


@event.listens_for(Lead, "before_insert")
@event.listens_for(Lead, "before_update")
def _stamp_flushed_lead(_mapper: Any, _connection: Any, lead: Lead) -> None:
    """An ORM flush of a lead moves its change counter as the set-based writers do
    (`app.store.repo_changes`): a SQL expression evaluated in the INSERT or UPDATE itself."""
    lead.change_seq = select(func.coalesce(func.max(Lead.change_seq), 0) + 1).scalar_subquery()


class Opportunity(Base):
    __tablename__ = "opportunities"

    id: Mapped[str] = mapped_column(SfId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    stage_name: Mapped[str | None] = mapped_column(String(255))
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_won: Mapped[bool] = mapped_column(Boolean, default=False)
    close_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[float | None] = mapped_column(Float)
    lead_source: Mapped[str | None] = mapped_column(String(255))
    owner_id: Mapped[str | None] = mapped_column(SfId)
    type: Mapped[str | None] = mapped_column(String(255))
    created_date: Mapped[datetime]
    system_modstamp: Mapped[datetime]
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    fields: Mapped[dict[str, Any]]

    # Denormalised: the lead it was converted from, and whether that lead had reached MQL before
    # conversion, with the kind of evidence (ours|history|person_seen|date_field).
    source_lead_id: Mapped[str | None] = mapped_column(SfId)
    account_id: Mapped[str | None] = mapped_column(SfId, index=True)  # for account matching
    mql_originated: Mapped[bool] = mapped_column(Boolean, default=False)
    mql_evidence: Mapped[str | None] = mapped_column(String(16))
    close_month: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM
    close_quarter: Mapped[str | None] = mapped_column(String(8))  # fiscal, e.g. 2026-Q3

    __table_args__ = (
        Index("ix_opps_closed", "is_closed", "close_date", "mql_originated"),
        Index("ix_opps_modstamp", "system_modstamp", "id"),
    )


class Account(Base):
    """An Account, for lead-to-account matching: its website's registrable domain and its
    normalised name are kept indexed (`rules.accounts`), its raw record in `fields`."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(SfId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(255))
    website_domain: Mapped[str | None] = mapped_column(String(255), index=True)
    name_key: Mapped[str | None] = mapped_column(String(255), index=True)
    owner_id: Mapped[str | None] = mapped_column(SfId)
    type: Mapped[str | None] = mapped_column(String(255))
    created_date: Mapped[datetime]
    system_modstamp: Mapped[datetime]
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    fields: Mapped[dict[str, Any]]

    __table_args__ = (Index("ix_accounts_modstamp", "system_modstamp", "id"),)


class Absence(Base):
    """A period a user takes no leads: a Salesforce OutOfOffice record (`sf_id` set, kept
    current by the pull) or an entry made through `POST /availability`."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sf_id: Mapped[str | None] = mapped_column(SfId, unique=True)
    user_id: Mapped[str] = mapped_column(SfId, index=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))  # salesforce|api
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    system_modstamp: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))


class WinLossRollup(Base):
    """Closed opportunities counted by close date, MQL origin, evidence and outcome.

    Kept current by triggers on `opportunities` (migration 0003), whoever writes them, so the
    win/loss report sums a few thousand rows here instead of scanning every opportunity. Only
    closed, not deleted opportunities with a close date count; '' stands for an unknown value.
    """

    __tablename__ = "win_loss_rollup"

    close_date: Mapped[date] = mapped_column(Date, primary_key=True)
    close_month: Mapped[str] = mapped_column(String(7), primary_key=True)
    close_quarter: Mapped[str] = mapped_column(String(8), primary_key=True)
    mql_originated: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    mql_evidence: Mapped[str] = mapped_column(String(16), primary_key=True)
    is_won: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[float] = mapped_column(Float, default=0.0)


class Activity(Base):
    """Tasks and Events on leads (`kind` says which)."""

    __tablename__ = "activities"

    id: Mapped[str] = mapped_column(SfId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(5))  # Task|Event
    who_id: Mapped[str | None] = mapped_column(SfId)
    owner_id: Mapped[str | None] = mapped_column(SfId)
    created_by_id: Mapped[str | None] = mapped_column(SfId)
    created_date: Mapped[datetime]
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str | None] = mapped_column(String(255))
    activity_date: Mapped[date | None] = mapped_column(Date)
    system_modstamp: Mapped[datetime]
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    fields: Mapped[dict[str, Any]]

    __table_args__ = (
        Index("ix_activities_who", "who_id", "created_date"),
        Index("ix_activities_modstamp", "kind", "system_modstamp", "id"),
    )


class LeadHistory(Base):
    __tablename__ = "lead_history"

    id: Mapped[str] = mapped_column(SfId, primary_key=True)
    lead_id: Mapped[str] = mapped_column(SfId)
    field: Mapped[str] = mapped_column(String(80))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[str | None] = mapped_column(SfId)
    created_date: Mapped[datetime]

    __table_args__ = (Index("ix_lead_history_lead", "lead_id", "created_date"),)


# --- our own facts ---------------------------------------------------------------------------


class MqlEpisode(Base):
    """One stay of a lead in the MQL status: when it began (and how we know), how it ended."""

    __tablename__ = "mql_episodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(SfId, index=True)
    started_at: Mapped[datetime | None]
    evidence: Mapped[str] = mapped_column(String(16))  # field|history|ours|first_seen
    set_by_us: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[datetime | None]
    ended_to_status: Mapped[str | None] = mapped_column(String(255))
    ended_by_id: Mapped[str | None] = mapped_column(SfId)
    # accepted|rejected|converted|other|deleted; acceptance rate reads this
    ended_kind: Mapped[str | None] = mapped_column(String(16))
    # Denormalised: the lead's owner when the stay ended (who accepted or rejected it); null
    # while open. Acceptance by owner reads it instead of joining the exits to their leads.
    owner_id: Mapped[str | None] = mapped_column(SfId)

    __table_args__ = (
        Index("ix_mql_episodes_ended", "ended_at", "ended_kind"),
        # Acceptance by owner over a window is answered from this index alone.
        Index("ix_mql_episodes_window", "ended_at", "ended_kind", "owner_id"),
    )


class DecisionRecord(Base):
    """What the rules decided for a lead in a run, and the write it calls for.

    Stored before anything is written: a retry writes this decision again, it never draws a new
    owner, so a crash or a failed chunk cannot skew the round robin.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lead_id: Mapped[str] = mapped_column(SfId)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id"))
    decided_at: Mapped[datetime]
    rules_version: Mapped[str] = mapped_column(String(64))
    rules_hash: Mapped[str] = mapped_column(String(64))
    input_fingerprint: Mapped[str] = mapped_column(String(64))
    # The input as it will read once `planned` is written (equal to the input when nothing is
    # planned): the next pull sees our own write, and that alone must not trigger a new decision.
    result_fingerprint: Mapped[str | None] = mapped_column(String(64))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    mql: Mapped[bool] = mapped_column(Boolean, default=False)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    missing_fields: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    fit: Mapped[int] = mapped_column(Integer, default=0)
    interest: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)  # rule places + points
    disqualified_by: Mapped[str | None] = mapped_column(String(255))
    ineligible_reason: Mapped[str | None] = mapped_column(String(255))
    route_index: Mapped[int | None] = mapped_column(Integer)
    explanation: Mapped[str | None] = mapped_column(String(255))
    # The values to write (Status, OwnerId, writeback fields); null when nothing is to change.
    planned: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    # none|pending|written|failed|retrying|skipped_changed|superseded|capped
    write_state: Mapped[str] = mapped_column(String(16), default="none")
    write_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The Status and OwnerId we read; a write is skipped if the org no longer shows them.
    read_status: Mapped[str | None] = mapped_column(String(255))
    read_owner_id: Mapped[str | None] = mapped_column(SfId)
    # Decided in HANDOFF_WRITE_MODE=shadow: recorded as live would, never written.
    shadow: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Routing (issue 15): the owner choice in words (255), whether the lead waits for an
    # available owner, the matched Account and how, and the whole choice (who was skipped).
    owner_reason: Mapped[str | None] = mapped_column(String(255))
    owner_held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    owner_id: Mapped[str | None] = mapped_column(SfId)
    account_id: Mapped[str | None] = mapped_column(SfId)
    match_method: Mapped[str | None] = mapped_column(String(16))
    routing: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)

    __table_args__ = (
        Index("ix_decisions_lead", "lead_id", "decided_at"),
        Index("ix_decisions_write_state", "write_state"),
        Index("ix_decisions_decided_at", "decided_at"),
        Index("ix_decisions_shadow", "shadow", "decided_at"),
    )


class DecisionHead(Base):
    """A lead's latest decision per mode, narrow: what choosing the leads to decide reads.

    Picking the leads a run decides compares every open lead's input fingerprint with its latest
    decision's. Reading that from `decisions` meant a grouped max over every decision ever made,
    held in memory for a million leads; this table has one short row per lead and mode, read in
    the same streamed join as the leads, and written with each decision.
    """

    __tablename__ = "decision_heads"

    lead_id: Mapped[str] = mapped_column(SfId, primary_key=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), unique=True
    )
    input_fingerprint: Mapped[str] = mapped_column(String(64))
    result_fingerprint: Mapped[str | None] = mapped_column(String(64))
    rules_hash: Mapped[str] = mapped_column(String(64))
    # Stopped by the write cap: decided again next run whatever the fingerprints say.
    capped: Mapped[bool] = mapped_column(Boolean, default=False)
    # Held for want of an available owner: decided again every run until someone takes it.
    waiting_owner: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        # The few heads decided again whatever changed: read by every run, small at any size.
        Index(
            "ix_decision_heads_again",
            "dry_run",
            "lead_id",
            sqlite_where=text("capped = 1 OR waiting_owner = 1"),
            postgresql_where=text("capped OR waiting_owner"),
        ),
    )


class SelectionMark(Base):
    """Where the last completed handoff of a mode left off: the leads' change counter when it
    chose the leads to decide, and a digest of what else a decision's input reads (the rules'
    hash, which users are active). The next run of the mode with the same digest decides only
    the leads changed since, plus the heads marked to be decided again; any other run reads
    every open lead. Cleared when a run with another digest starts, so a run that stops midway
    never leaves a mark that no longer holds.
    """

    __tablename__ = "selection_marks"

    dry_run: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    change_seq: Mapped[int] = mapped_column(BigInteger)
    context: Mapped[str] = mapped_column(String(64))


class Write(Base):
    """One attempt to write a decision to the org, and what the org answered."""

    __tablename__ = "writes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    lead_id: Mapped[str] = mapped_column(SfId, index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id"))
    attempted_at: Mapped[datetime]
    values: Mapped[dict[str, Any]]
    success: Mapped[bool] = mapped_column(Boolean)
    error_code: Mapped[str | None] = mapped_column(String(80))
    message: Mapped[str | None] = mapped_column(Text)
    retryable: Mapped[bool] = mapped_column(Boolean, default=False)
    # The fields Salesforce named with the error (a validation rule's field, OwnerId...).
    fields: Mapped[list[str] | None] = mapped_column(JsonDocument, nullable=True)
    # For a refusal retrying cannot fix: the lead's SystemModstamp as stored when it was
    # refused. Once the lead changes in the org (a person fixed the data), it is tried again.
    lead_modstamp: Mapped[datetime | None]


class LeadHolder(Base):
    """Every owner a lead has been seen with: a breach reassignment never goes back to one."""

    __tablename__ = "lead_holders"

    lead_id: Mapped[str] = mapped_column(SfId, primary_key=True)
    owner_id: Mapped[str] = mapped_column(SfId, primary_key=True)
    first_seen_at: Mapped[datetime]


class BreachAction(Base):
    """One `sla.on_breach` step for one MQL stay: recorded once (the unique key), before it runs.

    `state`: planned (recorded, not done yet), done, failed, skipped (nothing to do, with the
    reason), would (a dry run's record of what it would have done).
    """

    __tablename__ = "breach_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(SfId)
    episode_id: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(16))  # notify|reassign
    run_id: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[str | None] = mapped_column(SfId)  # the owner when it breached
    target: Mapped[str | None] = mapped_column(String(64))
    mql_at: Mapped[datetime | None]
    due_at: Mapped[datetime]
    step_at: Mapped[datetime]  # due_at plus the step's after_hours, on the SLA's clock
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    detail: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)

    __table_args__ = (
        Index("ux_breach_actions_step", "lead_id", "episode_id", "step", "dry_run", unique=True),
        Index("ix_breach_actions_due", "due_at"),
    )


class Outbox(Base):
    """A breach notification to deliver, at least once, with a stable idempotency key.

    The URL is not stored: it is a secret, read from `webhook_env` when sending.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("breach_actions.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    webhook_env: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)


class PoolCredit(Base):
    """A member's smooth weighted round-robin credit in a weighted pool (`rules.rotation`)."""

    __tablename__ = "pool_credits"

    pool_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    member: Mapped[str] = mapped_column(SfId, primary_key=True)
    credit: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class LedgerAdjustment(Base):
    """An admin's credit (+) or debit (-) of a member's turns in a pool, with the reason;
    applied to the pool's credits by the next live run (`applied_at`)."""

    __tablename__ = "ledger_adjustments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pool_key: Mapped[str] = mapped_column(String(64), index=True)
    member: Mapped[str] = mapped_column(SfId)
    turns: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Something a person did through the API that changes routing (availability entries,
    ledger adjustments): who (the key's role and fingerprint), what, when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(SfId, index=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)


class RoundRobin(Base):
    """The next position in each pool, so assignment stays fair across runs and restarts."""

    __tablename__ = "round_robin"

    pool_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class RoundRobinShadow(Base):
    """The round-robin positions of shadow runs, apart from the live ones, so that a shadow
    period uses up no live turn and going live starts where the live pools stood."""

    __tablename__ = "round_robin_shadow"

    pool_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class BacktestJob(Base):
    """A backtest `POST /rules/backtest` runs in the background, and its result once done."""

    __tablename__ = "backtest_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # running|succeeded|failed
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    leads: Mapped[int] = mapped_column(Integer)
    rules_hash: Mapped[str] = mapped_column(String(64))
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    error: Mapped[str | None] = mapped_column(Text)


# --- operations ------------------------------------------------------------------------------


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # running|succeeded|partial|failed|interrupted
    state: Mapped[str] = mapped_column(String(16), index=True)
    trigger: Mapped[str] = mapped_column(String(16))  # cli|schedule|api|demo
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=True)
    rules_version: Mapped[str | None] = mapped_column(String(64))
    rules_hash: Mapped[str | None] = mapped_column(String(64))
    # pulled per object, decided, qualified, held (+ by field), promoted, reassigned,
    # skipped_changed, failed, retried, api_calls, ...
    counts: Mapped[dict[str, Any]]
    # What happened, in words a person can act on (why it failed, how to fix it).
    message: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(40))


class Watermark(Base):
    """Per object: how far the pull has stored, and with which fields."""

    __tablename__ = "watermarks"

    sobject: Mapped[str] = mapped_column(String(40), primary_key=True)
    system_modstamp: Mapped[datetime | None]
    last_id: Mapped[str | None] = mapped_column(SfId)
    fields_hash: Mapped[str | None] = mapped_column(String(64))
    last_deleted_check_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class PullSeen(Base):
    """The Ids a `--full` read returned so far, per object: the reconcile after it marks the
    stored rows missing here as purged, without holding a million Ids in memory. Emptied
    before and after each such read."""

    __tablename__ = "pull_seen"

    sobject: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(SfId, primary_key=True)


class SyncLock(Base):
    """The SQLite lock row: a lease renewed by a heartbeat, so a crashed holder expires.

    PostgreSQL uses an advisory lock instead; this table stays empty there.
    """

    __tablename__ = "sync_lock"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class StoredSecret(Base):
    """A secret the service must keep between runs and restarts, encrypted.

    Today the one row is the Salesforce refresh token: with Refresh Token Rotation every
    refresh answers with a new one, and only the newest works. `seed_digest` is a keyed
    digest of the token it grew from (`SF_REFRESH_TOKEN`), so a new token set by a person
    starts a new chain instead of being ignored.
    """

    __tablename__ = "stored_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    seed_digest: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
