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

from sfsim import Org
from tests.fakes.sim_org import (
    STATUSES,
    add_lead_queue,
    add_reps,
    webinar_rules,
    with_statuses,
)

ELIGIBLE = STATUSES[:2]


@dataclass(frozen=True)
class BenchOrg:
    org: Org
    reps: tuple[str, str]
    queue: str
    rules_text: str


def rules_text(reps: tuple[str, str], queue: str) -> str:
    """The rules every way applies (Handoff reads them; the scripts hard-code them)."""
    return webinar_rules(reps, queue, keep_owner_if_user=True)


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
    org = with_statuses(Org(), converted=False)
    reps = add_reps(org, 3)
    queue = add_lead_queue(org)
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
