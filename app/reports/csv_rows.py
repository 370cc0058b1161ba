"""Reports as CSV (RFC 4180: CRLF line ends, quoting as needed): one row per group and segment.

Spreadsheets are where RevOps takes these numbers, so every row carries its own keys (period,
group, segment) and can be filtered or pivoted without the rows around it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from app.reports.models import (
    BreachesReport,
    FirstTouchByWeek,
    Funnel,
    HandoffStatus,
    MqlAging,
    RulesReport,
    Segment,
    WinLoss,
)

SEGMENTS = ("all", "excluding_mql", "mql_only")
WIN_LOSS_COLUMNS = (
    "from",
    "to",
    "group_by",
    "group",
    "group_label",
    "segment",
    "closed",
    "won",
    "lost",
    "win_rate",
    "win_rate_95_low",
    "win_rate_95_high",
    "won_amount",
    "lost_amount",
    "difference_pp",
)


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: Any) -> Any:
    """A cell as a spreadsheet shows it: text that would start a formula gets a leading `'`.

    Text comes from the org (a LeadSource, an owner's name), which web forms and many people
    write, so `=HYPERLINK(...)` must arrive as text. Numbers are left alone: -5.0 is a number.
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def render(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with a header row; None becomes an empty field, formulas become text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralised(value) for value in row])
    return buffer.getvalue()


def _segment_cells(segment: Segment) -> list[Any]:
    interval = segment.win_rate_95
    return [
        segment.closed,
        segment.won,
        segment.lost,
        segment.win_rate,
        interval.low if interval else None,
        interval.high if interval else None,
        segment.won_amount,
        segment.lost_amount,
    ]


def win_loss_rows(report: WinLoss) -> list[list[Any]]:
    """The overall segments first (group empty), then each group's segments."""
    period = [report.from_, report.to, report.group_by]
    rows = [
        [*period, None, None, name, *_segment_cells(getattr(report, name)), report.difference_pp]
        for name in SEGMENTS
    ]
    for group in report.groups or []:
        rows += [
            [
                *period,
                group.key,
                group.label,
                name,
                *_segment_cells(getattr(group, name)),
                group.difference_pp,
            ]
            for name in SEGMENTS
        ]
    return rows


def win_loss_csv(report: WinLoss) -> str:
    return render(WIN_LOSS_COLUMNS, win_loss_rows(report))


STATUS_COLUMNS = (
    "as_of",
    "owner_id",
    "owner_name",
    "mql_open",
    "pending",
    "met",
    "breached",
    "stale",
    "mql_at_unknown",
    "median_hours_to_first_touch",
    "p90_hours_to_first_touch",
    "acceptance_rate",
)


def status_csv(report: HandoffStatus) -> str:
    """One row for all owners (owner empty), then one per owner."""
    rows = [[report.as_of.isoformat(), None, None, *_status_cells(report)]]
    rows += [
        [report.as_of.isoformat(), o.owner_id, o.owner_name, *_status_cells(o)]
        for o in report.by_owner
    ]
    return render(STATUS_COLUMNS, rows)


def _status_cells(counts: Any) -> list[Any]:
    return [getattr(counts, name) for name in STATUS_COLUMNS[3:]]


FUNNEL_STAGES = ("leads", "mql", "accepted", "opportunity", "won")
FUNNEL_RATES = ("lead_to_mql", "mql_to_accepted", "accepted_to_opportunity", "opportunity_to_won")


def funnel_csv(report: Funnel) -> str:
    columns = ("month", *FUNNEL_STAGES, *FUNNEL_RATES)
    months = [*report.months, report.total]
    rows = [
        [m.month if m is not report.total else "total"] + [getattr(m, name) for name in columns[1:]]
        for m in months
    ]
    return render(columns, rows)


def rules_csv(report: RulesReport) -> str:
    columns = ("kind", "name", "leads", "mql", "converted", "closed", "won", "win_rate", "place")
    rows: list[list[Any]] = [
        ["rule", r.name or r.rule, r.leads_matched, r.mql, r.converted, r.closed, r.won,
         r.win_rate, r.rule]
        for r in report.rules
    ]  # fmt: skip
    rows += [
        ["held_missing_field", name, count, None, None, None, None, None, None]
        for name, count in report.held_by_missing_field.items()
    ]
    return render(columns, rows)


def aging_csv(report: MqlAging) -> str:
    columns = ("as_of", "bucket", "from_hours", "to_hours", "mql_open")
    rows = [
        [report.as_of.isoformat(), b.label, b.from_hours, b.to_hours, b.mql_open]
        for b in report.buckets
    ]
    return render(columns, rows)


def first_touch_weeks_csv(report: FirstTouchByWeek) -> str:
    columns = (
        "week_start",
        "mqls",
        "touched",
        "median_hours_to_first_touch",
        "p90_hours_to_first_touch",
    )
    rows = [[getattr(week, name) for name in columns] for week in report.weeks]
    return render(columns, rows)


def breaches_csv(report: BreachesReport) -> str:
    """One row per owner, then one per SLA target; actions as `kind_state=count` pairs."""
    columns = (
        "from", "to", "group_by", "group", "group_label", "breaches", "actions",
        "followed_by_touch", "median_hours_action_to_first_touch",
    )  # fmt: skip
    window = [report.from_.isoformat(), report.to.isoformat()]
    rows = [
        [
            *window,
            kind,
            g.key,
            g.label,
            g.breaches,
            " ".join(f"{name}={n}" for name, n in sorted(g.actions.items())),
            g.followed_by_touch,
            g.median_hours_action_to_first_touch,
        ]
        for kind, groups in (("owner", report.by_owner), ("target", report.by_target))
        for g in groups
    ]
    return render(columns, rows)
