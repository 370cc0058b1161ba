"""SOQL text built from values by quoting, never by pasting them into strings.

`format_soql` (simple-salesforce's) quotes and escapes every value it is given; the helpers
here add what a sync needs on top: UTC datetime literals and `IN` lists split so that no
request URL passes Salesforce's 16,384-byte cap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from simple_salesforce.format import format_soql, quote_soql_value

__all__ = ["URL_LIMIT", "format_soql", "in_list_queries", "soql_datetime"]

URL_LIMIT = 16_384
"""Salesforce answers 414 when the request URL is longer than this many bytes."""

_PLACEHOLDER = "{ids}"


def soql_datetime(moment: datetime) -> str:
    """A SOQL datetime literal in UTC (`2026-10-01T00:00:00Z`); naive datetimes are refused.

    A naive datetime has no single meaning across the app, the database and the org, so a
    guess here would shift a sync window by hours without anyone noticing.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: give SOQL an aware datetime (for example in UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_list_queries(
    template: str,
    values: Iterable[str],
    *,
    measure: Callable[[str], int],
    limit: int = URL_LIMIT,
    **format_kwargs: Any,
) -> Iterator[str]:
    """One SOQL text per chunk of `values`, each filling `IN {ids}` as far as `limit` allows.

    `measure(soql)` is the length in bytes of the request URL that would carry `soql`.
    URL encoding works character by character, so a value's share of the URL is the same
    wherever it lands and chunks can be filled greedily without re-encoding each candidate.
    """
    if template.count(_PLACEHOLDER) != 1:
        raise ValueError("the template needs exactly one {ids} placeholder, used as IN {ids}")
    empty = measure("")
    base = measure(format_soql(template, ids=[], **format_kwargs))
    comma = measure(",") - empty
    chunk: list[str] = []
    size = base
    for value in values:
        cost = measure(quote_soql_value(value)) - empty
        if chunk and size + comma + cost > limit:
            yield _checked(template, chunk, measure, limit, format_kwargs)
            chunk, size = [], base
        if base + cost > limit:
            raise ValueError("one IN value alone makes the URL longer than the limit")
        size += cost + (comma if chunk else 0)
        chunk.append(value)
    if chunk:
        yield _checked(template, chunk, measure, limit, format_kwargs)


def _checked(
    template: str,
    chunk: list[str],
    measure: Callable[[str], int],
    limit: int,
    format_kwargs: dict[str, Any],
) -> str:
    soql = format_soql(template, ids=chunk, **format_kwargs)
    if measure(soql) > limit:  # the additivity above failed: refuse rather than send a 414
        raise AssertionError("IN-list chunk exceeds the URL limit")
    return soql
