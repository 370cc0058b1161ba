"""Dashboard sign-in: an API key exchanged once for a signed session cookie.

A browser cannot send `Authorization` headers on its own, and a key must never sit in a URL or a
page. So the sign-in form posts the key once; the answer is a cookie signed with
`HANDOFF_SECRET_KEY` (itsdangerous, timestamped) that holds the role, a fingerprint of the key
(an HMAC of it, never the key) and the CSRF token of the session. Each request re-checks the
fingerprint against `HANDOFF_API_KEYS`, so removing a key from the settings ends its sessions.

The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it) and
Secure when the request came over HTTPS. Forms that change something carry the CSRF token, which
must equal the session's.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.settings import Role, Settings

log = logging.getLogger("handoff.ui")

COOKIE_NAME = "handoff_session"
COOKIE_PATH = "/ui"
# A working day and then some: RevOps signs in in the morning, not every hour.
MAX_AGE_SECONDS = 12 * 3600
_SALT = "handoff.ui.session"


@dataclass(frozen=True)
class UiSession:
    """Who is signed in: the key's role and the token their forms must carry."""

    role: Role
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class SessionSigner:
    """Issues and reads session cookies for the keys configured in `settings`."""

    def __init__(self, settings: Settings) -> None:
        if settings.secret_key is not None:
            secret = settings.secret_key.get_secret_value()
        else:
            log.warning(
                "HANDOFF_SECRET_KEY is not set: dashboard sign-ins last until the service restarts"
            )
            secret = secrets.token_urlsafe(32)
        self._secret = secret.encode()
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self._settings = settings

    def _fingerprint(self, key: str) -> str:
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, key: str, role: Role) -> str:
        """The cookie value for a session of `key` (already checked to have `role`)."""
        payload = {"r": role.value, "k": self._fingerprint(key), "c": secrets.token_urlsafe(32)}
        return self._serializer.dumps(payload)

    def read(self, cookie: str | None) -> UiSession | None:
        """The session in `cookie`; None when absent, forged, expired or its key was removed."""
        if not cookie:
            return None
        try:
            payload: Any = self._serializer.loads(cookie, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(payload, dict):
            return None
        role, fingerprint, token = (str(payload.get(name, "")) for name in ("r", "k", "c"))
        if not (role and fingerprint and token):
            return None
        found: Role | None = None
        for api_key in self._settings.api_keys:
            known = self._fingerprint(api_key.key.get_secret_value())
            if hmac.compare_digest(known, fingerprint) and api_key.role.value == role:
                found = api_key.role
        return UiSession(found, token) if found is not None else None


def csrf_matches(session: UiSession, presented: str | None) -> bool:
    """Whether a form's token is the session's, compared in constant time."""
    return presented is not None and hmac.compare_digest(
        session.csrf_token.encode(), presented.encode()
    )
