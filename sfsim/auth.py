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
        # Refresh token -> (user, family); a rotated-out token stays known as dead in its family.
        self._refresh: dict[str, tuple[str, str]] = {}
        self._dead: dict[str, str] = {}
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

    def issue_refresh(self, user_id: str, family: str | None = None) -> str:
        """A refresh token, as the web-server flow would have granted once (a new family)."""
        token = "5Aep" + secrets.token_urlsafe(40)
        self._refresh[token] = (user_id, family or secrets.token_hex(8))
        return token

    def refresh_user(self, token: str) -> str | None:
        """The user a refresh token was granted to, or None if unknown or revoked."""
        known = self._refresh.get(token)
        return known[0] if known else None

    def rotate(self, token: str) -> str | None:
        """Refresh Token Rotation: a new token of the same family for a live one (which dies).

        Presenting a token that was already rotated out revokes its whole family, as Salesforce
        does when a stolen or stale token is replayed; None then, and for an unknown token.
        """
        known = self._refresh.pop(token, None)
        if known is None:
            family = self._dead.get(token)
            if family is not None:
                self.revoke_family(family)
            return None
        self._dead[token] = known[1]
        return self.issue_refresh(*known)

    def revoke_family(self, family: str) -> None:
        """Every refresh token of the family stops working."""
        for token, (_user, owner) in list(self._refresh.items()):
            if owner == family:
                del self._refresh[token]

    def family_alive(self, token: str) -> bool:
        """True while `token` (live or rotated out) belongs to a family with a live token."""
        family = (self._refresh.get(token) or (None, self._dead.get(token)))[1]
        return family is not None and any(f == family for _u, f in self._refresh.values())

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
