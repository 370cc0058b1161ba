"""Decisions with owners per second, routing features off and on (issue 15).

Each lead is decided (`rules.decide`) and those that need an owner are assigned in one batch
(`rules.assign`), as a run does. "off" is today's routing: two routes, a bare-Id pool of five reps
and a queue. "on" is the same with every routing feature: working calendars per rep (three in
London), an out-of-office rep, weights (smooth weighted round robin), and lead-to-account
matching over 10,000 Accounts with an `owner: account_owner` route in front. Leads get varied
company emails, websites and names, so some match an Account by each method.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import rules
from rules.accounts import AccountIndex, AccountRecord
from rules.availability import Absence, People

REPS = [rules.ids.to18(f"005000000000{n:03d}") for n in range(1, 7)]
QUEUE = "00G000000000001EAA"
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday: New York and London both at work
HEAD = """\
version: 1
statuses:
  mql: "Marketing Qualified"
  eligible_from: ["Open - Not Contacted", "Nurturing"]
fit:
  - {field: NumberOfEmployees, op: gte, value: 100, points: 30}
  - {field: Country, op: in, value: ["US", "USA", "United States"], points: 10}
interest:
  - {field: LeadSource, op: in, value: ["Webinar", "Trade Show"], points: 25}
thresholds: {fit: 30, interest: 25}
"""
OFF = (
    HEAD
    + f"""\
assignment:
  keep_owner_if_user: false
  routes:
    - when: [{{field: Country, op: in, value: ["US", "USA", "United States"]}}]
      pool: [{", ".join(f'"{r}"' for r in REPS[:5])}]
    - pool: ["{QUEUE}"]
"""
)
ON = (
    HEAD
    + f"""\
calendars:
  us_east: {{time_zone: America/New_York, hours: {{mon-fri: "09:00-17:30"}}, holidays_country: US}}
  london: {{time_zone: Europe/London, hours: {{mon-fri: "09:00-17:30"}}}}
assignment:
  keep_owner_if_user: false
  availability:
    calendar: us_east
    user_calendars: {{"{REPS[2]}": london}}
    catch_up: true
  match_accounts: {{by: [email_domain, website, company]}}
  routes:
    - when: [{{account: {{field: Type, op: eq, value: Customer}}}}]
      owner: account_owner
    - when: [{{field: Country, op: in, value: ["US", "USA", "United States"]}}]
      pool: [{{user: "{REPS[0]}", weight: 2}}, {", ".join(f'"{r}"' for r in REPS[1:5])}]
    - pool: ["{QUEUE}"]
"""
)


def _accounts(rng: random.Random, count: int) -> list[AccountRecord]:
    return [
        AccountRecord(
            id=rules.ids.to18(f"001{n:012d}"), name=f"Company {n} Inc",
            website=f"https://www.company{n}.com/" if n % 2 else None,
            owner_id=rng.choice(REPS), created=NOW - timedelta(days=n % 900),
            open_opportunities=n % 4, fields={"Type": "Customer" if n % 3 else "Prospect"},
        )
        for n in range(count)
    ]  # fmt: skip


def _leads(rng: random.Random, count: int) -> list[tuple[str, rules.LeadFacts]]:
    leads = []
    for i in range(count):
        n = rng.randrange(40_000)  # a quarter of them name a company that has an Account
        fields: dict[str, Any] = {
            "NumberOfEmployees": rng.choice([50, 500, 5000]),
            "Country": rng.choice(["US", "USA", "France", "UK"]),
            "LeadSource": rng.choice(["Webinar", "Trade Show", "Web"]),
            "Email": f"a{i}@"
            + rng.choice([f"company{n}.com", "gmail.com", f"mail.company{n}.com"]),
            "Website": rng.choice([None, f"company{n}.com"]),
            "Company": rng.choice([f"Company {n}", f"COMPANY {n}, LLC", "Initech"]),
            "OwnerId": QUEUE,
        }  # fmt: skip
        leads.append(
            (rules.ids.to18(f"00Q{i:012d}"), rules.LeadFacts(fields, "Open - Not Contacted"))
        )
    return leads


def contenders(count: int) -> tuple[list[Callable[[], object]], dict[str, Any]]:
    """Decide-and-assign over `count` leads, routing off and on, with facts about the run."""
    rng = random.Random(15)
    leads = _leads(rng, count)
    off, on = rules.parse_rules(OFF), rules.parse_rules(ON)
    zones = {r: ("Europe/London" if i % 3 == 2 else "America/New_York") for i, r in enumerate(REPS)}
    people = People(
        now=NOW, zones=zones, names={r: f"Rep {i}" for i, r in enumerate(REPS)},
        absences=[Absence(REPS[1], NOW - timedelta(days=1), NOW + timedelta(days=6), "holiday")],
    )  # fmt: skip
    users = dict.fromkeys(REPS, True)
    plain = rules.Roster(users, [QUEUE])
    index = AccountIndex(_accounts(rng, 10_000))
    rich = rules.Roster(users, [QUEUE], people=people, accounts=index)
    context = rules.DecisionContext()

    def run(ruleset: rules.RuleSet, roster: rules.Roster) -> list[rules.Assignment]:
        wanting = []
        for lead_id, lead in leads:
            decision = rules.decide(ruleset, lead, context)
            if decision.mql or decision.needs_owner:
                wanting.append((lead_id, lead.fields))
        return rules.assign(ruleset, wanting, rules.AssignmentState(), roster)[0]

    done = run(on, rich)
    facts = {
        "assigned": len(done),
        "matched": sum(1 for a in done if a.match is not None),
        "to_account_owner": sum(1 for a in done if a.route == 0),
        "skipped_out_of_office": sum(
            1 for a in done for s in a.skipped if s.skip == "out of office"
        ),
    }
    return [lambda: run(off, plain), lambda: run(on, rich)], facts
