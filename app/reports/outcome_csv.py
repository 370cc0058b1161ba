"""The backtest and the calibration as CSV: one row per group, each carrying its own keys."""

from __future__ import annotations

from typing import Any

from app.reports.csv_rows import render
from app.reports.outcome_models import (
    Backtest,
    Calibration,
    Difference,
    OutcomeGroup,
    ShadowReport,
)

GROUP_COLUMNS = (
    "leads",
    "converted",
    "conversion_rate",
    "conversion_rate_95_low",
    "conversion_rate_95_high",
    "closed",
    "won",
    "win_rate",
    "win_rate_95_low",
    "win_rate_95_high",
)
TEST_COLUMNS = ("difference_pp", "z", "p_value", "significant")
BACKTEST_COLUMNS = (
    "from", "to", "section", "rules", "rule", "name", "group", *GROUP_COLUMNS, *TEST_COLUMNS,
    "too_small",
)  # fmt: skip


def group_cells(group: OutcomeGroup) -> list[Any]:
    conversion, win = group.conversion_rate_95, group.win_rate_95
    return [
        group.leads,
        group.converted,
        group.conversion_rate,
        conversion.low if conversion else None,
        conversion.high if conversion else None,
        group.closed,
        group.won,
        group.win_rate,
        win.low if win else None,
        win.high if win else None,
    ]


def test_cells(test: Difference | None) -> list[Any]:
    if test is None:
        return [None] * len(TEST_COLUMNS)
    return [test.difference_pp, test.z, test.p_value, test.significant]


def backtest_rows(report: Backtest) -> list[list[Any]]:
    """Each file's MQLs and non-MQLs (the test on the MQL row), then each rule's two groups."""
    period = [report.from_, report.to]
    rows: list[list[Any]] = []
    for which, side in (("candidate", report.candidate), ("current", report.current)):
        if side is None:
            continue
        rows.append(
            [
                *period,
                "side",
                which,
                None,
                None,
                "mql",
                *group_cells(side.mql),
                *test_cells(side.mql_vs_non_mql),
                None,
            ]
        )
        rows.append([*period, "side", which, None, None, "non_mql", *group_cells(side.non_mql),
                     *test_cells(None), None])  # fmt: skip
    for effect in report.rules:
        head = [*period, "rule", effect.rules, effect.rule, effect.name]
        rows.append(
            [
                *head,
                "matched",
                *group_cells(effect.matched),
                *test_cells(effect.matched_vs_not),
                effect.too_small,
            ]
        )
        rows.append([*head, "not_matched", *group_cells(effect.not_matched),
                     *test_cells(None), effect.too_small])  # fmt: skip
    return rows


def backtest_csv(report: Backtest) -> str:
    return render(BACKTEST_COLUMNS, backtest_rows(report))


CALIBRATION_COLUMNS = (
    "from", "to", "section", "deciles", "score_from", "score_to", "fit", "interest",
    "mql_per_month", "group", *GROUP_COLUMNS, *TEST_COLUMNS,
)  # fmt: skip


def calibration_rows(report: Calibration) -> list[list[Any]]:
    """Each score band, then each set of thresholds (current, for the target, smallest
    significant) with its MQLs (the test on that row) and its non-MQLs."""
    period = [report.from_, report.to]
    rows: list[list[Any]] = []
    for section, bands in (("fit", report.fit_deciles), ("interest", report.interest_deciles)):
        for band in bands:
            rows.append(
                [
                    *period,
                    section,
                    band.deciles,
                    band.score_from,
                    band.score_to,
                    None,
                    None,
                    None,
                    "band",
                    *group_cells(band.outcome),
                    *test_cells(None),
                ]
            )
    choices = (
        ("current", report.current),
        ("for_target", report.for_target),
        ("smallest_significant", report.smallest_significant),
    )
    for section, choice in choices:
        if choice is None:
            continue
        head = [
            *period,
            section,
            None,
            None,
            None,
            choice.fit,
            choice.interest,
            choice.mql_per_month,
        ]
        rows.append([*head, "mql", *group_cells(choice.mql), *test_cells(choice.mql_vs_non_mql)])
        rows.append([*head, "non_mql", *group_cells(choice.non_mql), *test_cells(None)])
    return rows  # fmt: skip


def calibration_csv(report: Calibration) -> str:
    return render(CALIBRATION_COLUMNS, calibration_rows(report))


SHADOW_COLUMNS = (
    "from", "to", "section", "route", "leads", "agreed", "agreement_rate", "agreement_rate_95_low",
    "agreement_rate_95_high", "status_disagreements", "owner_disagreements", "lead_id",
    "ours_mql", "ours_owner", "ours_reason", "org_mql", "org_owner", "org_reason",
)  # fmt: skip


def shadow_csv(report: ShadowReport) -> str:
    """One row per route, then one per disagreement shown."""
    period = [report.from_, report.to]
    rows: list[list[Any]] = []
    for route in report.routes:
        interval = route.agreement_rate_95
        rows.append(
            [
                *period,
                "route",
                route.route,
                route.leads,
                route.agreed,
                route.agreement_rate,
                interval.low if interval else None,
                interval.high if interval else None,
                route.status_disagreements,
                route.owner_disagreements,
                *[None] * 7,
            ]
        )
    for found in report.disagreements:
        rows.append(
            [
                *period,
                "disagreement",
                found.route,
                *[None] * 7,
                found.lead_id,
                found.ours.mql,
                found.ours.owner_name or found.ours.owner_id,
                found.ours.reason,
                found.org.mql,
                found.org.owner_name or found.org.owner_id,
                found.org.reason,
            ]
        )
    return render(SHADOW_COLUMNS, rows)  # fmt: skip
