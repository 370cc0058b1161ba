"""The dashboard in a real headless Chromium against the real app, the simulated org behind it.

Each page is opened signed in and must load with no console error, no failed request and no
request leaving the service; its charts must draw; the figures it shows must equal the API's.
Screenshots of every page go to `build/ui-screenshots/` (not committed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.ui.conftest import ADMIN_KEY, READ_KEY, SCREENSHOTS, Stack

pytestmark = pytest.mark.browser

PAGES = {
    "overview": "/ui",
    "sla": "/ui/sla",
    "breaches": "/ui/breaches",
    "win-loss": "/ui/win-loss",
    "funnel": "/ui/funnel",
    "rules": "/ui/rules",
    "routing": "/ui/routing",
    "sync": "/ui/sync",
}


@dataclass
class Watched:
    """Everything that went wrong in a page's life, as the browser saw it."""

    base_url: str
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on(
            "console",
            lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)
        page.on("request", self._request)

    def _request_failed(self, request: Any) -> None:
        # The browser cancels a page's late requests (its favicon) when the test moves on to the
        # next page: that is the test navigating, not the service failing.
        if request.failure != "net::ERR_ABORTED":
            self.failed.append(f"{request.failure} {request.url}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def _request(self, request: Any) -> None:
        if not request.url.startswith((self.base_url, "data:")):
            self.outside.append(request.url)

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.failed == []
        assert self.outside == []


@pytest.fixture
def context(browser: Any, stack: Stack) -> Iterator[Any]:
    context = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 900})
    try:
        yield context
    finally:
        context.close()


def _page(context: Any, stack: Stack) -> tuple[Any, Watched]:
    page = context.new_page()
    watched = Watched(stack.base_url)
    watched.attach(page)
    return page, watched


def _sign_in(page: Any, key: str, target: str = "/ui") -> None:
    page.goto(target)
    assert "/ui/sign-in" in page.url
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{target}")


def _open(page: Any, path: str) -> None:
    """Go to `path`; a page whose kept figures are still being computed reloads itself."""
    page.goto(path)
    if page.locator("[data-computing]").count():
        page.locator("[data-computing]").wait_for(state="detached", timeout=30_000)
        page.wait_for_load_state()


def _metric(page: Any, name: str) -> str:
    text: str = page.locator(f'[data-metric="{name}"]').first.inner_text()
    return text.strip()


