"""`/ui`: the dashboard's pages, sign-in and sign-out, CSV downloads and the admin actions.

Pages are rendered on the server from `app.ui.views`, which calls the report functions in
process. Every page but the sign-in form needs a session (see `app.ui.session`); without one the
browser is sent to sign in and brought back. Forms that change something (sign out, start a
sync) carry the session's CSRF token; starting a sync needs an admin key's session as well.
Every answer carries a Content-Security-Policy that allows nothing from outside the service.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from app.active_rules import ActiveRules
from app.api.auth import authenticate, client_of
from app.api.formats import csv_response
from app.deps import NowDep, RulesDep, SessionDep, SettingsDep
from app.reports import csv_rows
from app.reports.breaches import breaches_report
from app.reports.first_touch_weekly import first_touch_by_week
from app.reports.funnel import funnel
from app.reports.models import Funnel, HandoffStatus, RulesReport
from app.reports.mql_aging import mql_aging
from app.reports.winloss import win_loss
from app.run.background import SyncNotStarted, SyncRunner
from app.ui import views, words
from app.ui.session import (
    COOKIE_NAME,
    COOKIE_PATH,
    MAX_AGE_SECONDS,
    SessionSigner,
    UiSession,
    csrf_matches,
)
from app.ui.snapshots import Kept, Snapshot
from app.ui.warm import default_status, sla_figures

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(
    percent=words.percent, hours=words.hours, count=words.count, when=words.when
)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_LEAD_ID = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")

router = APIRouter(prefix="/ui", include_in_schema=False)
T = TypeVar("T")


class SignInRequired(Exception):
    """No valid session: send the browser to the sign-in form, then back to `path`."""

    def __init__(self, path: str) -> None:
        self.path = path


class Refused(Exception):
    """A request the signed-in person may not make, or made wrongly: a page that says why."""

    def __init__(self, status_code: int, message: str) -> None:
        self.status_code, self.message = status_code, message


def _signer(request: Request) -> SessionSigner:
    signer: SessionSigner = request.app.state.ui_sessions
    return signer


def signed_in(request: Request) -> UiSession:
    found = _signer(request).read(request.cookies.get(COOKIE_NAME))
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return found


UiSessionDep = Annotated[UiSession, Depends(signed_in)]
CsrfForm = Annotated[str | None, Form(alias="csrf_token")]


def _checked(ui: UiSession, token: str | None) -> None:
    if not csrf_matches(ui, token):
        raise Refused(
            status.HTTP_403_FORBIDDEN,
            "This form's security token did not match your session (an old tab, or a form sent "
            "from elsewhere). Reload the page and try again.",
        )


def _page(
    request: Request, template: str, ui: UiSession | None, page: str, status_code: int = 200,
    **context: Any,
) -> HTMLResponse:  # fmt: skip
    return templates.TemplateResponse(
        request,
        template,
        {"ui": ui, "page": page, **context},
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )


def _safe_next(target: str | None) -> str:
    """Only a dashboard path of this service: never a redirect to another site."""
    if target and target.startswith("/ui") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui"


@router.get("/sign-in")
def sign_in_form(
    request: Request, next_: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    if _signer(request).read(request.cookies.get(COOKIE_NAME)) is not None:
        return RedirectResponse(_safe_next(next_), status.HTTP_303_SEE_OTHER)
    return _page(request, "sign_in.html", None, "sign-in", next=_safe_next(next_))


@router.post("/sign-in")
def sign_in(
    request: Request,
    settings: SettingsDep,
    api_key: Annotated[str, Form(max_length=512)] = "",
    next_: Annotated[str | None, Form(alias="next")] = None,
) -> Response:
    """Exchange a key for a session cookie; the key itself is neither stored nor echoed.

    Wrong keys count against the client's allowance like the API's (`app.api.key_attempts`),
    so the form is no faster a way to guess a key."""
    try:
        attempts = request.app.state.key_attempts
        role = authenticate(settings, attempts, client_of(request), api_key or None)
    except HTTPException as refused:
        throttled = refused.status_code == status.HTTP_429_TOO_MANY_REQUESTS
        message = (
            "Too many wrong keys from this address; wait a few seconds and try again."
            if throttled
            else "Enter an API key."
            if not api_key
            else "That key is not a key of this service."
        )
        page = _page(
            request, "sign_in.html", None, "sign-in", refused.status_code,
            next=_safe_next(next_), error=message,
        )  # fmt: skip
        page.headers.update(refused.headers or {})
        return page
    response = RedirectResponse(_safe_next(next_), status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE_NAME,
        _signer(request).issue(api_key, role),
        max_age=MAX_AGE_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/sign-out")
def sign_out(ui: UiSessionDep, csrf_token: CsrfForm = None) -> Response:
    _checked(ui, csrf_token)
    response = RedirectResponse("/ui/sign-in", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


def _status(
    request: Request, session: Session, active: ActiveRules, now: datetime
) -> HandoffStatus:
    return default_status(request.app.state.status_cache, session, active, now)


@router.get("")
def overview(
    request: Request, ui: UiSessionDep, session: SessionDep, active: RulesDep, now: NowDep
) -> Response:
    status_ = _status(request, session, active, now)
    context = views.overview(session, now, active.sla, status_)
    return _page(request, "overview.html", ui, "overview", now=now, rules=active, **context)


@router.get("/sla")
def sla(
    request: Request, ui: UiSessionDep, session: SessionDep, active: RulesDep, now: NowDep
) -> Response:
    status_ = _status(request, session, active, now)
    aging, weekly = sla_figures(request.app.state.ui_figures, session, now)
    context = views.sla_page(status_, aging, weekly)
    return _page(request, "sla.html", ui, "sla", now=now, **context)


@router.get("/breaches")
def breaches_page(
    request: Request, ui: UiSessionDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    context = views.breaches_page(session, now, dry_run=not settings.live)
    return _page(request, "breaches.html", ui, "breaches", now=now, **context)


@router.get("/win-loss")
def win_loss_page(request: Request, ui: UiSessionDep, session: SessionDep) -> Response:
    return _page(request, "win_loss.html", ui, "win-loss", **views.win_loss_page(session))


def _funnel(request: Request, session: Session) -> Kept[Funnel] | None:
    snapshot: Snapshot[Funnel] = request.app.state.ui_funnel
    return snapshot.get(session)


def _rules(request: Request, session: Session, active: ActiveRules) -> Kept[RulesReport] | None:
    snapshot: Snapshot[RulesReport] = request.app.state.ui_rules
    return snapshot.get(session, views.rules_key(active))


def _kept_or_computed(kept: Kept[T] | None, compute: Callable[[], T]) -> T:
    """A CSV download takes the page's figures, or computes them when none are kept yet."""
    return kept.value if kept is not None else compute()


