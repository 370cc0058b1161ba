"""The YAML reader (YAML 1.2, lines, zero-padded numbers) and Salesforce Id checks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rules.ids import QUEUE_PREFIX, USER_PREFIX, id_problem, to18
from rules.yaml_source import YamlSyntaxError, line_of, load


def test_yaml_1_2_scalars_keep_their_written_meaning() -> None:
    data, _ = load(
        "a: NO\nb: on\nc: 0012\nd: 12\ne: -007\nf: 0\ng: yes\nh: 2026-01-31\n"
        "i: 2026-01-31T10:00:00Z\nj: 1.5\nk: ~\nl: true\nm: '0012'\n"
    )
    assert data == {
        "a": "NO", "b": "on", "c": "0012", "d": 12, "e": "-007", "f": 0, "g": "yes",
        "h": date(2026, 1, 31), "i": datetime(2026, 1, 31, 10, tzinfo=UTC), "j": 1.5, "k": None,
        "l": True, "m": "0012",
    }  # fmt: skip
    assert type(data["d"]) is int
    assert type(data["j"]) is float


def test_every_key_and_item_has_its_line() -> None:
    _, lines = load("top:\n  list:\n    - one\n    - {k: v}\nother: 1\n")
    assert lines[("top",)] == 1
    assert lines[("top", "list")] == 2
    assert lines[("top", "list", 0)] == 3
    assert lines[("top", "list", 1, "k")] == 4
    assert lines[("other",)] == 5
    assert line_of(lines, ("top", "list", 1, "missing")) == 4
    assert line_of(lines, ("nowhere",)) == 1


def test_a_syntax_error_carries_its_line() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        load("a: 1\nb: [1, 2\nc: 3\n")
    assert caught.value.issue.line == 3
    assert caught.value.issue.message.startswith("not valid YAML: ")


def test_to18_adds_the_case_checksum() -> None:
    assert to18("005000000000001") == "005000000000001AAA"
    assert to18("00G000000000001") == "00G000000000001EAA"
    assert to18("0055g00000AbCdE") == "0055g00000AbCdEAAV"  # the identity URL's user Id
    assert to18("0055g00000AbCdEAAV") == "0055g00000AbCdEAAV"


@pytest.mark.parametrize(
    ("value", "prefixes", "problem"),
    [
        ("005000000000001", (USER_PREFIX,), None),
        ("005000000000001AAA", (USER_PREFIX,), None),
        ("00G000000000001EAA", (USER_PREFIX, QUEUE_PREFIX), None),
        ("00G000000000001EAA", (USER_PREFIX,),
         "'00G000000000001EAA' is not a user (005) Id (those start with 005)"),
        ("005000000000001AAB", (USER_PREFIX,),
         "'005000000000001AAB' has a wrong checksum; its first 15 characters give "
         "'005000000000001AAA'"),
        ("005-00000000001", (USER_PREFIX,),
         "'005-00000000001' is not a 15 or 18 character Salesforce Id of a user (005)"),
        ("0050000000000011", (USER_PREFIX,),
         "'0050000000000011' is not a 15 or 18 character Salesforce Id of a user (005)"),
        (5, (USER_PREFIX,), "5 is not a 15 or 18 character Salesforce Id of a user (005)"),
    ],
)  # fmt: skip
def test_id_problems(value: object, prefixes: tuple[str, ...], problem: str | None) -> None:
    assert id_problem(value, prefixes) == problem
