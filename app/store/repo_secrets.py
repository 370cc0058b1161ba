"""The Salesforce refresh token, kept encrypted in the store so rotation survives restarts.

With Refresh Token Rotation each refresh answers with a new refresh token and the old one dies;
presenting a dead one revokes the whole family. So the newest token is written here (encrypted
with a key derived from `HANDOFF_SECRET_KEY`, Fernet: AES-128-CBC with HMAC-SHA256) before its
access token is used, and every run, in any process, starts from the newest one. Nothing is ever
stored in plain text: without a key the store refuses.

A rotation can happen mid-run (a session expired), while the run's own transaction holds
SQLite's single write lock; the new token is then kept in memory (this process uses it for every
run) and stored as soon as the run lets go of the database (`flush`, when the connection to the
org closes). Nothing waits on the lock held by its own thread.

The row remembers a keyed digest of the token it grew from (`SF_REFRESH_TOKEN`): when a person
authorises the app again and sets a new `SF_REFRESH_TOKEN`, the digest differs and the new seed
wins over the stored chain.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import threading
from datetime import UTC, datetime
from typing import ClassVar

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import HandoffError
from app.store.db import SQLITE_BUSY_TIMEOUT_MS
from app.store.models import StoredSecret

log = logging.getLogger(__name__)

REFRESH_TOKEN = "salesforce_refresh_token"
# While a run holds SQLite's write lock, a mid-run save waits this long, then defers to `flush`.
_SAVE_WAIT_MS = 2000
_KDF_INFO = b"handoff stored secrets v1"

NO_KEY = (
    "refresh-token mode needs HANDOFF_SECRET_KEY: Salesforce may rotate the refresh token on "
    "every use, and the newest one must be kept (encrypted) in the store or the next run "
    "would send a dead token and get the whole token family revoked. Set HANDOFF_SECRET_KEY "
    "to 32 or more random characters (for example `openssl rand -base64 32`) and keep it"
)
NOT_STORED = (
    "Salesforce rotated the refresh token and the new one could not be stored ({error}); this "
    "process keeps using it, but a restart would present the old one and Salesforce would "
    "revoke the token family. Check the database, then let a sync finish before restarting"
)
WRONG_KEY = (
    "the stored Salesforce refresh token cannot be decrypted with this HANDOFF_SECRET_KEY "
    "(the key changed?). Set the key it was stored with, or authorise the app again and set "
    "the new token in SF_REFRESH_TOKEN"
)


def _fernet(secret_key: str) -> Fernet:
    """A Fernet key derived from the secret (HKDF-SHA256), so any long random text works."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class RefreshTokenStore:
    """Where the newest refresh token lives; safe to use from several runs in turn."""

    # Rotated tokens not yet stored, by seed digest: shared by every run of this process.
    _unsaved: ClassVar[dict[str, str]] = {}
    _unsaved_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, sessions: sessionmaker[Session], secret_key: str | None) -> None:
        if not secret_key:
            raise HandoffError(NO_KEY)
        self._sessions = sessions
        self._fernet = _fernet(secret_key)
        self._digest_key = hashlib.sha256(b"seed digest:" + secret_key.encode()).digest()

    def __repr__(self) -> str:
        return "RefreshTokenStore()"

    def _digest(self, seed: str) -> str:
        return hmac.new(self._digest_key, seed.encode(), hashlib.sha256).hexdigest()

    def current(self, seed: str) -> str:
        """The newest token grown from `seed`, or `seed` itself when none is stored yet."""
        with self._unsaved_lock:
            unsaved = self._unsaved.get(self._digest(seed))
        if unsaved is not None:
            return unsaved
        with self._sessions() as session:
            row = session.get(StoredSecret, REFRESH_TOKEN)
            if row is None or not hmac.compare_digest(row.seed_digest, self._digest(seed)):
                return seed
            try:
                return self._fernet.decrypt(row.ciphertext.encode()).decode()
            except InvalidToken:
                raise HandoffError(WRONG_KEY) from None

    def save(self, seed: str, token: str) -> None:
        """Keep `token` as the newest of `seed`'s chain: in memory at once, stored if it can be.

        When the database is busy (this run's own transaction holds SQLite's lock), storing
        waits for `flush`.
        """
        digest = self._digest(seed)
        with self._unsaved_lock:
            self._unsaved[digest] = token
        try:
            self._write(digest, token, wait_ms=_SAVE_WAIT_MS)
        except OperationalError:
            log.warning(
                "the rotated refresh token is kept in memory until the database is free "
                "(the run holds it); it is stored when the run's connection to the org closes"
            )

    def flush(self, seed: str) -> None:
        """Store a rotated token `save` could not store yet; raise when it still cannot."""
        digest = self._digest(seed)
        with self._unsaved_lock:
            token = self._unsaved.get(digest)
        if token is None:
            return
        try:
            self._write(digest, token, wait_ms=None)
        except OperationalError as error:
            raise HandoffError(NOT_STORED.format(error=type(error).__name__)) from None

    def _write(self, digest: str, token: str, *, wait_ms: int | None) -> None:
        """Replace the stored row in one write transaction (no read first, so SQLite takes the
        write lock at once instead of failing to upgrade a read)."""
        ciphertext = self._fernet.encrypt(token.encode()).decode()
        row = {
            "name": REFRESH_TOKEN,
            "seed_digest": digest,
            "ciphertext": ciphertext,
            "updated_at": datetime.now(UTC),
        }
        with self._sessions() as session:
            sqlite = session.get_bind().dialect.name == "sqlite"
            if sqlite and wait_ms is not None:
                session.connection().exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")
            try:
                session.execute(delete(StoredSecret).where(StoredSecret.name == REFRESH_TOKEN))
                session.execute(insert(StoredSecret).values(**row))
                session.commit()
            finally:
                if sqlite and wait_ms is not None:
                    session.connection().exec_driver_sql(
                        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"
                    )
        with self._unsaved_lock:
            if self._unsaved.get(digest) == token:
                del self._unsaved[digest]
