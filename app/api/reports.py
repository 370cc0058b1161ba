"""Report endpoints: win/loss, funnel and rules, as JSON or CSV."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from app.api.auth import ReadAccess
from app.api.errors import invalid
from app.api.examples import (
    FUNNEL_EXAMPLE,
    RULES_REPORT_EXAMPLE,
    WIN_LOSS_EXAMPLE,
    documented,
)
from app.api.formats import FormatQuery, csv_response, wants_csv
from app.api.outcome_examples import CALIBRATION_EXAMPLE, SHADOW_EXAMPLE
from app.api.params import IsoMoment
from app.api.periods import FromQuery, ToQuery
from app.api.periods import period as _period
from app.api.routing_examples import MATCHING_EXAMPLE
from app.deps import NowDep, RulesDep, SessionDep
from app.reports.calibration import calibration
from app.reports.csv_rows import funnel_csv, rules_csv, win_loss_csv
from app.reports.funnel import funnel
from app.reports.models import Funnel, GroupBy, RulesReport, WinLoss
from app.reports.outcome_csv import calibration_csv, shadow_csv
from app.reports.outcome_models import Calibration, ShadowReport
from app.reports.routing import Matching, matching
from app.reports.rules_report import rules_report
from app.reports.shadow import shadow_report
from app.reports.winloss import win_loss

router = APIRouter(prefix="/reports", tags=["reports"], dependencies=ReadAccess)

WIN_LOSS_CSV_EXAMPLE = (
    "from,to,group_by,group,group_label,segment,closed,won,lost,win_rate,win_rate_95_low,"
    "win_rate_95_high,won_amount,lost_amount,difference_pp\r\n"
    ",,,,,all,300,54,246,0.18,0.1409,0.2270,540000.0,2460000.0,5.0\r\n"
)


@router.get(
    "/win-loss",
    response_model=WinLoss,
    summary="Win rate of all opportunities against those that did not start as MQLs",
    responses=documented(WIN_LOSS_EXAMPLE, WIN_LOSS_CSV_EXAMPLE),
)
def get_win_loss(
    request: Request,
    session: SessionDep,
    start: FromQuery = None,
    end: ToQuery = None,
    group_by: Annotated[
        GroupBy | None, Query(description="split the figures by this key", examples=["quarter"])
    ] = None,
    format_: Annotated[FormatQuery, Query(alias="format")] = None,
) -> WinLoss | Response:
    """Closed opportunities with `CloseDate` in the period: `all`, `excluding_mql` (did not start
    as an MQL) and `mql_only`, each with won, lost, win rate, amounts and a 95% Wilson interval;
    `difference_pp` is all minus excluding_mql; `mql_vs_non_mql_pp` compares MQL-originated with
    the rest by a pooled two-proportion z-test; `mql_evidence` counts the MQL-originated by the
    kind of evidence. Win rates are null when nothing closed."""
    start, end = _period(start, end)
    report = win_loss(session, start=start, end=end, group_by=group_by)
    if wants_csv(request, format_):
        return csv_response(win_loss_csv(report), "win-loss")
    return report


@router.get(
    "/funnel",
    response_model=Funnel,
    summary="Lead to MQL to accepted to opportunity to won, by month the lead was created",
    responses=documented(FUNNEL_EXAMPLE, "month,leads,mql,accepted,opportunity,won,...\r\n"),
)
def get_funnel(
    request: Request,
    session: SessionDep,
    start: FromQuery = None,
    end: ToQuery = None,
    format_: Annotated[FormatQuery, Query(alias="format")] = None,
) -> Funnel | Response:
    """Counts at each stage for leads created in the period, by creation month, with the
    conversion rate between consecutive stages (null when the earlier stage is empty)."""
    start, end = _period(start, end)
    report = funnel(session, start=start, end=end)
    if wants_csv(request, format_):
        return csv_response(funnel_csv(report), "funnel")
    return report


@router.get(
    "/rules",
    response_model=RulesReport,
    summary="How leads matched by each rule of the active rules convert",
    responses=documented(
        RULES_REPORT_EXAMPLE, "kind,name,leads,mql,converted,closed,won,win_rate,place\r\n"
    ),
)
def get_rules_report(
    request: Request,
    session: SessionDep,
    active: RulesDep,
    format_: Annotated[FormatQuery, Query(alias="format")] = None,
) -> RulesReport | Response:
    """Per rule of the active rules (by place, like `fit[0]`): the leads it matched in their
    latest decision under these rules, the MQLs among them, those converted and won, and the win
    rate; and the leads held back by each missing field. This is how marketing tunes rules."""
    report = rules_report(session, rules_hash=active.content_hash, rules_version=active.version)
    if wants_csv(request, format_):
        return csv_response(rules_csv(report), "rules")
    return report


@router.get(
    "/calibration",
    response_model=Calibration,
    summary="Conversion and win rate by decile of fit and interest score, and thresholds",
    responses=documented(CALIBRATION_EXAMPLE, "from,to,section,deciles,score_from,...\r\n"),
)
def get_calibration(
    request: Request,
    session: SessionDep,
    active: RulesDep,
    start: FromQuery = None,
    end: ToQuery = None,
    target_mql_per_month: Annotated[
        float | None,
        Query(gt=0, le=10_000_000, description="the MQLs a month sales can work", examples=[120]),
    ] = None,
    format_: Annotated[FormatQuery, Query(alias="format")] = None,
) -> Calibration | Response:
    """The active rules score every stored lead created in the period (today's field values):
    conversion to opportunity and win rate, with 95% Wilson intervals and counts, by decile of
    the fit and of the interest score; the current thresholds' MQLs against the rest; the
    thresholds whose MQL volume comes closest to `target_mql_per_month`; and the lowest
    thresholds at which MQLs win more than non-MQLs with p < 0.05 (pooled two-proportion
    z-test). Rates are null when nothing closed. 409 when no valid rules are active."""
    start, end = _period(start, end)
    if active.ruleset is None:
        raise HTTPException(
            status_code=409, detail=f"the rules file {active.path} is not valid: fix it first"
        )
    report = calibration(
        session, active.ruleset, start=start, end=end, target_mql_per_month=target_mql_per_month
    )
    if wants_csv(request, format_):
        return csv_response(calibration_csv(report), "calibration")
    return report


@router.get(
    "/shadow",
    response_model=ShadowReport,
    summary="Shadow mode: where the org's own routing and status changes disagreed with the rules",
    responses=documented(SHADOW_EXAMPLE, "from,to,section,route,leads,agreed,...\r\n"),
)
def get_shadow(
    request: Request,
    session: SessionDep,
    active: RulesDep,
    start: FromQuery = None,
    end: ToQuery = None,
    format_: Annotated[FormatQuery, Query(alias="format")] = None,
) -> ShadowReport | Response:
    """For the leads decided in the period by runs in `HANDOFF_WRITE_MODE=shadow` (decided and
    recorded as live would, nothing written): whether the org set them to MQL and who owns
    them, against what the rules said, by route. The agreement rate (95% Wilson interval) and
    the disagreements with both sides' reasons: our explanation, and the org's Status and Owner
    history (who changed it, when)."""
    start, end = _period(start, end)
    report = shadow_report(session, active.ruleset, start=start, end=end)
    if wants_csv(request, format_):
        return csv_response(shadow_csv(report), "shadow")
    return report


@router.get(
    "/matching",
    response_model=Matching,
    response_model_by_alias=True,
    responses=documented(MATCHING_EXAMPLE),
    summary="Lead-to-account matching: matched by method, unmatched, routed to account owners",
)
def get_matching(
    session: SessionDep,
    now: NowDep,
    from_: Annotated[IsoMoment | None, Query(alias="from",
                     description="decisions from this time (default: 30 days ago)")] = None,
    to: Annotated[IsoMoment | None, Query(description="decisions before this time "
                  "(default: now)")] = None,
) -> Matching:  # fmt: skip
    """Over the live owner choices made in the window (a lead once, its latest choice): how
    many matched an Account, by method (email_domain, website, company), how many did not,
    how many went to the matched Account's owner, and how many are held."""
    end = to.astimezone(UTC) if to else now
    start = from_.astimezone(UTC) if from_ else end - timedelta(days=30)
    if start > end:
        raise invalid("from", "`from` is after `to`")
    return matching(session, start=start, end=end)
