"""SOQL from values: quoting and escaping, UTC literals, IN lists under the URL cap."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sf_client.soql import format_soql, in_list_queries, soql_datetime


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("O'Brien", r"'O\'Brien'"),
        ("back\\slash", r"'back\\slash'"),
        ("two\nlines", r"'two\nlines'"),
        ('say "hi"', r"'say \"hi\"'"),
        ("tab\there\r", r"'tab\there\r'"),
    ],
)
def test_values_are_quoted_and_escaped(value: str, literal: str) -> None:
    assert format_soql("SELECT Id FROM Lead WHERE Company = {}", value) == (
        "SELECT Id FROM Lead WHERE Company = " + literal
    )


def test_like_values_escape_wildcards() -> None:
    soql = format_soql("SELECT Id FROM Lead WHERE Company LIKE '{:like}%'", "50%_off's")

    assert soql == r"SELECT Id FROM Lead WHERE Company LIKE '50\%\_off\'s%'"


def test_injection_stays_inside_the_literal() -> None:
    soql = format_soql("SELECT Id FROM Lead WHERE Email = {}", "x' OR Name != '")

    assert soql == r"SELECT Id FROM Lead WHERE Email = 'x\' OR Name != \''"


def test_datetime_literal_is_utc_without_quotes() -> None:
    moment = datetime(2026, 10, 1, 2, 30, 15, 999, tzinfo=timezone(timedelta(hours=2)))

    assert soql_datetime(moment) == "2026-10-01T00:30:15Z"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        soql_datetime(datetime(2026, 10, 1))


TEMPLATE = "SELECT Id FROM Lead WHERE Id IN {ids}"


def measure(soql: str) -> int:
    """A URL of 60 bytes before `q=`, encoded the way form values are."""
    return 60 + len(quote_plus(soql).encode())


def split_back(queries: list[str], values: list[str]) -> list[list[str]]:
    """The chunks the queries were made of, recovered by re-formatting prefixes of `values`."""
    chunks, start = [], 0
    for query in queries:
        size = next(
            n
            for n in range(1, len(values) - start + 1)
            if format_soql(TEMPLATE, ids=values[start : start + n]) == query
        )
        chunks.append(values[start : start + size])
        start += size
    assert start == len(values)
    return chunks


@given(
    st.lists(st.text(min_size=1, max_size=30), max_size=200, unique=True),
    st.integers(min_value=300, max_value=4000),
)
def test_chunks_cover_every_value_in_order_fit_and_are_full(values: list[str], limit: int) -> None:
    if any(measure(format_soql(TEMPLATE, ids=[v])) > limit for v in values):
        with pytest.raises(ValueError, match="limit"):
            list(in_list_queries(TEMPLATE, values, measure=measure, limit=limit))
        return

    queries = list(in_list_queries(TEMPLATE, values, measure=measure, limit=limit))
    chunks = split_back(queries, values)

    assert all(measure(q) <= limit for q in queries)
    for chunk, following in itertools.pairwise(chunks):
        assert measure(format_soql(TEMPLATE, ids=[*chunk, following[0]])) > limit


def test_template_needs_one_placeholder() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        list(in_list_queries("SELECT Id FROM Lead", ["a"], measure=len))
