"""Salesforce-shaped record ids.

Ids are sequential per object: the row number is encoded in the id itself, so a table needs no
id-to-row dictionary (a million leads would otherwise cost a hundred megabytes of dict entries).
Base-62 digits in ASCII order keep string order equal to creation order, as in a real org.
"""

from __future__ import annotations

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DIGIT_VALUE = {ch: i for i, ch in enumerate(_DIGITS)}
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_POD = "5g0"
_WIDTH = 9


def checksum(id15: str) -> str:
    """The three characters that make a 15-char id safe in case-insensitive stores."""
    suffix = []
    for start in (0, 5, 10):
        bits = 0
        for i, ch in enumerate(id15[start : start + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix.append(_CHECKSUM_ALPHABET[bits])
    return "".join(suffix)


def to18(value: str) -> str:
    """Normalise a 15- or 18-char id to 18 chars (18-char input is returned unchanged)."""
    if len(value) == 18:
        return value
    return value + checksum(value)


_PAIRS = [a + b for a in _DIGITS for b in _DIGITS]
_PAIR_UPPER = [("A" <= p[0] <= "Z") | (("A" <= p[1] <= "Z") << 1) for p in _PAIRS]
_LOW = 62**5
_FOURTH = 62**4
_PREFIX_CHECK: dict[str, str] = {}


def _slow_id(prefix: str, n: int) -> str:
    digits = []
    for _ in range(_WIDTH):
        n, rem = divmod(n, 62)
        digits.append(_DIGITS[rem])
    id15 = prefix + _POD + "".join(reversed(digits))
    return id15 + checksum(id15)


def make_id(prefix: str, number: int) -> str:
    """The 18-char id of the `number`-th record (from 0) of the object with key `prefix`.

    Table lookups instead of a digit loop: ids are rendered for every row of every page.
    """
    n = number + 1
    if n >= _LOW or len(prefix) != 3:
        return _slow_id(prefix, n)
    head = _PREFIX_CHECK.get(prefix)
    if head is None:
        head = _PREFIX_CHECK[prefix] = checksum(prefix + _POD + "000000")[:2]
    top, rest = divmod(n, _FOURTH)
    first, second = divmod(rest, 3844)
    top_digit = _DIGITS[top]
    bits = ("A" <= top_digit <= "Z") | (_PAIR_UPPER[first] << 1) | (_PAIR_UPPER[second] << 3)
    return (
        f"{prefix}{_POD}0000{top_digit}{_PAIRS[first]}{_PAIRS[second]}"
        f"{head}{_CHECKSUM_ALPHABET[bits]}"
    )


_PAIR_VALUE = {pair: i for i, pair in enumerate(_PAIRS)}
_FAST_HEAD = _POD + "0000"


def number_of_known(value: str) -> int | None:
    """The record number of an id this org issued itself (stored references), unchecked.

    Rendering reads a lookup per row; skipping the checksum there is what keeps a page cheap.
    """
    if len(value) == 18 and value[3:10] == _FAST_HEAD:
        n = _DIGIT_VALUE[value[10]] * _FOURTH + _PAIR_VALUE[value[11:13]] * 3844
        return n + _PAIR_VALUE[value[13:15]] - 1
    return number_of(value, value[:3])


def is_well_formed(value: object) -> bool:
    """True for a 15- or 18-char alphanumeric string whose checksum (if any) is right."""
    if not isinstance(value, str) or len(value) not in (15, 18) or not value.isalnum():
        return False
    if not value.isascii():
        return False
    return len(value) == 15 or checksum(value[:15]).upper() == value[15:].upper()


def prefix_of(value: str) -> str:
    """The three-character key prefix of an id."""
    return value[:3]


def number_of(value: str, prefix: str) -> int | None:
    """The record number encoded in an id of this simulator, or None if it is not one."""
    if not is_well_formed(value) or value[:3] != prefix or value[3:6] != _POD:
        return None
    n = 0
    for ch in value[6:15]:
        n = n * 62 + _DIGIT_VALUE[ch]
    return n - 1 if n > 0 else None
