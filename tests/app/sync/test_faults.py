"""Faults during a pull: the run stops cleanly or goes on, and never loses a record."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.run import SalesforceFactory, run_sync
from app.settings import Settings
from app.store.models import Lead, SyncLock, SyncRun, Watermark
from sf_client import RefreshTokenAuth, SalesforceClient
from tests.app.sync.conftest import Clock
from tests.fakes.org import API, INTEGRATION_USER, ORG_ID, T0, FakeOrg, error, lead

CLOCK_START = T0 + timedelta(hours=1)


def _next_page(number: int, answer: httpx.Response | type[BaseException]) -> object:
    """A fault for the `number`th request that follows a nextRecordsUrl."""
    seen = [0]

    def fault(request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.startswith(API + "/query/01g"):
            return None
        seen[0] += 1
        if seen[0] < number:
            return None
        if isinstance(answer, httpx.Response):
            return answer
        raise answer

    return fault


def _first_query_of(sobject: str, answer: httpx.Response) -> object:
    def fault(request: httpx.Request) -> httpx.Response | None:
        q = request.url.params.get("q", "")
        return answer if f"FROM {sobject} " in q else None

    return fault


def _stored(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(Lead.id)))


def _watermark(sessions: sessionmaker[Session], sobject: str) -> Watermark | None:
    with sessions() as session:
        return session.get(Watermark, sobject)


def _five_pages(org: FakeOrg) -> list[str]:
    return [lead(org, at=T0 + timedelta(seconds=i // 3))["Id"] for i in range(900)]


class TestDailyLimit:
    def test_stops_the_run_keeps_the_stored_pages_and_resumes_next_time(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        ids = _five_pages(org)
        limit = error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        org.faults.append(_next_page(2, limit))
        clock = Clock(CLOCK_START)

        run = run_sync(settings, sessions, sf_factory, now=clock)

        assert run.state == "failed"
        assert run.error_kind == "api_limit"
        assert "daily API request limit" in (run.message or "")
        assert len(_stored(sessions)) == 400  # two pages of 200 were stored before the limit
        mark = _watermark(sessions, "Lead")
        assert mark is not None
        assert mark.system_modstamp == T0 + timedelta(seconds=399 // 3)

        clock.now += timedelta(hours=4)
        again = run_sync(settings, sessions, sf_factory, now=clock)
        assert again.state == "succeeded", again.message
        assert _stored(sessions) == set(ids)


class TestBrokenPage:
    def test_a_failure_between_pages_loses_at_most_that_page(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        # An expired cursor is asked again from the watermark (tests/app/sync/test_real_org_faults);
        # an error no retry absorbs ends the run with the pages before it stored.
        ids = _five_pages(org)
        broken = error(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred.")
        org.faults.extend(_next_page(3, broken) for _ in range(5))  # every try of the third page
        clock = Clock(CLOCK_START)

        failed = run_sync(settings, sessions, sf_factory, now=clock)

        assert failed.state == "failed"
        assert len(_stored(sessions)) == 600
        clock.now += timedelta(minutes=5)
        assert run_sync(settings, sessions, sf_factory, now=clock).state == "succeeded"
        assert _stored(sessions) == set(ids)


class TestQueryTimeout:
    def test_narrows_the_window_and_goes_on(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        ids = _five_pages(org)
        timeout = error(400, "QUERY_TIMEOUT", "Your query request was running for too long.")
        org.faults.append(_first_query_of("Lead", timeout))

        run = run_sync(settings, sessions, sf_factory, now=Clock(CLOCK_START))

        assert run.state == "succeeded", run.message
        assert _stored(sessions) == set(ids)
        bounds = [re.search(r"SystemModstamp < (\S+)", q) for q in org.queries if "FROM Lead " in q]
        uppers = [b[1] for b in bounds if b]
        assert uppers[0] < f"{CLOCK_START:%Y-%m-%dT%H:%M:%SZ}"  # a narrower window came first
        assert uppers[-1] == f"{CLOCK_START:%Y-%m-%dT%H:%M:%SZ}"


class TestExpiredSession:
    def test_refresh_token_mode_logs_in_again_mid_pull(
        self, org: FakeOrg, settings: Settings, sessions: sessionmaker[Session]
    ) -> None:
        ids = _five_pages(org)
        tokens = iter(["first-token", "second-token"])

        def token(request: httpx.Request) -> httpx.Response:
            body = {
                "access_token": next(tokens),
                "instance_url": "https://acme.my.salesforce.com",
                "id": f"https://login.salesforce.com/id/{ORG_ID}/{INTEGRATION_USER}",
                "token_type": "Bearer",
                "issued_at": "1790000000000",
                "signature": "c2ln",
            }
            return httpx.Response(200, json=body)

        org.router.post("https://login.salesforce.com/services/oauth2/token").mock(
            side_effect=token
        )
        org.faults.append(
            _next_page(2, error(401, "INVALID_SESSION_ID", "Session expired or invalid"))
        )

        @contextmanager
        def factory() -> Iterator[SalesforceClient]:
            with httpx.Client() as http:
                auth = RefreshTokenAuth("refresh-secret", "key", None, "login")
                yield SalesforceClient(http, auth, sleep=lambda s: None)

        run = run_sync(settings, sessions, factory, now=Clock(CLOCK_START))

        assert run.state == "succeeded", run.message
        assert _stored(sessions) == set(ids)

    def test_access_token_mode_fails_with_the_clients_message(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        _five_pages(org)
        org.faults.append(
            _next_page(1, error(401, "INVALID_SESSION_ID", "Session expired or invalid"))
        )

        run = run_sync(settings, sessions, sf_factory, now=Clock(CLOCK_START))

        assert run.state == "failed"
        assert "expired" in (run.message or "").lower()
        assert "tok-secret" not in (run.message or "")
        assert len(_stored(sessions)) == 200


class TestInterrupt:
    def test_ctrl_c_marks_the_run_interrupted_and_frees_the_lock(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        _five_pages(org)
        org.faults.append(_next_page(1, KeyboardInterrupt))
        clock = Clock(CLOCK_START)

        with pytest.raises(KeyboardInterrupt):
            run_sync(settings, sessions, sf_factory, now=clock)

        with sessions() as session:
            runs = list(session.scalars(select(SyncRun)))
        assert [r.state for r in runs] == ["interrupted"]
        assert run_sync(settings, sessions, sf_factory, now=clock).state == "succeeded"


class TestIdentity:
    def test_another_org_stops_the_run_before_reading_anything(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        lead(org)
        other = settings.model_copy(update={"org_id": "00D000000000002EAA"})

        run = run_sync(other, sessions, sf_factory, now=Clock(CLOCK_START))

        assert run.state == "failed"
        assert "HANDOFF_ORG_ID" in (run.message or "")
        assert org.queries == []
        assert _stored(sessions) == set()


class TestLockLost:
    def test_a_run_whose_lease_lapsed_stops_before_committing_another_page(
        self,
        sqlite_only: None,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        _five_pages(org)
        short = settings.model_copy(update={"lock_lease_seconds": 10})

        def steal(request: httpx.Request) -> httpx.Response | None:
            if not request.url.path.startswith(API + "/query/01g"):
                return None
            with sessions() as session:  # another replica takes the lapsed lease...
                session.execute(update(SyncLock).values(holder="another-replica"))
                session.commit()
            threading.Event().wait(8)  # ...and our heartbeat (every 3.3 s) notices
            return None

        org.faults.append(steal)

        run = run_sync(short, sessions, sf_factory, now=Clock(CLOCK_START))

        assert run.state == "failed"
        assert "lock was lost" in (run.message or "")
        assert len(_stored(sessions)) == 200