def _runs(stack: Stack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = stack.api_get("/sync/runs")["items"]
    return items


def test_every_page_loads_clean_draws_its_charts_and_keeps_the_key_out(
    context: Any, stack: Stack
) -> None:
    page, watched = _page(context, stack)
    _sign_in(page, ADMIN_KEY)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # A chart of breaches by owner is drawn when there are breaches; the sync page has none.
    chartless = {"sync"} | (
        {"breaches"} if not stack.api_get("/handoff/breaches")["breaches"] else set()
    )
    for name, path in PAGES.items():
        _open(page, path)
        assert page.locator("h1").count() == 1
        charts = page.locator("svg.chart")
        if name not in chartless:
            assert charts.count() >= 1, name
        for index in range(charts.count()):
            marks = charts.nth(index).locator("rect, circle, polyline")
            assert marks.count() > 0, f"{name}: chart {index} is empty"
            box = charts.nth(index).bounding_box()
            assert box is not None
            assert box["width"] > 100
            assert box["height"] > 20
        assert ADMIN_KEY not in page.content()
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    lead_id = stack.api_get("/handoff/leads", limit=1)["items"][0]["lead_id"]
    page.goto("/ui/lead")
    page.get_by_label("Lead Id").fill(lead_id)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**id={lead_id}")
    audit = stack.api_get("/audit", lead_id=lead_id)["items"]
    assert audit, "the demo sync decided this open MQL"
    for entry in audit:
        assert page.locator(f'[data-metric="decision-{entry["decision_id"]}"]').count() == 1
    page.screenshot(path=str(SCREENSHOTS / "lead.png"), full_page=True)
    watched.assert_clean()
    cookie = next(c for c in context.cookies() if c["name"] == "handoff_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert ADMIN_KEY not in cookie["value"]


def test_the_numbers_on_the_pages_equal_the_api(context: Any, stack: Stack) -> None:
    page, watched = _page(context, stack)
    _sign_in(page, READ_KEY)
    status = stack.api_get("/handoff/status")
    for state in ("mql_open", "pending", "met", "breached", "stale", "mql_at_unknown"):
        assert _metric(page, state).replace(",", "") == str(status[state]), state

    page.goto("/ui/sla")
    aging = page.locator('[data-metric^="aging-"]').all_inner_texts()
    assert sum(int(n.replace(",", "")) for n in aging) == status["mql_open"]

    page.goto("/ui/breaches")
    breaches = stack.api_get("/handoff/breaches", dry_run=True)  # the stack writes nothing
    assert _metric(page, "breaches").replace(",", "") == str(breaches["breaches"])
    for group in breaches["by_owner"]:
        shown = _metric(page, f"owner-{group['key']}-breaches")
        assert shown == str(group["breaches"])
    for action in breaches["actions"]:
        assert _metric(page, f"action-{action['id']}-state") == action["state"]

    page.goto("/ui/win-loss")
    report = stack.api_get("/reports/win-loss", group_by="quarter")
    for segment in ("all", "excluding_mql", "mql_only"):
        assert _metric(page, f"{segment}-closed") == str(report[segment]["closed"])
        assert _metric(page, f"{segment}-won") == str(report[segment]["won"])
        assert _metric(page, f"{segment}-win_rate") == f"{report[segment]['win_rate']:.1%}"
    for group in report["groups"]:
        closed = group["mql_only"]["closed"]
        assert _metric(page, f"{group['key']}-mql_only-closed") == str(closed)
    points = round(report["mql_vs_non_mql_pp"]["difference_pp"])
    sentence = _metric(page, "sentence")
    assert sentence.startswith(f"MQLs win {abs(points)} points")
    assert "would appear by chance" in sentence

    _open(page, "/ui/funnel")
    total = stack.api_get("/reports/funnel")["total"]
    for stage in ("leads", "mql", "won"):
        assert _metric(page, stage) == str(total[stage])

    _open(page, "/ui/rules")
    for row in stack.api_get("/reports/rules")["rules"]:
        assert _metric(page, f"{row['rule']}-matched") == str(row["leads_matched"])

    page.goto("/ui/routing")
    found = stack.api_get("/reports/matching")
    assert _metric(page, "unmatched") == str(found["unmatched"])
    assert _metric(page, "to-account-owner") == str(found["routed_to_account_owner"])
    for method, n in found["matched_by_method"].items():
        assert _metric(page, f"matched-{method}") == str(n)
    for pool in stack.api_get("/assignment/ledger")["pools"]:
        for member in pool["members"]:
            metric = f"route{pool['route']}-{member['user_id']}-assigned"
            assert _metric(page, metric) == str(member["assigned"])
    watched.assert_clean()


def test_an_admin_starts_a_dry_run_from_the_sync_page(context: Any, stack: Stack) -> None:
    page, watched = _page(context, stack)
    _sign_in(page, ADMIN_KEY, "/ui/sync")
    before = {run["id"] for run in _runs(stack)}
    page.get_by_label("Dry run", exact=False).check()
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/ui/sync?started=*")
    started = int(page.url.rsplit("=", 1)[1])
    assert started not in before
    assert any(run["id"] == started and run["dry_run"] for run in _runs(stack))
    assert f"Run {started} started" in page.locator("[role=status]").inner_text()
    watched.assert_clean()


def _assert_sync_refused(page: Any, stack: Stack, token: str | None, why: str) -> None:
    """A sync form posted with `token` is refused with a page saying `why`; no run starts."""
    before = len(_runs(stack))
    answer = page.request.post(
        "/ui/sync", form={"csrf_token": token or "", "mode": "dry-run"}, max_redirects=0
    )
    assert answer.status == 403
    assert why in answer.text()
    assert len(_runs(stack)) == before


def test_a_read_key_cannot_start_a_sync(context: Any, stack: Stack) -> None:
    page, _ = _page(context, stack)
    _sign_in(page, READ_KEY, "/ui/sync")
    assert page.get_by_role("button", name="Start").count() == 0
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    _assert_sync_refused(page, stack, token, "needs an admin key")


def test_a_forged_csrf_token_is_refused(context: Any, stack: Stack) -> None:
    page, _ = _page(context, stack)
    _sign_in(page, ADMIN_KEY, "/ui/sync")
    for token in ("forged-token", ""):
        _assert_sync_refused(page, stack, token, "security token did not match")


def test_sign_out_ends_the_session(context: Any, stack: Stack) -> None:
    page, watched = _page(context, stack)
    _sign_in(page, READ_KEY)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/ui/sign-in")
    assert not [c for c in context.cookies() if c["name"] == "handoff_session"]
    page.goto("/ui/win-loss")
    assert "/ui/sign-in?next=/ui/win-loss" in page.url
    watched.assert_clean()


def test_a_wrong_key_is_refused_without_echoing_it(context: Any, stack: Stack) -> None:
    page, _ = _page(context, stack)
    page.goto("/ui/sign-in")
    page.get_by_label("API key").fill("not-a-key-of-this-service-000")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "That key is not a key of this service."
    assert "not-a-key-of-this-service-000" not in page.content()
    assert "/ui/sign-in" in page.url


def test_readable_on_a_phone_and_usable_by_keyboard(browser: Any, stack: Stack) -> None:
    phone = browser.new_context(
        base_url=stack.base_url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    try:
        page, watched = _page(phone, stack)
        _sign_in(page, READ_KEY)
        for name, path in {**PAGES, "lead": "/ui/lead"}.items():
            _open(page, path)
            # Wide tables scroll inside their own box; the page itself never scrolls sideways.
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways on a phone"
            page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=True)
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent") == "Skip to content"
            tables = page.locator("table")
            for index in range(tables.count()):
                assert tables.nth(index).locator("caption").count() == 1, name
                assert tables.nth(index).locator("th[scope]").count() > 0, name
            for index in range(page.locator("svg.chart").count()):
                chart = page.locator("svg.chart").nth(index)
                assert chart.get_attribute("role") == "img", name
                assert chart.locator("title").count() == 1, name
        watched.assert_clean()
    finally:
        phone.close()


def test_api_docs_load_from_the_service(context: Any, stack: Stack) -> None:
    page, watched = _page(context, stack)
    page.goto("/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Handoff" in page.locator(".swagger-ui .info .title").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "docs.png"))
    watched.assert_clean()
