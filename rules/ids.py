"""Salesforce record Ids as the rules file names them (users `005`, queues `00G`).

15-character Ids are case-sensitive and 18-character ones carry a checksum of the case, so a
mistyped 18-character Id is caught here instead of silently never matching an owner. Everything
inside this package compares the 18-character form.
"""

from __future__ import annotations

import re

USER_PREFIX = "005"
QUEUE_PREFIX = "00G"

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_KIND = {USER_PREFIX: "user (005)", QUEUE_PREFIX: "queue (00G)"}
_SHAPE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-5]{3})?")


def _checksum(id15: str) -> str:
    suffix = ""
    for start in (0, 5, 10):
        chunk = id15[start : start + 5]
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _ALPHABET[bits]
    return suffix


def to18(record_id: str) -> str:
    """The 18-character form of a well-formed Id (see `id_problem`); 18-character Ids pass as is."""
    if len(record_id) == 18:
        return record_id
    return record_id + _checksum(record_id)


def id_problem(value: object, prefixes: tuple[str, ...]) -> str | None:
    """Why `value` is not a usable Id with one of `prefixes`, or None when it is."""
    kinds = " or ".join(_KIND[prefix] for prefix in prefixes)
    if not isinstance(value, str) or not _SHAPE.fullmatch(value):
        return f"{value!r} is not a 15 or 18 character Salesforce Id of a {kinds}"
    if value[:3] not in prefixes:
        return f"{value!r} is not a {kinds} Id (those start with {' or '.join(prefixes)})"
    if len(value) == 18 and value[15:] != _checksum(value[:15]):
        expected = value[:15] + _checksum(value[:15])
        return f"{value!r} has a wrong checksum; its first 15 characters give {expected!r}"
    return None


def is_queue(record_id: str) -> bool:
    """Queues own leads but are never capped and never count as a keepable owner."""
    return record_id.startswith(QUEUE_PREFIX)
