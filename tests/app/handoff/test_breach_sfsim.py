"""Breach actions end to end: sfsim on loopback, a webhook receiver on loopback, real runs.

A notification goes out once per lead and step (the receiver sees one idempotency key per lead,
the same key again after a crash between send and record); a reassignment goes to a member who
never held the lead and is written once; a dry run records what it would do and does nothing; a
4xx is failed and never retried; a hanging webhook is cut by the timeout; the URL is never logged.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from app.handoff.breach_outbox import OutboxPolicy, deliver_outbox
from app.main import create_app
from app.run import run_sync
from app.settings import ApiKey, Settings
from app.store.models import BreachAction, DecisionRecord, LeadHolder, Outbox, SyncLock
from sfsim import serve
from tests.app.handoff.test_sfsim import (
    MQL,
    Sim,
    _env,
    _handoff,
    build_org,
    factory,
    lead,
    rules_text,
    written_values,
)
from tests.app.sync.conftest import Clock

HOOK = "HANDOFF_TEST_BREACH_HOOK"
T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
ON_BREACH = f"""\
sla:
  first_touch_hours: 1
  on_breach:
    - after_hours: 0
      notify: {{webhook_env: {HOOK}}}
    - after_hours: 2
      reassign: true
      routes: [0]
"""


@dataclass
class Receiver:
    """A webhook receiver on loopback: every request's path, key and body, in order."""

    url: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    seen = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            seen.calls.append({"path": self.path, "key": self.headers.get("Idempotency-Key"),
                               "body": body, "answered": seen.status})  # fmt: skip
            time.sleep(seen.delay)
            self.send_response(seen.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/secret-token-123"
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def breach_sim(tmp_path: Path) -> Iterator[Sim]:
    org, reps, queue, expected, untouched = build_org()
    text = rules_text(reps, queue).replace("writeback:", ON_BREACH + "writeback:")
    (tmp_path / "rules.yaml").write_text(text, encoding="utf-8")
    with serve(org, tls=True) as server:
        yield Sim(server, org, reps, queue, expected, untouched)


def at(sim: Sim, clock: Clock, moment: datetime) -> Clock:
    """Move our clock and the org's together: the org's writes land just before our run."""
    clock.now = moment
    sim.org.clock.pin(moment - timedelta(seconds=30))
    return clock


def _actions(sessions: sessionmaker[Session]) -> list[BreachAction]:
    with sessions() as session:
        return list(session.scalars(select(BreachAction).order_by(BreachAction.id)))


def _us_leads(sim: Sim) -> set[str]:
    return {i for i in sim.expected if lead(sim.org, i)["Country"] == "US"}


def test_notify_then_reassign_once_each_never_to_a_previous_holder(
    breach_sim: Sim,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(HOOK, receiver.url)
    caplog.set_level(logging.DEBUG)
    sim = breach_sim
    clock = at(sim, Clock(T0), T0)
    first = run_sync(settings, sessions, factory(sim.server), now=clock)
    assert first.state == "succeeded", first.message
    us = _us_leads(sim)
    owners_before = {i: lead(sim.org, i)["OwnerId"] for i in us}
    assert set(owners_before.values()) == set(sim.reps)
    assert not receiver.calls

    at(sim, clock, T0 + timedelta(minutes=90))  # due at T0 + 1 h: the notify step is due
    second = run_sync(settings, sessions, factory(sim.server), now=clock)
    assert second.state == "succeeded", second.message
    breached = set(sim.expected)  # every promoted lead, queue route ones included
    assert {c["body"]["lead_id"] for c in receiver.calls} == breached
    assert len({c["key"] for c in receiver.calls}) == len(receiver.calls) == len(breached)
    sample = receiver.calls[0]["body"]
    assert sample["state"] == "breached"
    assert sample["lead_url"].endswith(f"/lightning/r/Lead/{sample['lead_id']}/view")
    assert second.counts["notifications"] == {"sent": len(breached)}
    assert all(lead(sim.org, i)["OwnerId"] == owners_before[i] for i in us)

    at(sim, clock, T0 + timedelta(hours=3, minutes=30))  # the reassign step (due + 2 h) is due
    third = run_sync(settings, sessions, factory(sim.server), now=clock)
    assert third.state == "succeeded", third.message
    for lead_id in us:
        now_owner = lead(sim.org, lead_id)["OwnerId"]
        assert now_owner in sim.reps
        assert now_owner != owners_before[lead_id]
    assert all(lead(sim.org, i)["Status"] == MQL for i in sim.expected)

    for hours in (9, 10):  # nothing new: every step ran once for this stay
        at(sim, clock, T0 + timedelta(hours=hours))
        later = run_sync(settings, sessions, factory(sim.server), now=clock)
        assert later.state == "succeeded", later.message
    assert len(receiver.calls) == len(breached)
    reassigned = [a for a in _actions(sessions) if a.kind == "reassign"]
    assert sorted(a.lead_id for a in reassigned) == sorted(us)
    successes = {i: outcomes.count("OK") for i, outcomes in written_values(sim.org).items()}
    assert all(successes[i] == 2 for i in us), successes  # promotion, then one reassignment
    with sessions() as session:
        holders = session.scalar(select(func.count()).select_from(LeadHolder))
        explained = session.scalars(
            select(DecisionRecord.explanation).where(DecisionRecord.explanation.like("SLA breach%"))
        ).all()
    assert (holders or 0) >= 2 * len(us)
    assert len(explained) == len(us)
    assert receiver.url not in caplog.text
    assert "secret-token-123" not in caplog.text
    _check_breaches_api(settings, sim, us, clock.now)


def _check_breaches_api(settings: Settings, sim: Sim, us: set[str], now: datetime) -> None:
    """`GET /handoff/breaches`: the breaches, by owner and target, and what was done."""
    key = "read-key-0123456789abcdef"
    api = create_app(settings.model_copy(update={"api_keys": (ApiKey(key=key, role="read"),)}),
                     start_scheduler=False)  # fmt: skip
    window = {"from": (T0 - timedelta(days=1)).isoformat(), "to": now.isoformat()}
    with TestClient(api) as client:
        body = client.get("/handoff/breaches", params=window, headers={"X-API-Key": key}).json()
        bad = client.get("/handoff/breaches?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z",
                         headers={"X-API-Key": key})  # fmt: skip
        metrics = client.get("/metrics", headers={"X-API-Key": key}).text
        one = sorted(us)[0]
        audit = client.get("/audit", params={"lead_id": one}, headers={"X-API-Key": key}).json()
    recorded = [(e["explanation"][:10], a["kind"], a["state"])
                for e in audit["items"] for a in e["breach_actions"]]  # fmt: skip
    assert sorted(recorded) == [
        ("MQL (rules", "notify", "done"),
        ("SLA breach", "reassign", "queued"),
    ]
    assert bad.status_code == 422
    assert body["breaches"] == len(sim.expected)
    assert [g["key"] for g in body["by_target"]] == ["default"]
    kinds: dict[str, int] = {}
    for group in body["by_owner"]:
        for name, count in group["actions"].items():
            kinds[name] = kinds.get(name, 0) + count
    assert kinds == {"notify_done": len(sim.expected), "reassign_done": len(us)}
    assert f'handoff_breach_notifications{{state="sent"}} {float(len(sim.expected))}' in metrics
    assert 'handoff_breach_actions_total{kind="reassign",state="queued"}' in metrics
    reassigned = [a for a in body["actions"] if a["kind"] == "reassign"]
    assert all(a["detail"]["to"] != a["detail"]["from"] for a in reassigned)
    assert {a["delivery"] for a in body["actions"] if a["kind"] == "notify"} == {"sent"}


def test_a_rep_who_touches_the_lead_first_keeps_it(
    breach_sim: Sim,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sfsim import log_activity

    monkeypatch.setenv(HOOK, receiver.url)
    sim = breach_sim
    clock = at(sim, Clock(T0), T0)
    assert run_sync(settings, sessions, factory(sim.server), now=clock).state == "succeeded"
    us = sorted(_us_leads(sim))
    touched = us[0]
    owner = lead(sim.org, touched)["OwnerId"]
    sim.org.clock.pin(T0 + timedelta(minutes=30))  # the rep calls within the hour
    log_activity(sim.org, "Task", touched, by=owner)
    at(sim, clock, T0 + timedelta(hours=4))
    assert run_sync(settings, sessions, factory(sim.server), now=clock).state == "succeeded"
    assert lead(sim.org, touched)["OwnerId"] == owner
    assert touched not in {c["body"]["lead_id"] for c in receiver.calls}
    assert touched not in {a.lead_id for a in _actions(sessions)}


def test_a_dry_run_records_what_it_would_do_and_does_nothing(
    breach_sim: Sim,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(HOOK, receiver.url)
    sim = breach_sim
    clock = at(sim, Clock(T0), T0)
    assert run_sync(settings, sessions, factory(sim.server), now=clock).state == "succeeded"
    writes_before = written_values(sim.org)
    at(sim, clock, T0 + timedelta(hours=4))
    dry = run_sync(settings, sessions, factory(sim.server), now=clock, dry_run=True)
    assert dry.state == "succeeded", dry.message
    actions = _actions(sessions)
    assert actions
    assert {a.state for a in actions} <= {"would", "skipped"}
    assert all(a.dry_run for a in actions)
    assert {a.kind for a in actions} == {"notify", "reassign"}
    assert receiver.calls == []
    assert written_values(sim.org) == writes_before
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Outbox)) == 0
    assert dry.counts["breach_actions"]["notify_would"] == len(sim.expected)


def _queued(settings: Settings, sessions: sessionmaker[Session], sim: Sim) -> Clock:
    """A run that queues one notification per promoted lead (the reassign step not yet due)."""
    clock = at(sim, Clock(T0), T0)
    assert run_sync(settings, sessions, factory(sim.server), now=clock).state == "succeeded"
    return at(sim, clock, T0 + timedelta(minutes=90))


class _Crash(BaseException):
    """The process dying right after the receiver got the request."""


def test_a_crash_between_send_and_record_resends_with_the_same_key(
    breach_sim: Sim,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(HOOK, "")  # nothing can be sent during the run: it stays queued
    clock = _queued(settings, sessions, breach_sim)
    run = run_sync(settings, sessions, factory(breach_sim.server), now=clock)
    assert run.counts["notifications"] == {"retrying": len(breach_sim.expected)}
    with sessions() as session:
        errors = set(session.scalars(select(Outbox.last_error)))
    assert errors == {f"{HOOK} is not set in the service's environment"}

    class CrashAfterSend(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            super().handle_request(request)
            raise _Crash

    env = {HOOK: receiver.url}
    policy = OutboxPolicy(timeout=5, backoff_seconds=1)
    later = clock.now + timedelta(hours=2)
    with pytest.raises(_Crash):
        deliver_outbox(sessions, later, policy, environ=env, transport=CrashAfterSend())
    before_crash = Counter(c["key"] for c in receiver.calls)
    assert before_crash
    assert set(before_crash.values()) == {1}
    sent = deliver_outbox(sessions, later + timedelta(minutes=5), policy, environ=env)
    assert sent == {"sent": len(breach_sim.expected)}
    keys = Counter(c["key"] for c in receiver.calls)
    assert len(keys) == len(breach_sim.expected)  # one key per lead and step
    assert all(keys[key] == 2 for key in before_crash)  # resent after the crash, same key
    assert deliver_outbox(sessions, later + timedelta(days=1), policy, environ=env) == {}


def test_4xx_fails_without_retry_and_a_hanging_webhook_is_cut_by_the_timeout(
    breach_sim: Sim,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(HOOK, "")
    clock = _queued(settings, sessions, breach_sim)
    run_sync(settings, sessions, factory(breach_sim.server), now=clock)
    env = {HOOK: receiver.url}
    caplog.set_level(logging.DEBUG)
    receiver.delay = 1.0
    policy = OutboxPolicy(timeout=0.2, backoff_seconds=60, max_attempts=5)
    at = clock.now + timedelta(hours=1)
    assert deliver_outbox(sessions, at, policy, environ=env) == {
        "retrying": len(breach_sim.expected)
    }
    with sessions() as session:
        rows = list(session.scalars(select(Outbox)))
    kinds = {r.last_error.split(":")[0] for r in rows if r.last_error}
    assert "ReadTimeout" in kinds
    assert kinds <= {"ReadTimeout", "ConnectTimeout"}  # a busy receiver may not even accept
    assert all(r.next_attempt_at == at + timedelta(seconds=120) for r in rows)  # 2nd: doubled
    receiver.delay, receiver.status = 0.0, 400
    policy = OutboxPolicy(timeout=10, backoff_seconds=60, max_attempts=5)
    assert deliver_outbox(sessions, at + timedelta(minutes=2), policy, environ=env) == {
        "failed": len(breach_sim.expected)
    }
    assert deliver_outbox(sessions, at + timedelta(days=2), policy, environ=env) == {}
    refused = [c["key"] for c in receiver.calls if c["answered"] == 400]
    assert sorted(refused) == sorted(set(refused))  # each refused once, never retried
    assert len(refused) == len(breach_sim.expected)
    actions = [a for a in _actions(sessions) if a.kind == "notify"]
    assert {a.state for a in actions} == {"failed"}
    assert receiver.url not in caplog.text
    assert "secret-token" not in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("point", ["after_breach_steps", "after_write_chunk"])
def test_a_sigkilled_run_takes_each_breach_step_once(
    breach_sim: Sim,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    tmp_path: Path,
    point: str,
) -> None:
    """`handoff sync` killed once its breach steps are recorded, or mid-write of a reassignment;
    the next run sends each notification and makes each reassignment once."""
    sim = breach_sim
    first = run_sync(settings, sessions, factory(sim.server), now=at(sim, Clock(T0), T0))
    assert first.state == "succeeded", first.message
    us = _us_leads(sim)
    owners_before = {i: lead(sim.org, i)["OwnerId"] for i in us}
    sim.org.clock.release()  # the processes below run on the real clock: weeks past every step
    env = _env(sim, settings, point) | {HOOK: receiver.url}

    killed = subprocess.run([_handoff(), "sync"], env=env, cwd=tmp_path, capture_output=True,
                            check=False, timeout=120)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert receiver.calls == []  # killed before the run's deliveries
    with sessions() as session:  # a dead holder's SQLite lease would hold the lock 120 s
        session.execute(update(SyncLock).values(expires_at=T0))
        session.commit()
    env.pop("HANDOFF_CRASH_AT")
    again = subprocess.run([_handoff(), "sync"], env=env, cwd=tmp_path, capture_output=True,
                           text=True, check=False, timeout=120)  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr

    keys = Counter(c["key"] for c in receiver.calls)
    assert {c["body"]["lead_id"] for c in receiver.calls} == set(sim.expected)
    assert set(keys.values()) == {1}  # one notification per lead and step
    successes = {i: outcomes.count("OK") for i, outcomes in written_values(sim.org).items()}
    assert all(successes[i] == 2 for i in us), successes  # promotion, then one reassignment
    assert all(lead(sim.org, i)["OwnerId"] != owners_before[i] for i in us)
    actions = Counter((a.lead_id, a.step) for a in _actions(sessions))
    assert set(actions.values()) == {1}
    assert len(actions) == len(sim.expected) + len(us)
