"""Access tokens, the connected app's credentials and refresh tokens.

Tokens are random; nothing here is printed or put in a repr.
"""

from __future__ import annotations

import secrets


class Auth:
    """Who each live token belongs to, and the app credentials the token endpoint accepts."""

    def __init__(self, org_id: str) -> None:
        self._org_prefix = org_id[:15]
        self._tokens: dict[str, str] = {}
        self._refresh: dict[str, str] = {}
        self.consumer_key = "3MVG9sim" + secrets.token_urlsafe(24)
        self.consumer_secret = secrets.token_hex(16)
        self.jwt_public_key: str | None = None
        self._passwords: dict[str, tuple[str, str]] = {}

    def __repr__(self) -> str:
        return f"Auth(tokens={len(self._tokens)})"

    def issue(self, user_id: str) -> str:
        """A new access token for a user (old ones stay valid until revoked)."""
        token = f"{self._org_prefix}!AQ{secrets.token_urlsafe(48)}"
        self._tokens[token] = user_id
        return token

    def user_for(self, token: str) -> str | None:
        """The user behind a live token, or None."""
        return self._tokens.get(token)

    def revoke_all(self) -> None:
        """Expire every access token (sessions time out; refresh tokens survive)."""
        self._tokens.clear()

    def issue_refresh(self, user_id: str) -> str:
        """A refresh token, as the web-server flow would have granted once."""
        token = "5Aep" + secrets.token_urlsafe(40)
        self._refresh[token] = user_id
        return token

    def refresh_user(self, token: str) -> str | None:
        """The user a refresh token was granted to, or None if unknown or revoked."""
        return self._refresh.get(token)

    def set_password(self, username: str, user_id: str, password_and_token: str) -> None:
        """Let a user log in with SOAP `login()` (password with the security token appended)."""
        self._passwords[username] = (user_id, password_and_token)

    def password_user(self, username: str, password_and_token: str) -> str | None:
        """The user a SOAP login names, if the password and token match."""
        known = self._passwords.get(username)
        if known is None or not secrets.compare_digest(known[1], password_and_token):
            return None
        return known[0]

    def client_ok(self, key: str | None, secret: str | None) -> bool:
        """True for the connected app's consumer key and secret."""
        return (
            key is not None
            and secret is not None
            and secrets.compare_digest(key, self.consumer_key)
            and secrets.compare_digest(secret, self.consumer_secret)
        )
