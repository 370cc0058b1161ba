"""Lead-to-Account matching and account routing: free mail, www. and subdomains, legal suffixes,
several candidates, and `owner: account_owner` with its fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rules import AssignmentState, Roster, assign, parse_rules
from rules.accounts import AccountIndex, AccountRecord, company_key, domain_of
from rules.availability import Absence, People
from tests.rules.samples import QUEUE, REP_1, REP_2, REP_3, RULES

ACME = AccountRecord("001000000000001AAA", "Acme, Inc.", "https://www.acme.com/", REP_3,
                     datetime(2020, 1, 1, tzinfo=UTC), 0, {"Type": "Customer"})  # fmt: skip
GLOBEX = AccountRecord("001000000000002AAA", "Globex GmbH", "globex.de", REP_2)
INDEX = AccountIndex([ACME, GLOBEX], ignore_domains=["example.org"])


@pytest.mark.parametrize(
    ("fields", "method", "account"),
    [
        ({"Email": "jane@acme.com"}, "email_domain", ACME),
        ({"Email": "jane@mail.acme.com"}, "email_domain", ACME),  # a subdomain
        ({"Email": "JANE@ACME.COM"}, "email_domain", ACME),
        ({"Email": "jane@gmail.com", "Website": "http://acme.com"}, "website", ACME),
        ({"Email": "jane@gmail.com", "Company": "ACME Inc"}, "company", ACME),
        ({"Company": "Globex"}, "company", GLOBEX),  # the account's GmbH is stripped
        ({"Company": "globex gmbh."}, "company", GLOBEX),
        ({"Email": "x@example.org", "Company": "Globex, GmbH"}, "company", GLOBEX),
    ],
)
def test_a_lead_matches_by_email_domain_then_website_then_company(
    fields: dict[str, Any], method: str, account: AccountRecord
) -> None:
    match = INDEX.match(fields)
    assert match is not None
    assert (match.method, match.account) == (method, account)


@pytest.mark.parametrize(
    "email", ["jane@gmail.com", "jane@yahoo.co.uk", "j@outlook.com", "jane@example.org"]
)
def test_free_mail_and_ignored_domains_never_match(email: str) -> None:
    free = AccountRecord("001000000000003AAA", "Gmail", "gmail.com", REP_1)
    ignored = AccountRecord("001000000000004AAA", "Example", "www.example.org", REP_1)
    index = AccountIndex([free, ignored], ignore_domains=["example.org"])
    assert index.match({"Email": email}) is None
    assert index.match({"Email": email, "Website": email.split("@")[1]}) is None


def test_domains_and_names_are_normalised() -> None:
    assert domain_of("https://WWW.Acme.co.uk/about?x=1") == "acme.co.uk"
    assert domain_of("jane@eu.mail.acme.com") == "acme.com"
    assert domain_of("localhost") is None
    assert company_key("Initech Ltd.") == company_key("initech") == "initech"
    assert company_key("Umbrella S.A.") == "umbrella"


def test_of_several_candidates_the_one_with_most_open_opportunities_then_the_oldest_wins() -> None:
    old = AccountRecord("001000000000005AAA", "Acme", "acme.com", REP_1,
                        datetime(2019, 1, 1, tzinfo=UTC), 1)  # fmt: skip
    busy = AccountRecord("001000000000006AAA", "Acme", "acme.com", REP_2,
                         datetime(2024, 1, 1, tzinfo=UTC), 3)  # fmt: skip
    newer = AccountRecord("001000000000007AAA", "Acme", "acme.com", REP_3,
                          datetime(2025, 1, 1, tzinfo=UTC), 1)  # fmt: skip
    match = AccountIndex([old, busy, newer]).match({"Email": "a@acme.com"})
    assert match is not None
    assert match.account == busy
    assert match.candidates == 3
    match = AccountIndex([newer, old]).match({"Email": "a@acme.com"})
    assert match is not None
    assert match.account == old


ACCOUNT_RULES = RULES.replace(
    "  max_open_mqls_per_owner: 2\n",
    "  max_open_mqls_per_owner: 2\n  availability: {}\n  match_accounts:\n"
    "    by: [email_domain, website, company]\n",
).replace(
    "  routes:\n",
    "  routes:\n    - when: [{account: {field: Type, op: eq, value: Customer}}]\n"
    "      owner: account_owner\n",
)
US = {"Country": "US", "OwnerId": QUEUE}
NOW = datetime(2026, 12, 2, 15, tzinfo=UTC)


def test_a_customers_lead_goes_to_its_account_owner_and_falls_through_when_they_are_away() -> None:
    ruleset = parse_rules(ACCOUNT_RULES)
    users = dict.fromkeys([REP_1, REP_2, REP_3], True)
    people = People(now=NOW, names={REP_3: "Ann Owner"})
    lead = {**US, "Email": "bob@acme.com"}
    (result,), _ = assign(ruleset, [("L1", lead)], AssignmentState(),
                          Roster(users, [QUEUE], people=people, accounts=INDEX))  # fmt: skip
    assert result.owner_id == REP_3
    assert result.route == 0
    assert (
        result.reason == "owner Ann Owner (route 0, account owner of Acme, Inc. by email "
        "domain acme.com)"
    )
    away = People(
        now=NOW,
        names={REP_3: "Ann Owner"},
        absences=[Absence(REP_3, NOW.replace(day=1), NOW.replace(day=5))],
    )
    (result,), _ = assign(ruleset, [("L1", lead)], AssignmentState(),
                          Roster(users, [QUEUE], people=away, accounts=INDEX))  # fmt: skip
    assert result.held
    assert "Ann Owner out of office until 2026-12-05" in result.reason
    onward = parse_rules(
        ACCOUNT_RULES.replace("availability: {}", "availability: {when_none_available: next_route}")
    )
    (result,), _ = assign(onward, [("L1", lead)], AssignmentState(),
                          Roster(users, [QUEUE], people=away, accounts=INDEX))  # fmt: skip
    assert result.owner_id == REP_1
    assert result.route == 1
    assert result.match is not None
    assert result.match.account == ACME
    (other,), _ = assign(ruleset, [("L2", {**US, "Email": "x@globex.de"})], AssignmentState(),
                         Roster(users, [QUEUE], people=people, accounts=INDEX))  # fmt: skip
    assert other.route == 1  # Globex is no customer: its Type fails the account condition


def test_a_deleted_account_no_longer_matches() -> None:
    remaining = AccountIndex([GLOBEX])
    assert remaining.match({"Email": "bob@acme.com", "Company": "Acme Inc"}) is None
