"""Keyset cursors: opaque to clients, a JSON list of the last row's sort key inside.

Keyset rather than offset paging, so a page costs the same however deep it is and rows added
meanwhile neither repeat nor vanish. A cursor that does not decode is a 422 on `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from app.api.errors import invalid

T = TypeVar("T")

_MAX_ID = 2**63 - 1  # the largest BIGINT

LimitQuery = Annotated[
    int, Query(ge=1, le=1000, description="items per page (1 to 1000)", examples=[100])
]
CursorQuery = Annotated[
    str | None,
    Query(description="`next_cursor` of the previous page", max_length=512, examples=[None]),
]


class Page(BaseModel, Generic[T]):
    """One page of a list; `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(*values: Any) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The values of `cursor`, or a 422 on `cursor` if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid("cursor", "not a cursor returned by this API") from None
    if not isinstance(values, list) or len(values) != arity:
        raise invalid("cursor", "not a cursor returned by this API")
    return values


def cursor_int(value: Any) -> int:
    """A whole number a cursor carries (a row id, a rank), within what the database stores.

    JSON's `true` is no number here, and `2**80` is none a database column holds: both are a
    422 on `cursor`, never a TypeError or an overflow in the driver.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_ID:
        raise invalid("cursor", "not a cursor returned by this API")
    return value


def decode_id_cursor(cursor: str) -> int:
    """The row id of a cursor made by `encode_cursor(id)`."""
    (value,) = decode_cursor(cursor, 1)
    return cursor_int(value)
