"""Record ids: Salesforce's checksum, key prefixes, and the row number they carry."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sfsim import ids


def reference_to18(id15: str) -> str:
    """The 15-to-18 conversion as the Salesforce reference spells it."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += alphabet[bits]
    return id15 + suffix


PREFIXES = st.sampled_from(["00Q", "005", "00G", "006", "00T", "00U", "001", "003", "017"])


@given(prefix=PREFIXES, number=st.integers(min_value=0, max_value=62**7))
def test_ids_carry_their_row_and_a_correct_checksum(prefix: str, number: int) -> None:
    made = ids.make_id(prefix, number)
    assert len(made) == 18
    assert made.startswith(prefix)
    assert made == reference_to18(made[:15])
    assert ids.number_of(made, prefix) == number
    assert ids.number_of(made[:15], prefix) == number
    assert ids.number_of_known(made) == number


@given(number=st.integers(min_value=0, max_value=10**6))
def test_string_order_is_creation_order(number: int) -> None:
    assert ids.make_id("00Q", number) < ids.make_id("00Q", number + 1)


def test_malformed_and_foreign_ids_are_not_rows() -> None:
    lead = ids.make_id("00Q", 41)
    assert ids.number_of(lead, "005") is None
    assert ids.number_of(lead[:-1] + ("A" if lead[-1] != "A" else "B"), "00Q") is None
    assert not ids.is_well_formed("00Q-not-an-id")
    assert not ids.is_well_formed(12345)
    assert ids.to18(lead[:15]) == lead
