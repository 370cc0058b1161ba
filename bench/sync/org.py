"""The benchmark's org: the same seeded leads every time, about one in ten of them qualifying.

Each of the three ways gets a fresh copy built from the same seed, so they all start from
identical state. The rules are deliberately ones a plain script can mirror exactly (a size
rule, a source rule, a disqualifier, a required field, a route by country with a round robin of
two reps and a queue for the rest), so the three end states can be compared lead by lead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sfsim import LeadStatusDef, Org

MQL = "Marketing Qualified"
ELIGIBLE = ("Open - Not Contacted", "Nurturing")
STATUSES = (*ELIGIBLE, MQL, "Working - Contacted", "Closed - Not Converted")


@dataclass(frozen=True)
class BenchOrg:
    org: Org
    reps: tuple[str, str]
    queue: str
    rules_text: str


def rules_text(reps: tuple[str, str], queue: str) -> str:
    """The rules every way applies (Handoff reads them; the scripts hard-code them)."""
    return f"""\
version: 1
statuses:
  mql: "{MQL}"
  eligible_from: ["{ELIGIBLE[0]}", "{ELIGIBLE[1]}"]
  accepted: ["Working - Contacted"]
  rejected: ["Closed - Not Converted"]
fit:
  - {{field: NumberOfEmployees, op: gte, value: 100, points: 50}}
interest:
  - {{field: LeadSource, op: eq, value: "Webinar", points: 30}}
thresholds: {{fit: 40, interest: 25}}
disqualify:
  - {{field: Email, op: ends_with, value: "@gmail.com"}}
handoff_requires: [Email]
assignment:
  keep_owner_if_user: true
  routes:
    - when: [{{field: Country, op: eq, value: "US"}}]
      pool: ["{reps[0]}", "{reps[1]}"]
    - pool: ["{queue}"]
"""


def _lead(rng: random.Random, n: int, owners: tuple[str, ...]) -> dict[str, object]:
    """One lead; about 10% end up MQL (both scores, eligible, not disqualified, not held)."""
    big = rng.random() < 0.36
    webinar = rng.random() < 0.36
    email = f"lead{n}@example.com"
    if rng.random() < 0.03:
        email = f"lead{n}@gmail.com"
    elif rng.random() < 0.03:
        email = ""
    return {
        "LastName": f"Lead {n}",
        "Company": f"Company {n % 5000}",
        "Status": rng.choice(STATUSES[:2] * 4 + STATUSES[3:]),
        "OwnerId": rng.choice(owners),
        "NumberOfEmployees": rng.randrange(100, 5000) if big else rng.randrange(1, 100),
        "LeadSource": "Webinar" if webinar else rng.choice(("Web", "Trade Show", "Partner")),
        "Email": email or None,
        "Country": "US" if rng.random() < 0.6 else rng.choice(("DE", "FR", "UK")),
    }


def build_org(leads: int, seed: int = 7) -> BenchOrg:
    """A fresh org with `leads` seeded leads created over the past year."""
    org = Org()
    org.set_lead_statuses([LeadStatusDef(s, default=i == 0) for i, s in enumerate(STATUSES)])
    reps = tuple(
        org.insert("User", {"Username": f"rep{i}@acme.sim", "LastName": f"Rep {i}",
                            "IsActive": True, "UserType": "Standard"})
        for i in (1, 2, 3)
    )  # fmt: skip
    queue = org.insert("Group", {"Name": "Leads", "DeveloperName": "Leads", "Type": "Queue"})
    org.insert("QueueSobject", {"QueueId": queue, "SobjectType": "Lead"})
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=365)
    step = 365 * 86400 / max(leads, 1)
    # Most leads sit with the queue; some with a rep outside the pool, who keeps them.
    owners = (queue,) * 19 + (reps[2],)
    for n in range(leads):
        org.clock.pin(start + timedelta(seconds=int(n * step)))
        org.insert("Lead", _lead(rng, n, owners))
    org.clock.release()
    return BenchOrg(org, (reps[0], reps[1]), queue, rules_text((reps[0], reps[1]), queue))


def lead_state(org: Org) -> dict[str, tuple[str, str]]:
    """Every lead's Status and OwnerId: what the three ways must agree on."""
    table = org.table("Lead")
    status, owner = table.getter("Status"), table.getter("OwnerId")
    return {
        table.id_of(row): (status(row), owner(row))
        for row in range(table.size)
        if table.exists(row)
    }
