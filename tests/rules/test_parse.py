"""Parsing: YAML 1.2, the model, the content hash, and every validation error with its line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rules import Issue, RulesInvalid, format_issues, parse_rules
from rules.model import AccountCondition, Condition, PoolMember
from rules.operators import OPERATORS
from tests.rules.samples import RULES


def errors_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(text)
    return [(issue.line, issue.place, issue.message) for issue in caught.value.issues]


def replaced(old: str, new: str) -> str:
    assert old in RULES
    return RULES.replace(old, new, 1)


def test_a_valid_file_parses_with_its_version_hash_and_fields() -> None:
    ruleset = parse_rules(RULES)
    assert ruleset.version == 7
    assert ruleset.content_hash == hashlib.sha256(RULES.encode()).hexdigest()
    assert ruleset.lead_fields == {
        "NumberOfEmployees", "Title", "Country", "LeadSource", "Website_Visits__c", "Company",
        "Email", "Phone",
    }  # fmt: skip
    assert ruleset.statuses.mql == "Marketing Qualified"
    assert ruleset.writeback.reason_field == "MQL_Reason__c"
    assert ruleset.sla.first_touch_hours == 24
    assert [rule.place for rule in ruleset.fit] == ["fit[0]", "fit[1]", "fit[2]"]


def test_any_edit_changes_the_hash_even_with_the_same_version() -> None:
    edited = parse_rules(RULES.replace("points: 30", "points: 31"))
    assert edited.version == parse_rules(RULES).version
    assert edited.content_hash != parse_rules(RULES).content_hash


def test_yaml_1_2_keeps_no_on_and_zero_padded_numbers_as_text() -> None:
    text = replaced(
        '  - {field: Country, op: in, value: ["US", "USA"], points: 10}',
        "  - {field: Country, op: in, value: [NO, on, 0012, 12], points: 10}",
    )
    value = parse_rules(text).model.fit[2].value
    assert value == ["NO", "on", "0012", 12]


def test_the_sample_file_in_the_repository_is_valid_and_shows_every_operator() -> None:
    sample = Path(__file__).parents[2] / "examples" / "rules.yaml"
    ruleset = parse_rules(sample.read_text())
    model = ruleset.model
    conditions = [*model.fit, *model.interest, *model.disqualify]
    conditions += [c for route in model.assignment.routes for c in route.when
                   if isinstance(c, Condition)]  # fmt: skip
    assert {c.op for c in conditions} == set(OPERATORS)
    accounts = [c for route in model.assignment.routes for c in route.when
                if isinstance(c, AccountCondition)]  # fmt: skip
    assert {type(c.account).__name__ for c in accounts} == {"str", "AccountFieldTest"}
    assert model.assignment.availability is not None
    assert any(isinstance(m, PoolMember) for r in model.assignment.routes for m in r.pool)
    assert ruleset.model.fit
    assert ruleset.model.disqualify
    assert ruleset.model.writeback.score_field


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "op: gte, value: 100, points: 30",
            "op: gte, value: abc, points: 30",
            (8, "fit[0].value", "'abc' is not a number (gte compares numbers or dates)"),
        ),
        (
            "op: gte, value: 100, points: 30",
            "op: greater, value: 100, points: 30",
            (
                8,
                "fit[0].op",
                "unknown operator 'greater'; use one of eq, ne, in, not_in, gt, gte, "
                "lt, lte, between, contains, starts_with, ends_with, matches, exists, missing",
            ),
        ),
        (
            'value: "(?i)\\\\b(vp|director)\\\\b"',
            'value: "(vp"',
            (
                9,
                "fit[1].value",
                "bad regex '(vp': missing )",
            ),
        ),
        (
            'op: in, value: ["US", "USA"], points: 10',
            'op: in, value: "US", points: 10',
            (10, "fit[2].value", "in needs a list of one or more values, such as [US, Canada]"),
        ),
        (
            'op: in, value: ["US", "USA"], points: 10',
            'op: in, value: ["US", [1]], points: 10',
            (10, "fit[2].value[1]", "[1] is not text, a number or true/false"),
        ),
        (
            "op: eq, value: Webinar, points: 25",
            'op: eq, value: "", points: 25',
            (
                12,
                "interest[0].value",
                "empty text never matches; use missing to test for a blank field",
            ),
        ),
        (
            "op: eq, value: Webinar, points: 25",
            "op: eq, value: [a, b], points: 25",
            (12, "interest[0].value", "eq compares one value; use in or not_in for a list"),
        ),
        (
            "op: eq, value: Webinar, points: 25",
            "op: exists, value: Webinar, points: 25",
            (12, "interest[0].value", "exists takes no value"),
        ),
        (
            "op: eq, value: Webinar, points: 25",
            "op: eq, points: 25",
            (12, "interest[0].value", "eq needs a value"),
        ),
        (
            "op: gte, value: 3, points: 15",
            "op: between, value: [5, 3], points: 15",
            (13, "interest[1].value", "low 5 is above high 3; nothing can match"),
        ),
        (
            "op: gte, value: 3, points: 15",
            "op: between, value: [5], points: 15",
            (13, "interest[1].value", "between needs a list of two values, [low, high]"),
        ),
        (
            "op: gte, value: 3, points: 15",
            "op: between, value: [1, 2026-01-01], points: 15",
            (13, "interest[1].value", "between needs two numbers or two dates, not one of each"),
        ),
        (
            "op: starts_with, value: Test, points: -40",
            "op: starts_with, value: 5, points: -40",
            (14, "interest[2].value", "5 is not text (starts_with compares text)"),
        ),
        (
            "field: Company, op: starts_with",
            "field: Company Name, op: starts_with",
            (
                14,
                "interest[2].field",
                "'Company Name' is not a field API name (like Title or Score__c)",
            ),
        ),
        (
            "points: -40",
            'points: "-40"',
            (14, "interest[2].points", "'-40' is not a whole number"),
        ),
        (
            'eligible_from: ["Open - Not Contacted", "Nurturing"]',
            'eligible_from: ["Open - Not Contacted", "marketing qualified"]',
            (4, "statuses.eligible_from[1]", "'marketing qualified' is the MQL status itself"),
        ),
        (
            "thresholds: {fit: 40, interest: 25}",
            "thresholds: {fit: 61, interest: 25}",
            (15, "thresholds.fit", "61 cannot be reached: the fit rules add up to at most 60"),
        ),
        (
            "thresholds: {fit: 40, interest: 25}",
            "thresholds: {fit: 40, interest: 41}",
            (
                15,
                "thresholds.interest",
                "41 cannot be reached: the interest rules add up to at most 40",
            ),
        ),
        (
            'pool: ["00G000000000001EAA"]',
            "pool: []",
            (26, "assignment.routes[1].pool", "pool is empty: name at least one user or queue"),
        ),
        (
            'pool: ["00G000000000001EAA"]',
            'pool: ["00G000000000001AAA"]',
            (
                26,
                "assignment.routes[1].pool[0]",
                "'00G000000000001AAA' has a wrong checksum; its first 15 characters give "
                "'00G000000000001EAA'",
            ),
        ),
        (
            'pool: ["00G000000000001EAA"]',
            'pool: ["00Q000000000001EAA"]',
            (
                26,
                "assignment.routes[1].pool[0]",
                "'00Q000000000001EAA' is not a user (005) or queue (00G) Id "
                "(those start with 005 or 00G)",
            ),
        ),
        (
            'pool: ["00G000000000001EAA"]',
            'pool: ["00G00000000001"]',
            (
                26,
                "assignment.routes[1].pool[0]",
                "'00G00000000001' is not a 15 or 18 character Salesforce Id of a user (005) or "
                "queue (00G)",
            ),
        ),
        (
            'pool: ["00G000000000001EAA"]',
            'pool: ["00G000000000001", "00G000000000001EAA"]',
            (26, "assignment.routes[1].pool[1]", "'00G000000000001EAA' is listed twice"),
        ),
        (
            'reassign_from: ["005000000000009AAA"]',
            'reassign_from: ["00G000000000001EAA"]',
            (
                21,
                "assignment.reassign_from[0]",
                "'00G000000000001EAA' is not a user (005) Id (those start with 005)",
            ),
        ),
        (
            "thresholds: {fit: 40, interest: 25}",
            "tresholds: {fit: 40, interest: 25}",
            (15, "tresholds", "unknown key 'tresholds'; did you mean 'thresholds'?"),
        ),
        (
            "  max_open_mqls_per_owner: 2",
            "  max_open_mqls_per_owner: 2\n  max_open: 3",
            (
                23,
                "assignment.max_open",
                "unknown key 'max_open'; did you mean 'max_open_mqls_per_owner'?",
            ),
        ),
        (
            "points: 30, label",
            "points: 30, pionts: 3, label",
            (8, "fit[0].pionts", "unknown key 'pionts'; did you mean 'points'?"),
        ),
        (
            "  keep_owner_if_user: true",
            "  keep_owner_if_user: yes",
            (20, "assignment.keep_owner_if_user", "'yes' is not true or false"),
        ),
        (
            "  max_open_mqls_per_owner: 2",
            "  max_open_mqls_per_owner: 0",
            (
                22,
                "assignment.max_open_mqls_per_owner",
                "Input should be greater than or equal to 1",
            ),
        ),
    ],
)
def test_each_validation_error_names_its_place_and_line(
    old: str, new: str, expected: tuple[int, str, str]
) -> None:
    assert expected in errors_of(replaced(old, new))
    renamed_section = new.startswith("tresholds")  # also reports `thresholds` as missing
    assert len(errors_of(replaced(old, new))) == 1 + renamed_section


def test_a_missing_section_is_reported_at_its_parent() -> None:
    text = RULES.split("thresholds:")[0] + RULES.split("thresholds: {fit: 40, interest: 25}\n")[1]
    assert (1, "thresholds", "required key is missing") in errors_of(text)


def test_every_error_is_reported_at_once_in_file_order() -> None:
    text = (
        RULES.replace("op: gte, value: 100", "op: gte, value: abc")
        .replace('value: "(?i)\\\\b(vp|director)\\\\b"', 'value: "(vp"')
        .replace("points: -40", "points: x")
        .replace("thresholds:", "tresholds:")
        .replace('pool: ["00G000000000001EAA"]', "pool: []")
    )
    places = [place for _, place, _ in errors_of(text)]
    assert places == [
        "thresholds", "fit[0].value", "fit[1].value", "interest[2].points", "tresholds",
        "assignment.routes[1].pool",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: [1\nb: 2",
            (
                2,
                "(file)",
                "not valid YAML: while parsing a flow sequence: expected ',' or ']', but got ':'",
            ),
        ),
        (
            "version: 1\nversion: 2\n",
            (
                2,
                "(file)",
                'not valid YAML: while constructing a mapping: found duplicate key "version" '
                'with value "2" (original value: "1")',
            ),
        ),
        (
            "",
            (
                1,
                "(file)",
                "a rules file is a mapping with keys version, statuses, fit, interest, "
                "thresholds, disqualify, handoff_requires, assignment, sla, writeback, calendars",
            ),
        ),
        (
            "- a\n- b\n",
            (
                1,
                "(file)",
                "a rules file is a mapping with keys version, statuses, fit, "
                "interest, thresholds, disqualify, handoff_requires, assignment, sla, writeback, "
                "calendars",
            ),
        ),
    ],
)
def test_text_that_is_not_a_rules_mapping(text: str, expected: tuple[int, str, str]) -> None:
    assert errors_of(text) == [expected]


def test_format_issues_prints_file_line_place_message() -> None:
    issues = [
        Issue(14, "fit[1].value", "'abc' is not a number"),
        Issue(None, "statuses.mql", "is inactive"),
        Issue(3, "assignment.routes[0].pool[1]", "user is inactive", "warning"),
    ]
    assert format_issues(issues, "rules.yaml") == [
        "rules.yaml:14: fit[1].value: 'abc' is not a number",
        "rules.yaml: statuses.mql: is inactive",
        "rules.yaml:3: assignment.routes[0].pool[1]: warning: user is inactive",
    ]


def test_a_version_must_be_a_whole_number_or_text() -> None:
    assert errors_of(replaced("version: 7", "version: 7.5")) == [
        (1, "version", "7.5 is not a version: write a whole number or text")
    ]
    assert parse_rules(replaced("version: 7", "version: 2026-q1")).version == "2026-q1"
