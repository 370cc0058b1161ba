"""The Salesforce refresh token, kept encrypted in the store so rotation survives restarts.

With Refresh Token Rotation each refresh answers with a new refresh token and the old one dies;
presenting a dead one revokes the whole family. So the newest token is written here (encrypted
with a key derived from `HANDOFF_SECRET_KEY`, Fernet: AES-128-CBC with HMAC-SHA256) before its
access token is used, and every run, in any process, starts from the newest one. Nothing is ever
stored in plain text: without a key the store refuses.

The row remembers a keyed digest of the token it grew from (`SF_REFRESH_TOKEN`): when a person
authorises the app again and sets a new `SF_REFRESH_TOKEN`, the digest differs and the new seed
wins over the stored chain.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session, sessionmaker

from app.errors import HandoffError
from app.store.models import StoredSecret

REFRESH_TOKEN = "salesforce_refresh_token"
_KDF_INFO = b"handoff stored secrets v1"

NO_KEY = (
    "refresh-token mode needs HANDOFF_SECRET_KEY: Salesforce may rotate the refresh token on "
    "every use, and the newest one must be kept (encrypted) in the store or the next run "
    "would send a dead token and get the whole token family revoked. Set HANDOFF_SECRET_KEY "
    "to 32 or more random characters (for example `openssl rand -base64 32`) and keep it"
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
        with self._sessions() as session:
            row = session.get(StoredSecret, REFRESH_TOKEN)
            if row is None or not hmac.compare_digest(row.seed_digest, self._digest(seed)):
                return seed
            try:
                return self._fernet.decrypt(row.ciphertext.encode()).decode()
            except InvalidToken:
                raise HandoffError(WRONG_KEY) from None

    def save(self, seed: str, token: str) -> None:
        """Keep `token` (encrypted) as the newest of `seed`'s chain; committed at once."""
        ciphertext = self._fernet.encrypt(token.encode()).decode()
        with self._sessions() as session:
            row = session.get(StoredSecret, REFRESH_TOKEN)
            if row is None:
                row = StoredSecret(name=REFRESH_TOKEN)
                session.add(row)
            row.seed_digest = self._digest(seed)
            row.ciphertext = ciphertext
            row.updated_at = datetime.now(UTC)
            session.commit()
