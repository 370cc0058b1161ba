"""Rule names: optional `name:` on fit, interest, disqualify and route entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules import (
    AssignmentState,
    DecisionContext,
    LeadFacts,
    Roster,
    RulesInvalid,
    assign,
    decide,
    parse_rules,
)
from tests.rules.samples import OPEN, REP_1, RULES

NAMED = (
    RULES.replace(
        'points: 30, label: "employees>=100"}', 'points: 30, name: "Mid-market or larger"}'
    )
    .replace(
        '{field: Email, op: ends_with, value: ["@gmail.com", "@yahoo.com"]}',
        '{field: Email, op: ends_with, value: ["@gmail.com", "@yahoo.com"], name: Free mail}',
    )
    .replace(
        "    - when: [{field: Country",
        "    - name: North America\n      when: [{field: Country",
    )
)


def test_names_compile_onto_rules_and_routes() -> None:
    ruleset = parse_rules(NAMED)
    assert ruleset.fit[0].name == "Mid-market or larger"
    assert ruleset.fit[0].title == "Mid-market or larger"
    assert ruleset.fit[1].title == "fit[1]"
    assert ruleset.disqualify[0].title == "Free mail"
    assert ruleset.routes[0].title == "North America"
    assert ruleset.routes[1].title == "routes[1]"


def test_explanations_use_the_name_and_labels_keep_working() -> None:
    ruleset = parse_rules(NAMED)
    fields = {"NumberOfEmployees": 500, "Title": "VP Sales", "LeadSource": "Webinar",
              "Email": "a@b.com", "Phone": "1"}  # fmt: skip
    decision = decide(ruleset, LeadFacts(fields, OPEN), DecisionContext())
    text = decision.explain()
    assert "Mid-market or larger +30" in text
    assert "title VP +20" in text  # a label, no name
    mailed = decide(ruleset, LeadFacts({**fields, "Email": "x@gmail.com"}, OPEN), DecisionContext())
    assert "disqualified by Free mail" in mailed.explain()


def test_route_name_in_the_assignment_reason() -> None:
    ruleset = parse_rules(NAMED)
    roster = Roster(users={REP_1: True})
    results, _ = assign(ruleset, [("00Q1", {"Country": "US"})], AssignmentState(), roster)
    assert results[0].reason == f"owner {REP_1} (route North America)"


def test_duplicate_names_are_placed_errors() -> None:
    text = NAMED.replace("label: webinar", "name: free mail")
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(text)
    issue = next(i for i in caught.value.issues if i.place == "disqualify[0].name")
    assert "already the name of interest[0]" in issue.message
    assert issue.line == 17


def test_an_empty_name_is_refused_with_its_place() -> None:
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(NAMED.replace('name: "Mid-market or larger"', 'name: ""'))
    assert [(i.place, i.message) for i in caught.value.issues] == [
        ("fit[0].name", "must not be empty")
    ]


def test_the_stricter_example_is_valid_named_and_stricter() -> None:
    examples = Path(__file__).parents[2] / "examples"
    stricter = parse_rules((examples / "rules-stricter.yaml").read_text())
    current = parse_rules((examples / "rules.yaml").read_text())
    assert all(rule.name for rule in (*stricter.fit, *stricter.interest, *stricter.disqualify))
    assert all(route.name for route in stricter.routes)
    assert stricter.fit_threshold > current.fit_threshold
    assert stricter.interest_threshold > current.interest_threshold
