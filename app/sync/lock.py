"""One sync at a time per database, across processes and replicas.

PostgreSQL: a session advisory lock on a connection held open for the whole run; the server
drops it when that connection ends, so a crashed holder frees it at once.
SQLite: a row in `sync_lock` with a lease, renewed by a heartbeat thread; a crashed holder stops
renewing and its lease runs out, so it blocks the next sync for at most one lease. A holder on
this same machine whose process is gone (a SIGKILLed `handoff sync`) is taken over at once: the
holder name carries host and PID, and a PID that no longer runs cannot be holding anything.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.errors import SyncLocked
from app.store.models import SyncLock

log = logging.getLogger(__name__)

LOCK_NAME = "sync"
# pg_advisory_lock takes a bigint; this one is "handoff" in ASCII, fixed for every release.
ADVISORY_KEY = 0x68616E646F6666
LOCKED_MESSAGE = "a sync is already running (another process or replica holds the lock)"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Held:
    """The lock as its holder sees it: who holds it, and whether it has been lost since."""

    holder: str
    lost: threading.Event = field(default_factory=threading.Event)


def holder_name() -> str:
    """Who holds the lock: host and process, plus a nonce so two runs never look alike."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def sync_lock(
    engine: Engine, *, lease_seconds: int, clock: Callable[[], datetime] = _utcnow
) -> Iterator[Held]:
    """Hold the sync lock for the block, or raise `SyncLocked` at once (no waiting)."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine) as held:
            yield held
    else:
        with _lease_lock(engine, lease_seconds, clock) as held:
            yield held


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[Held]:
    with engine.connect() as connection:
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        connection.commit()
        if not got.scalar_one():
            raise SyncLocked(LOCKED_MESSAGE)
        try:
            yield Held(holder_name())
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            connection.commit()


def dead_local_holder(holder: str) -> bool:
    """True when `holder` names a process on this machine that is no longer running."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False


def _take_from_dead_holder(connection: Connection, now: datetime) -> None:
    """Expire the lease of a holder on this machine whose process died (crash, SIGKILL)."""
    table: Any = SyncLock.__table__
    current = connection.execute(
        select(table.c.holder).where(table.c.name == LOCK_NAME, table.c.expires_at >= now)
    ).scalar_one_or_none()
    if current is not None and dead_local_holder(current):
        log.warning("the sync lock's holder %s is gone (its process died); taking over", current)
        connection.execute(
            update(table)
            .where(table.c.name == LOCK_NAME, table.c.holder == current)
            .values(expires_at=now - timedelta(seconds=1))
        )


def _try_lease(connection: Connection, holder: str, now: datetime, lease: timedelta) -> bool:
    """Take the row if it is free, its lease ran out, or its holder's process died here."""
    _take_from_dead_holder(connection, now)
    table: Any = SyncLock.__table__
    statement = sqlite_insert(table).values(
        name=LOCK_NAME, holder=holder, acquired_at=now, expires_at=now + lease
    )
    statement = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"holder": holder, "acquired_at": now, "expires_at": now + lease},
        where=table.c.expires_at < now,
    )
    connection.execute(statement)
    current = connection.execute(select(table.c.holder).where(table.c.name == LOCK_NAME))
    return bool(current.scalar_one() == holder)


def _renew(engine: Engine, holder: str, expires_at: datetime) -> bool:
    with engine.begin() as connection:
        result = connection.execute(
            update(SyncLock)
            .where(SyncLock.name == LOCK_NAME, SyncLock.holder == holder)
            .values(expires_at=expires_at)
        )
        return bool(result.rowcount)


class _Heartbeat(threading.Thread):
    """Renews the lease every third of its length until stopped."""

    def __init__(
        self, engine: Engine, held: Held, lease: timedelta, clock: Callable[[], datetime]
    ) -> None:
        super().__init__(name="sync-lock-heartbeat", daemon=True)
        self.engine, self.held, self.lease, self.clock = engine, held, lease, clock
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.lease.total_seconds() / 3):
            try:
                if not _renew(self.engine, self.held.holder, self.clock() + self.lease):
                    log.error("the sync lock's lease was lost; the run will stop")
                    self.held.lost.set()
                    return
            except Exception:  # a busy database must not kill the heartbeat
                log.warning("could not renew the sync lock's lease", exc_info=True)


@contextmanager
def _lease_lock(
    engine: Engine, lease_seconds: int, clock: Callable[[], datetime]
) -> Iterator[Held]:
    held = Held(holder_name())
    holder = held.holder
    lease = timedelta(seconds=lease_seconds)
    with engine.begin() as connection:
        taken = _try_lease(connection, holder, clock(), lease)
    if not taken:
        raise SyncLocked(LOCKED_MESSAGE)
    heartbeat = _Heartbeat(engine, held, lease, clock)
    heartbeat.start()
    try:
        yield held
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
        with engine.begin() as connection:
            connection.execute(
                delete(SyncLock).where(SyncLock.name == LOCK_NAME, SyncLock.holder == holder)
            )
