"""Every operator against the SPEC's semantics: blanks, missing fields, case, types."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules.operators import compile_condition

MISSING = object()


def check(op: str, value: Any, lead_value: Any, multi_select: bool | None = None) -> bool:
    predicate = compile_condition("F", op, value, multi_select)
    fields = {} if lead_value is MISSING else {"F": lead_value}
    return predicate(fields)


@pytest.mark.parametrize(
    ("op", "value", "lead_value", "expected"),
    [
        # eq: text ignores case; blanks and other types never match
        ("eq", "US", "us", True),
        ("eq", "US", "USA", False),
        ("eq", "US", "", False),
        ("eq", "US", None, False),
        ("eq", "US", MISSING, False),
        ("eq", "0012", "0012", True),
        ("eq", "0012", 12, False),
        ("eq", 100, 100, True),
        ("eq", 100, 100.0, True),
        ("eq", 100, "100", True),  # numbers held in strings
        ("eq", 100, " 100.0 ", True),
        ("eq", 100, "abc", False),
        ("eq", 1, True, False),  # a boolean is not a number
        ("eq", True, True, True),
        ("eq", True, False, False),
        ("eq", True, "TRUE", True),
        ("eq", True, 1, False),
        ("eq", False, None, False),
        ("eq", date(2026, 1, 31), "2026-01-31", True),
        ("eq", date(2026, 1, 31), "2026-01-31T23:59:59.000+0000", True),
        ("eq", date(2026, 1, 31), "2026-02-01", False),
        # ne is the exact negation of eq: blanks match
        ("ne", "US", "us", False),
        ("ne", "US", "Canada", True),
        ("ne", "US", "", True),
        ("ne", "US", None, True),
        ("ne", "US", MISSING, True),
        ("ne", 100, "100", False),
        ("ne", True, False, True),
        # in / not_in
        ("in", ["US", "USA"], "usa", True),
        ("in", ["US", "USA"], "Canada", False),
        ("in", ["US", "USA"], None, False),
        ("in", ["US", "USA"], "", False),
        ("in", [1, 2], "2", True),
        ("in", [1, 2], 2.0, True),
        ("in", [1, 2], True, False),  # True == 1 in Python, not here
        ("in", [True], True, True),
        ("in", [True], 1, False),
        ("in", [False, "x"], "false", True),
        ("not_in", ["US", "USA"], "usa", False),
        ("not_in", ["US", "USA"], "Canada", True),
        ("not_in", ["US", "USA"], None, True),
        ("not_in", ["US", "USA"], MISSING, True),
        ("not_in", ["US", "USA"], "   ", True),
        # ordering, numbers in strings, blanks never
        ("gt", 100, 101, True),
        ("gt", 100, 100, False),
        ("gt", 100, 100.00000000000001, True),  # the next double above 100
        ("lt", 3, 2.9999999999999996, True),  # the next double below 3
        ("lt", 3, 3.0, False),
        ("gt", 0.1, 0.1, False),
        ("gte", 100, 100, True),
        ("gte", 100, "150", True),
        ("gte", 100, "1e3", True),
        ("gte", 100, "lots", False),
        ("gte", 100, None, False),
        ("gte", 100, "", False),
        ("gte", 100, MISSING, False),
        ("gte", 0, False, False),
        ("gte", 0, "nan", False),
        ("lt", 3, 2.5, True),
        ("lt", 3, 3, False),
        ("lte", 3, 3, True),
        ("lte", -1, -1.5, True),
        ("gte", date(2026, 1, 1), "2026-01-01", True),
        ("gte", date(2026, 1, 1), "2025-12-31T23:59:59.000+0000", False),
        ("lte", date(2026, 1, 31), "2026-01-31T23:00:00.000+0000", True),
        ("lt", date(2026, 1, 31), "2026-01-31", False),
        ("gt", date(2026, 1, 1), "not a date", False),
        ("gt", date(2026, 1, 1), 20260102, False),
        ("gte", "2026-01-01T12:00:00Z", "2026-01-01T12:00:00.000+0000", True),
        ("gte", "2026-01-01T12:00:00Z", "2026-01-01T11:59:59.000+0000", False),
        # between is inclusive at both ends
        ("between", [10, 20], 10, True),
        ("between", [10, 20], 20, True),
        ("between", [10, 20], "15", True),
        ("between", [10, 20], 20.01, False),
        ("between", [10, 20], 9, False),
        ("between", [10, 20], None, False),
        ("between", [date(2026, 1, 1), date(2026, 1, 31)], "2026-01-31", True),
        ("between", [date(2026, 1, 1), date(2026, 1, 31)], "2026-02-01", False),
        # contains: text search, case ignored; multi-select tests elements
        ("contains", "sales", "VP of Sales", True),
        ("contains", "sales", "VP Marketing", False),
        ("contains", ["x", "ops"], "RevOps lead", True),
        ("contains", "sales", None, False),
        ("contains", "sales", "", False),
        ("contains", "1", 123, False),
        ("contains", "Analytics", "CRM;analytics", True),
        ("contains", "Analy", "CRM;Analytics", False),
        ("contains", "CRM", "CRM", True),
        # starts_with / ends_with
        ("starts_with", "vp", "VP Sales", True),
        ("starts_with", ["dir", "vp"], "Director", True),
        ("starts_with", "vp", "SVP", False),
        ("starts_with", "vp", None, False),
        ("ends_with", ["@gmail.com", "@yahoo.com"], "Jo@GMAIL.com", True),
        ("ends_with", "@gmail.com", "jo@acme.com", False),
        ("ends_with", "@gmail.com", MISSING, False),
        # matches: a regex search following its own flags
        ("matches", r"\b(vp|director)\b", "the director", True),
        ("matches", r"\b(vp|director)\b", "The Director", False),
        ("matches", r"(?i)\b(vp|director)\b", "The Director", True),
        ("matches", r"^\d{5}$", "02139", True),
        ("matches", r".*", "", False),  # a blank never matches
        ("matches", r".*", None, False),
        ("matches", r"^$", "  ", False),
        ("matches", r"1", 1, False),
        # exists / missing
        ("exists", None, "x", True),
        ("exists", None, 0, True),
        ("exists", None, False, True),
        ("exists", None, "", False),
        ("exists", None, "  ", False),
        ("exists", None, None, False),
        ("exists", None, MISSING, False),
        ("missing", None, "", True),
        ("missing", None, None, True),
        ("missing", None, MISSING, True),
        ("missing", None, "x", False),
        ("missing", None, 0, False),
    ],
)
def test_operator_semantics(op: str, value: Any, lead_value: Any, expected: bool) -> None:
    assert check(op, value, lead_value) is expected


def test_contains_follows_the_org_field_type_when_known() -> None:
    # A known multi-select tests elements even without a ';' in the value...
    assert check("contains", "Analy", "Analytics", multi_select=True) is False
    assert check("contains", "analytics", "Analytics", multi_select=True) is True
    # ...and a known text field searches text even with one.
    assert check("contains", "Analy", "CRM;Analytics", multi_select=False) is True


@pytest.mark.parametrize("lead_value", ["x", "", None, MISSING, 5, True])
@pytest.mark.parametrize(
    ("positive", "negative", "value"), [("eq", "ne", "x"), ("in", "not_in", ["x", 5])]
)
def test_negations_are_exact(positive: str, negative: str, value: Any, lead_value: Any) -> None:
    assert check(positive, value, lead_value) is not check(negative, value, lead_value)
