"""What every auth mode produces (a token, an identity) and where each mode logs in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

import httpx

_NAMED_HOSTS = {"login": "https://login.salesforce.com", "test": "https://test.salesforce.com"}
_BARE_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def id18(record_id: str) -> str:
    """The 18-character form of a Salesforce Id given in 15 or 18 characters.

    Salesforce shows 15-character, case-sensitive Ids in some places (the token answer's `id`
    URL of some orgs, UI links); the three extra characters encode the case of the first 15,
    so the 18-character form is safe to compare and store anywhere.
    """
    if not _ID.match(record_id):
        raise ValueError("not a Salesforce Id (15 or 18 letters and digits): " + repr(record_id))
    if len(record_id) == 18:
        return record_id
    suffix = ""
    for start in (0, 5, 10):
        chunk = record_id[start : start + 5]
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _CHECKSUM_ALPHABET[bits]
    return record_id + suffix


def login_url(domain: str) -> str:
    """The login host for `SF_DOMAIN`: `login`, `test`, a My Domain, or a full URL.

    `acme.my`, `acme.my.salesforce.com` and `https://acme.my.salesforce.com` all mean the same
    org. A full `http(s)://` address keeps its scheme, host and port (and drops any path), so
    a simulated org on loopback works like a real one.
    """
    text = domain.strip().rstrip("/").lower()
    if text in _NAMED_HOSTS:
        return _NAMED_HOSTS[text]
    if text.startswith(("https://", "http://")):
        parts = urlsplit(text)
        if not parts.hostname:
            raise ValueError("SF_DOMAIN: no host in " + repr(domain))
        return parts.scheme + "://" + parts.netloc.rsplit("@", 1)[-1]
    if not _BARE_HOST.match(text):
        raise ValueError(
            "SF_DOMAIN must be login, test, a My Domain like acme.my or acme.my.salesforce.com, "
            "or an https:// address; got " + repr(domain)
        )
    host = text if text.endswith(".salesforce.com") else text + ".salesforce.com"
    return "https://" + host


def public_repr(obj: object, *names: str) -> str:
    """A repr built only from the named public attributes, so no secret can slip into it."""
    shown = ", ".join(name + "=" + repr(getattr(obj, name)) for name in names)
    return type(obj).__name__ + "(" + shown + ")"


def is_my_domain(url: str) -> bool:
    """False for the shared login hosts, which some flows (client credentials) refuse."""
    return url not in _NAMED_HOSTS.values()


@dataclass(frozen=True, slots=True)
class Token:
    """An access token and the instance it is good for; the token never shows in a repr."""

    access_token: str = field(repr=False)
    instance_url: str
    identity_url: str | None
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the session is: the org and the integration user (18-character Ids)."""

    org_id: str
    user_id: str
    username: str | None = None


def identity_from_url(identity_url: str) -> Identity:
    """Org and user from an OAuth `id` URL (`.../id/<orgId>/<userId>`), without a call.

    Either Id may come in 15 characters; both are returned in 18.
    """
    segments = urlsplit(identity_url).path.rstrip("/").split("/")
    if len(segments) < 3 or not all(_ID.match(s) for s in segments[-2:]):
        raise ValueError("not a Salesforce identity URL: " + repr(identity_url))
    return Identity(org_id=id18(segments[-2]), user_id=id18(segments[-1]))


class Authenticator(Protocol):
    """One auth mode: how to get a token, and whether getting another one later can work."""

    @property
    def can_refresh(self) -> bool:
        """True when `authenticate` can be called again to replace an expired token."""
        ...

    def authenticate(self, http: httpx.Client) -> Token:
        """A fresh token; raises `AuthenticationError` (or `Unavailable`) on failure."""
        ...
