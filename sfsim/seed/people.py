"""The org's people and queues: reps (some inactive), a marketing-automation user, queues."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sfsim.org import Org
from sfsim.seed.pools import FIRST_NAMES, LAST_NAMES


@dataclass(frozen=True)
class Staff:
    """Ids the rest of the generator draws owners and actors from."""

    reps: list[str]
    inactive: list[str]
    marketing: str
    lead_queue: str
    case_queue: str


def add_staff(org: Org, rng: random.Random, reps: int, at: int) -> Staff:
    """Users and queues; two reps have left (inactive), as in any real org."""
    active: list[str] = []
    inactive: list[str] = []
    for i in range(reps + 2):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        user = org.insert(
            "User",
            {
                "Username": f"rep{i + 1}@acme.sim",
                "FirstName": first,
                "LastName": last,
                "Email": f"{first.lower()}.{last.lower()}@acme.sim",
                "Alias": f"rep{i + 1}",
                "IsActive": i < reps,
                "UserType": "Standard",
                "Title": "Sales Development Rep",
                # Every third rep works from London, the rest from New York.
                "TimeZoneSidKey": "Europe/London" if i % 3 == 2 else "America/New_York",
            },
            at=at,
        )
        (active if i < reps else inactive).append(user)
    marketing = org.insert(
        "User",
        {
            "Username": "marketo@acme.sim",
            "FirstName": "Marketo",
            "LastName": "Sync",
            "Email": "marketo@acme.sim",
            "Alias": "mkto",
            "IsActive": True,
            "UserType": "Standard",
            "TimeZoneSidKey": "America/Los_Angeles",
        },
        at=at,
    )
    lead_queue = _queue(org, "Inbound Leads", "Lead", at)
    case_queue = _queue(org, "Support Cases", "Case", at)
    return Staff(active, inactive, marketing, lead_queue, case_queue)


def _queue(org: Org, name: str, takes: str, at: int) -> str:
    developer = name.replace(" ", "_")
    queue = org.insert(
        "Group",
        {
            "Name": name,
            "DeveloperName": developer,
            "Type": "Queue",
            "Email": f"{developer.lower()}@acme.sim",
        },
        at=at,
    )
    org.insert("QueueSobject", {"QueueId": queue, "SobjectType": takes}, at=at)
    return queue
