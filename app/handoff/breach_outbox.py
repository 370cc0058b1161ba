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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings
from app.store.models import BreachAction, Outbox

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 425, 429})
SENDERS = 8  # notifications in flight at once
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
    trust_env: bool = True

    def delay(self, attempts: int) -> timedelta:
        return min(BACKOFF_CAP, timedelta(seconds=self.backoff_seconds * 2 ** (attempts - 1)))


def outbox_policy(settings: Settings) -> OutboxPolicy:
    return OutboxPolicy(
        timeout=settings.webhook_timeout,
        max_attempts=settings.outbox_max_attempts,
        backoff_seconds=settings.outbox_backoff_seconds,
        trust_env=settings.webhook_trust_env,
    )


@dataclass(frozen=True)
class _Message:
    """A claimed outbox row, as much of it as sending needs."""

    id: int
    webhook_env: str
    payload: dict[str, Any]
    key: str


def deliver_outbox(
    sessions: sessionmaker[Session],
    now: datetime,
    policy: OutboxPolicy,
    *,
    environ: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Counter[str]:
    """Send every notification due at `now`; return how many were sent, retried, failed.

    Each claimed batch is sent SENDERS at a time and its answers recorded in one commit: a
    crash before that commit resends the batch later with the same keys (at least once).
    """
    env = os.environ if environ is None else environ
    outcomes: Counter[str] = Counter()
    claimed = _claim(sessions, now, policy)
    if not claimed:
        return outcomes  # the usual case: no client (and no TLS set-up) for nothing to send
    with (
        httpx.Client(
            timeout=policy.timeout, transport=transport, trust_env=policy.trust_env
        ) as http,
        ThreadPoolExecutor(SENDERS, thread_name_prefix="handoff-outbox") as pool,
    ):
        while claimed:
            answers = list(pool.map(lambda message: _send(message, env, http), claimed))
            outcomes.update(_record(sessions, claimed, answers, now, policy))
            claimed = _claim(sessions, now, policy)
    return outcomes


def _claim(sessions: sessionmaker[Session], now: datetime, policy: OutboxPolicy) -> list[_Message]:
    """Take up to BATCH due rows, pushing their next attempt past this send (one commit)."""
    lease = now + timedelta(seconds=policy.timeout * 2 + 30)
    with sessions() as session:
        due = list(
            session.execute(
                select(
                    Outbox.id, Outbox.next_attempt_at, Outbox.webhook_env, Outbox.payload,
                    Outbox.idempotency_key,
                )
                .where(Outbox.state == "pending", Outbox.next_attempt_at <= now)
                .order_by(Outbox.next_attempt_at, Outbox.id)
                .limit(BATCH)
            )
        )  # fmt: skip
        taken = []
        for row_id, stamp, env, payload, key in due:
            result = session.execute(
                update(Outbox)
                .where(Outbox.id == row_id, Outbox.next_attempt_at == stamp)
                .values(next_attempt_at=lease)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                taken.append(_Message(row_id, env, payload, key))
        session.commit()
    return taken


def _send(
    message: _Message, env: Mapping[str, str], http: httpx.Client
) -> tuple[int | None, str | None]:
    """POST one notification: (HTTP status or None, error text without the URL or None)."""
    url = env.get(message.webhook_env, "")
    if not url:
        return None, f"{message.webhook_env} is not set in the service's environment"
    _SENDING.on = True
    try:
        answer = http.post(url, json=message.payload, headers={"Idempotency-Key": message.key})
        return answer.status_code, None
    except httpx.HTTPError as exc:
        return None, _safe(exc, url)
    finally:
        _SENDING.on = False


def _record(
    sessions: sessionmaker[Session],
    messages: list[_Message],
    answers: list[tuple[int | None, str | None]],
    now: datetime,
    policy: OutboxPolicy,
) -> Counter[str]:
    """Store each answer on its row and its breach action, in one commit."""
    outcomes: Counter[str] = Counter()
    with sessions() as session:
        for message, (status, error) in zip(messages, answers, strict=True):
            row = session.get(Outbox, message.id)
            assert row is not None
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
            if outcome != "sent":
                log.warning("breach notification %s: %s (%s)", row.id, outcome, row.last_error)
            outcomes[outcome] += 1
        session.commit()
    return outcomes


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
