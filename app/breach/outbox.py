"""Delivering breach notifications from the outbox: at least once, with a stable idempotency key.

Each row is claimed before it is sent (its next attempt moved past the send's timeout in its own
commit), so two deliverers (the scheduler and a sync run) rarely send one row twice, and when a
crash lands between the send and the record the resend carries the same `Idempotency-Key`, for
the receiver to drop. A 2xx answer is sent; 408, 425, 429, 5xx, a timeout or a lost connection
is retried with exponential backoff up to a cap; any other 4xx is recorded failed and not retried
(the receiver refused this message; sending it again cannot help). The URL is a secret read from
the environment variable the rules name, at send time: it is never stored, logged or put in an
error (`_safe` strips it from exception texts).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings
from app.store.models import BreachAction, Outbox

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 425, 429})
_SENDING = threading.local()


class _QuietWebhook(logging.Filter):
    """Drops httpx's own request log lines (which carry the URL) while this thread sends."""

    def filter(self, record: logging.LogRecord) -> bool:
        del record  # every line of a send is dropped, whatever it says
        return not getattr(_SENDING, "on", False)


logging.getLogger("httpx").addFilter(_QuietWebhook())
logging.getLogger("httpcore").addFilter(_QuietWebhook())
BACKOFF_CAP = timedelta(hours=1)
BATCH = 100


@dataclass(frozen=True)
class OutboxPolicy:
    """How hard to try: the settings' timeout, attempts and backoff base."""

    timeout: float = 10.0
    max_attempts: int = 8
    backoff_seconds: float = 30.0

    def delay(self, attempts: int) -> timedelta:
        return min(BACKOFF_CAP, timedelta(seconds=self.backoff_seconds * 2 ** (attempts - 1)))


def outbox_policy(settings: Settings) -> OutboxPolicy:
    return OutboxPolicy(
        timeout=settings.webhook_timeout,
        max_attempts=settings.outbox_max_attempts,
        backoff_seconds=settings.outbox_backoff_seconds,
    )


def deliver_outbox(
    sessions: sessionmaker[Session],
    now: datetime,
    policy: OutboxPolicy,
    *,
    environ: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Counter[str]:
    """Send every notification due at `now`; return how many were sent, retried, failed."""
    env = os.environ if environ is None else environ
    outcomes: Counter[str] = Counter()
    with httpx.Client(timeout=policy.timeout, transport=transport) as http:
        while True:
            claimed = _claim(sessions, now, policy)
            if not claimed:
                return outcomes
            for row_id in claimed:
                outcomes[_deliver(sessions, row_id, now, policy, env, http)] += 1


def _claim(sessions: sessionmaker[Session], now: datetime, policy: OutboxPolicy) -> list[int]:
    """Take up to BATCH due rows, pushing their next attempt past this send (one commit)."""
    lease = now + timedelta(seconds=policy.timeout * 2 + 30)
    with sessions() as session:
        due = list(
            session.execute(
                select(Outbox.id, Outbox.next_attempt_at)
                .where(Outbox.state == "pending", Outbox.next_attempt_at <= now)
                .order_by(Outbox.next_attempt_at, Outbox.id)
                .limit(BATCH)
            )
        )
        taken = []
        for row_id, stamp in due:
            result = session.execute(
                update(Outbox)
                .where(Outbox.id == row_id, Outbox.next_attempt_at == stamp)
                .values(next_attempt_at=lease)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                taken.append(row_id)
        session.commit()
    return taken


def _deliver(
    sessions: sessionmaker[Session],
    row_id: int,
    now: datetime,
    policy: OutboxPolicy,
    env: Mapping[str, str],
    http: httpx.Client,
) -> str:
    with sessions() as session:
        row = session.get(Outbox, row_id)
        assert row is not None
        url = env.get(row.webhook_env, "")
        status: int | None = None
        if not url:
            error = f"{row.webhook_env} is not set in the service's environment"
        else:
            _SENDING.on = True
            try:
                answer = http.post(
                    url,
                    json=row.payload,
                    headers={"Idempotency-Key": row.idempotency_key},
                )
                status, error = answer.status_code, None
            except httpx.HTTPError as exc:
                error = _safe(exc, url)
            finally:
                _SENDING.on = False
        row.attempts += 1
        row.last_status = status
        outcome = _outcome(status, row.attempts, policy)
        row.last_error = error or (None if outcome == "sent" else f"HTTP {status}")
        if outcome == "sent":
            row.state, row.sent_at = "sent", now
        elif outcome == "failed":
            row.state = "failed"
        else:
            row.next_attempt_at = now + policy.delay(row.attempts)
        _mark_action(session, row.action_id, outcome, now, row.last_error)
        session.commit()
    if outcome != "sent":
        log.warning("breach notification %s: %s (%s)", row_id, outcome, row.last_error)
    return outcome


def _outcome(status: int | None, attempts: int, policy: OutboxPolicy) -> str:
    if status is not None and 200 <= status < 300:
        return "sent"
    permanent = status is not None and 400 <= status < 500 and status not in RETRY_STATUSES
    if permanent or attempts >= policy.max_attempts:
        return "failed"
    return "retrying"


def _mark_action(
    session: Session, action_id: int, outcome: str, now: datetime, error: str | None
) -> None:
    action = session.get(BreachAction, action_id)
    if action is None or outcome == "retrying":
        return
    action.state = "done" if outcome == "sent" else "failed"
    action.done_at = now
    action.detail = {**(action.detail or {}), "error": error} if error else action.detail


def _safe(exc: httpx.HTTPError, url: str) -> str:
    """The exception's kind and text with the secret URL (and its host) taken out."""
    text = f"{type(exc).__name__}: {exc}"
    secrets = {url}
    with contextlib.suppress(httpx.InvalidURL):
        secrets.add(httpx.URL(url).host)
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "<webhook>")
    return text
