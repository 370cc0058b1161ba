"""Rules files are data, never a program: aliases, merge keys, foreign tags, deep nesting and
oversized files are refused with a placed error, fast and without building what they describe."""

from __future__ import annotations

import tracemalloc

import pytest

from rules import RulesInvalid, check_text, format_issues, parse_rules
from rules.yaml_limits import MAX_DEPTH, MAX_ITEMS, MAX_RULES_BYTES
from tests.rules.samples import RULES


def problems(text: str) -> list[str]:
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(text)
    return format_issues(caught.value.issues, "rules.yaml")


def alias_bomb(levels: int = 7, fan_out: int = 9) -> str:
    """The reported 340-byte file: each level lists the previous one `fan_out` times."""
    lines = [f"a0: &a0 [{','.join(['x'] * fan_out)}]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{','.join([f'*a{level - 1}'] * fan_out)}]")
    return "\n".join(lines) + "\n"


def peak_bytes_of(text: str) -> int:
    """The memory parsing `text` takes at its peak, measured in this process."""
    tracemalloc.start()
    try:
        with pytest.raises(RulesInvalid):
            parse_rules(text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_alias_bomb_is_refused_at_its_first_anchor_with_memory_bounded() -> None:
    bomb = alias_bomb()
    assert len(bomb) <= 350
    assert problems(bomb) == ["rules.yaml:1: aliases are not allowed in rules files"]
    assert peak_bytes_of(bomb) < 2_000_000


def test_an_alias_is_refused_on_its_own_line() -> None:
    text = RULES.replace("sla:", "x: *somewhere\nsla:") if "sla:" in RULES else RULES + "x: *a\n"
    line = text.splitlines().index(next(ln for ln in text.splitlines() if "*" in ln)) + 1
    assert problems(text) == [f"rules.yaml:{line}: aliases are not allowed in rules files"]


def test_a_merge_key_is_refused_not_a_crash() -> None:
    text = RULES + "sla:\n  <<: {first_touch_hours: 24}\n"
    last = len(text.splitlines())
    assert problems(text) == [f"rules.yaml:{last}: merge keys (<<) are not allowed in rules files"]


def test_a_quoted_double_angle_key_is_only_an_unknown_key() -> None:
    found = problems(RULES + 'sla:\n  "<<": 1\n')
    assert any("unknown key '<<'" in line for line in found)


@pytest.mark.parametrize(
    ("deep", "line"),
    [
        ("fit: " + "[" * 1000 + "]" * 1000, 2),
        ("fit: " + "[a, " * 1000 + "]" * 1000, 2),
        ("fit:\n" + "".join(" " * i + "- \n" for i in range(200)), 18),
    ],
    ids=["flow", "flow-with-items", "block"],
)
def test_nesting_a_thousand_deep_is_refused_with_its_line(deep: str, line: int) -> None:
    found = problems("version: 1\n" + deep + "\n")
    assert found == [
        f"rules.yaml:{line}: nested more than 16 levels deep; a rules file needs far fewer"
    ]


def test_the_limit_is_above_what_a_real_file_nests() -> None:
    parse_rules(RULES)  # a route's condition's list of values is the deepest a file goes
    assert MAX_DEPTH >= 8


@pytest.mark.parametrize(
    "tagged",
    [
        '!!python/object/apply:os.system ["echo hi"]',
        "!!python/name:os.system",
        "!custom {a: 1}",
        "!!binary aGk=",
    ],
)
def test_only_the_core_schema_tags_are_allowed(tagged: str) -> None:
    found = problems(f"version: 1\nfit: {tagged}\n")
    assert len(found) == 1
    assert found[0].startswith("rules.yaml:2: the tag ")
    assert found[0].endswith(" is not allowed in rules files")


def test_the_core_schema_tags_still_work() -> None:
    ruleset = parse_rules(RULES.replace("version: 7", "version: !!str 7"))
    assert ruleset.version == "7"


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed() -> None:
    rule = '  - {field: Title, op: eq, value: "chief executive officer", points: 1}\n'
    text = RULES.replace("fit:\n", "fit:\n" + rule * (MAX_RULES_BYTES // len(rule) + 1))
    found = problems(text)
    assert len(found) == 1
    assert "a rules file holds at most 262144" in found[0]
    assert peak_bytes_of(text) < 4 * len(text) + 1_000_000


def test_a_section_over_the_item_limit_is_refused_at_the_item_that_breaks_it() -> None:
    rule = "  - {field: Title, op: eq, value: x, points: 1}\n"
    text = RULES.replace("fit:\n", "fit:\n" + rule * MAX_ITEMS)
    first_fit = text.splitlines().index("fit:") + 1
    assert problems(text) == [
        f"rules.yaml:{first_fit + MAX_ITEMS + 1}: more than 2000 items in a list; "
        "a rules file holds at most that"
    ]


def test_a_section_at_the_item_limit_parses() -> None:
    rule = "  - {field: Title, op: eq, value: x, points: 1}\n"
    text = RULES.replace("fit:\n", "fit:\n" + rule * (MAX_ITEMS - 3))
    assert len(parse_rules(text).fit) == MAX_ITEMS


def test_nested_quantifiers_are_a_warning_from_rules_check() -> None:
    text = RULES.replace('"(?i)\\\\b(vp|director)\\\\b"', '"(a+)+$"')
    result = check_text(text, "rules.yaml")
    assert result.ok
    line = text.splitlines().index(next(ln for ln in text.splitlines() if "(a+)+" in ln)) + 1
    assert result.lines[0].startswith(f"rules.yaml:{line}: fit[1].value: warning: '(a+)+$' nests")
    assert result.lines[-1].startswith("rules.yaml: OK")


def test_a_plain_pattern_gets_no_warning() -> None:
    assert len(check_text(RULES, "rules.yaml").lines) == 1
