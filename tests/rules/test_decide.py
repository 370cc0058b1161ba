"""Whole decisions and their explanations, eligibility in order, held leads, needs-owner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rules import Decision, DecisionContext, Ineligible, LeadFacts, decide, parse_rules
from tests.rules.samples import INTEGRATION_USER, MARKETO_USER, MQL, OPEN, QUEUE, REP_1, RULES

RULESET = parse_rules(RULES)
CONTEXT = DecisionContext(integration_user_id=INTEGRATION_USER)
STRONG: dict[str, Any] = {
    "NumberOfEmployees": 250,
    "Title": "VP Sales",
    "Country": "USA",
    "LeadSource": "webinar",
    "Website_Visits__c": "4",
    "Email": "ann@acme.com",
    "Phone": "+1 555 0100",
}


def run(fields: dict[str, Any], status: str | None = OPEN, **facts: Any) -> Decision:
    context = facts.pop("context", CONTEXT)
    return decide(RULESET, LeadFacts(fields=fields, status=status, **facts), context)


def test_a_strong_eligible_lead_is_an_mql_with_every_rule_explained() -> None:
    decision = run(STRONG)
    assert decision.mql is True
    assert decision.held is False
    assert (decision.fit, decision.interest) == (60, 40)
    assert [(rule.place, rule.points) for rule in decision.matched] == [
        ("fit[0]", 30), ("fit[1]", 20), ("fit[2]", 10), ("interest[0]", 25), ("interest[1]", 15),
    ]  # fmt: skip
    assert decision.ineligible_reason is None
    assert decision.disqualified_by is None
    assert decision.rules_version == 7
    assert decision.rules_hash == RULESET.content_hash
    assert decision.explain() == (
        "MQL (rules v7): fit 60 = employees>=100 +30, title VP +20, Country in US/USA +10; "
        "interest 40 = webinar +25, visits>=3 +15"
    )


def test_negative_points_take_away_and_show_with_their_sign() -> None:
    decision = run({**STRONG, "Company": "Test Account Inc"})
    assert decision.interest == 0
    assert decision.mql is False
    assert decision.explain() == (
        "Not MQL (rules v7): fit 60 = employees>=100 +30, title VP +20, Country in US/USA +10; "
        "interest 0<25 = webinar +25, visits>=3 +15, Company starts with Test -40"
    )


def test_a_qualifying_lead_missing_required_fields_is_held_with_them_named() -> None:
    decision = run({**STRONG, "Phone": "", "Email": None})
    assert decision.mql is False
    assert decision.held is True
    assert decision.missing_fields == ("Email", "Phone")
    assert decision.explain().startswith("Held (rules v7): missing Email, Phone; fit 60 = ")


def test_a_disqualifier_wins_over_any_score() -> None:
    decision = run({**STRONG, "Email": "ann@Gmail.com"})
    assert decision.mql is False
    assert decision.held is False
    assert decision.disqualified_by is not None
    assert decision.disqualified_by.place == "disqualify[0]"
    assert decision.explain().startswith(
        "Not MQL (rules v7): disqualified by Email ends with @gmail.com/@yahoo.com; fit 60 = "
    )


def test_below_a_threshold_names_the_shortfall() -> None:
    decision = run({"NumberOfEmployees": 10, "LeadSource": "Webinar", "Email": "a@b.co"})
    assert decision.mql is False
    assert decision.explain() == "Not MQL (rules v7): fit 0<40; interest 25 = webinar +25"


@pytest.mark.parametrize(
    ("status", "facts", "reason", "why"),
    [
        (OPEN, {"converted": True}, Ineligible.CONVERTED, "converted"),
        (MQL, {"owner_id": REP_1}, Ineligible.ALREADY_MQL, "already MQL"),
        (OPEN, {"taken_out_of_mql_by_person": True, "ever_mql": True},
         Ineligible.TAKEN_OUT_BY_PERSON, "taken out of MQL by a person"),
        (OPEN, {"ever_mql": True}, Ineligible.LEFT_MQL, "left MQL before"),
        ("Working - Contacted", {}, Ineligible.STATUS,
         "status 'Working - Contacted' is not in eligible_from"),
        (None, {}, Ineligible.STATUS, "status None is not in eligible_from"),
        ("open - not contacted", {}, Ineligible.STATUS,
         "status 'open - not contacted' is not in eligible_from"),
        (OPEN, {"created_at": datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
                "context": DecisionContext(go_live_after=datetime(2026, 1, 1, tzinfo=UTC))},
         Ineligible.BEFORE_GO_LIVE, "created before go-live"),
        (OPEN, {"context": DecisionContext(go_live_after=datetime(2026, 1, 1))},
         Ineligible.BEFORE_GO_LIVE, "created before go-live"),
    ],
)  # fmt: skip
def test_an_ineligible_lead_is_never_promoted_and_says_why(
    status: str | None, facts: dict[str, Any], reason: Ineligible, why: str
) -> None:
    decision = run(STRONG, status, **facts)
    assert decision.mql is False
    assert decision.held is False
    assert decision.ineligible_reason is reason
    assert decision.fit == 60  # scores are still computed, for the reports
    assert decision.explain().startswith(f"Not eligible (rules v7): {why}; fit 60 = ")


def test_a_lead_created_after_go_live_is_promoted() -> None:
    context = DecisionContext(go_live_after=datetime(2026, 1, 1, tzinfo=UTC))
    created = datetime(2026, 1, 1, tzinfo=UTC)
    assert run(STRONG, created_at=created, context=context).mql is True
    naive = datetime(2026, 1, 2)  # read as UTC
    assert run(STRONG, created_at=naive, context=context).mql is True


@pytest.mark.parametrize(
    ("owner", "needs_owner"),
    [
        (QUEUE, True),
        (QUEUE[:15], True),
        (INTEGRATION_USER, True),
        (INTEGRATION_USER[:15], True),
        (MARKETO_USER, True),
        (REP_1, False),
    ],
)
def test_an_mql_set_by_a_person_that_sits_with_a_placeholder_needs_an_owner(
    owner: str, needs_owner: bool
) -> None:
    decision = run({}, MQL, owner_id=owner)
    assert decision.mql is False
    assert decision.ineligible_reason is Ineligible.ALREADY_MQL
    assert decision.needs_owner is needs_owner
    if needs_owner:
        assert decision.explain().startswith(
            "Needs owner (rules v7): set to MQL by a person, sits with a queue, placeholder or "
            "inactive user"
        )


def test_the_explanation_is_cut_to_255_characters() -> None:
    extra = "".join(
        f"  - {{field: Title, op: exists, points: 1, label: title-rule-{n}-with-a-long-name}}\n"
        for n in range(10)
    )
    ruleset = parse_rules(RULES.replace("interest:\n", extra + "interest:\n", 1))
    text = decide(ruleset, LeadFacts(fields=STRONG, status=OPEN), CONTEXT).explain()
    assert len(text) == 255
    assert text.startswith("MQL (rules v7): fit 70 = employees>=100 +30, title VP +20, ")
    assert text.endswith("…")


def test_deciding_twice_gives_equal_decisions() -> None:
    assert run(STRONG) == run(STRONG)


def test_the_explanation_is_one_line_whatever_labels_hold() -> None:
    ruleset = parse_rules(RULES.replace("label: webinar", 'label: "web\\ninar"'))
    text = decide(ruleset, LeadFacts(fields=STRONG, status=OPEN), CONTEXT).explain()
    assert "\n" not in text
    assert "web inar +25" in text


def test_an_mql_with_a_deactivated_owner_needs_an_owner_but_a_queue_is_never_inactive() -> None:
    assert run({}, MQL, owner_id=REP_1, owner_is_active_user=False).needs_owner is True
    assert run({}, MQL, owner_id=REP_1, owner_is_active_user=True).needs_owner is False
    assert run({}, MQL, owner_id=QUEUE, owner_is_active_user=False).needs_owner is True
    assert run(STRONG, OPEN, owner_id=REP_1, owner_is_active_user=False).needs_owner is False