@router.get("/funnel")
def funnel_page(request: Request, ui: UiSessionDep, session: SessionDep) -> Response:
    context = views.funnel_page(_funnel(request, session))
    return _page(request, "funnel.html", ui, "funnel", **context)


@router.get("/rules")
def rules_page(
    request: Request, ui: UiSessionDep, session: SessionDep, active: RulesDep
) -> Response:
    context = views.rules_page(_rules(request, session, active), session)
    return _page(request, "rules.html", ui, "rules", rules=active, **context)


@router.get("/routing")
def routing_page(
    request: Request, ui: UiSessionDep, session: SessionDep, active: RulesDep, now: NowDep
) -> Response:
    context = views.routing_page(session, active.ruleset, now)
    return _page(request, "routing.html", ui, "routing", **context)


@router.get("/sync")
def sync_page(
    request: Request,
    ui: UiSessionDep,
    session: SessionDep,
    settings: SettingsDep,
    started: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    context = views.sync_page(session)
    return _page(
        request, "sync.html", ui, "sync", started=started, live=settings.live,
        shadow=settings.shadow, **context,
    )  # fmt: skip


@router.post("/sync")
def start_sync(
    request: Request,
    ui: UiSessionDep,
    session: SessionDep,
    settings: SettingsDep,
    csrf_token: CsrfForm = None,
    mode: Annotated[Literal["sync", "dry-run"], Form()] = "sync",
    full: Annotated[bool, Form()] = False,
) -> Response:
    """Start a sync (or a dry run) from the dashboard: admin sessions only, CSRF checked."""
    _checked(ui, csrf_token)
    if not ui.is_admin:
        raise Refused(
            status.HTTP_403_FORBIDDEN,
            "Starting a sync needs an admin key; you signed in with a read key.",
        )
    runner: SyncRunner = request.app.state.sync_runner
    try:
        run_id = runner.start(full=full, dry_run=mode == "dry-run", trigger="ui")
    except SyncNotStarted as error:
        context = views.sync_page(session)
        return _page(
            request, "sync.html", ui, "sync", status.HTTP_409_CONFLICT,
            started=None, live=settings.live, shadow=settings.shadow, error=str(error), **context,
        )  # fmt: skip
    return RedirectResponse(f"/ui/sync?started={run_id}", status.HTTP_303_SEE_OTHER)


@router.get("/lead")
def lead_page(
    request: Request,
    ui: UiSessionDep,
    session: SessionDep,
    lead_id: Annotated[str | None, Query(alias="id", max_length=64)] = None,
) -> Response:
    """A lead's audit trail, found by its 15 or 18 character Id."""
    wanted = (lead_id or "").strip()
    if not wanted:
        return _page(request, "lead.html", ui, "lead", trail=None, query="")
    if not _LEAD_ID.match(wanted):
        return _page(
            request, "lead.html", ui, "lead", status.HTTP_422_UNPROCESSABLE_CONTENT,
            trail=None, query=wanted,
            error="A lead Id is 15 or 18 letters and digits, like 00Q5g00000AbCdEFGH.",
        )  # fmt: skip
    trail = views.lead_page(session, wanted)
    return _page(request, "lead.html", ui, "lead", trail=trail, query=wanted)


CsvName = Literal["status", "aging", "first-touch", "breaches", "win-loss", "funnel", "rules"]


@router.get("/csv/{name}.csv")
def csv_download(
    request: Request,
    name: CsvName,
    ui: UiSessionDep,
    session: SessionDep,
    settings: SettingsDep,
    active: RulesDep,
    now: NowDep,
) -> Response:
    """The numbers of a page's charts and tables as CSV, the API's columns where it has them."""
    del ui  # signed in is all this needs
    texts = {
        "status": lambda: csv_rows.status_csv(_status(request, session, active, now)),
        "aging": lambda: csv_rows.aging_csv(mql_aging(session, as_of=now)),
        "first-touch": lambda: csv_rows.first_touch_weeks_csv(
            first_touch_by_week(session, as_of=now)
        ),
        "breaches": lambda: csv_rows.breaches_csv(
            breaches_report(
                session,
                start=now - views.BREACH_WINDOW,
                end=now,
                dry_run=not settings.live,
                limit=1,
            )
        ),
        "win-loss": lambda: csv_rows.win_loss_csv(win_loss(session, group_by="quarter")),
        "funnel": lambda: csv_rows.funnel_csv(
            _kept_or_computed(_funnel(request, session), lambda: funnel(session))
        ),
        "rules": lambda: csv_rows.rules_csv(
            _kept_or_computed(
                _rules(request, session, active),
                lambda: views.ui_rules_report(session, views.rules_key(active)),
            )
        ),
    }
    return csv_response(texts[name](), name)


def _to_sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if request.method != "GET":
        return _page(
            request, "refused.html", None, "refused", status.HTTP_401_UNAUTHORIZED,
            message="Your session has ended. Sign in again.",
        )  # fmt: skip
    target = "/ui/sign-in?next=" + quote(exc.path, safe="/")
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS)


def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    ui = _signer(request).read(request.cookies.get(COOKIE_NAME))
    return _page(request, "refused.html", ui, "refused", exc.status_code, message=exc.message)


def install(app: FastAPI) -> None:
    """Serve the dashboard from `app`: its pages, its stylesheet, its error pages."""
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(Refused, _refused)
