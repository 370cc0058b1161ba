"""Records hanging off the drawn leads: conversions with opportunities, activity, history."""

from __future__ import annotations

import random
from typing import Any

from sfsim import ids
from sfsim.org import Org
from sfsim.seed.leads import DAY, LeadDraw
from sfsim.seed.people import Staff
from sfsim.values import day_of

OPEN_STAGES = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
]
AMOUNTS = [5000.0, 12000.0, 18500.0, 25000.0, 40000.0, 60000.0, 85000.0, 120000.0, 250000.0]


class Rows:
    """Rows being drawn for one object, appended to its table in one go at the end.

    Every row must give the same fields in the same order; rows are kept as tuples and turned
    into columns with one transpose, the cheapest way to build columns in Python.
    """

    def __init__(self, org: Org, obj: str) -> None:
        self.table = org.table(obj)
        self.names: list[str] = []
        self.rows: list[tuple[Any, ...]] = []

    def add(self, values: dict[str, Any]) -> None:
        """Queue one row."""
        if not self.names:
            self.names = list(values)
        self.rows.append(tuple(values.values()))

    def next_id(self) -> str:
        """The id the next queued row will get."""
        return ids.make_id(self.table.definition.prefix, self.table.size + len(self.rows))

    def flush(self) -> None:
        """Append the queued rows to the table."""
        columns = dict(zip(self.names, zip(*self.rows, strict=True), strict=True))
        self.table.extend(len(self.rows), columns)


def _audit(at: int, by: str) -> dict[str, Any]:
    return {
        "CreatedDate": at,
        "CreatedById": by,
        "LastModifiedDate": at,
        "LastModifiedById": by,
        "SystemModstamp": at,
        "IsDeleted": False,
    }


def _rep(rng: random.Random, staff: Staff, owner: str) -> str:
    return owner if owner in staff.reps else rng.choice(staff.reps)


def _opportunity(
    rng: random.Random, draw: LeadDraw, i: int, converted: int, now: int, account: str, owner: str
) -> dict[str, Any]:
    close = day_of(converted) + rng.randrange(10, 150)
    if close > day_of(now):
        stage = rng.choice(OPEN_STAGES)
    else:
        # Leads that went through MQL win more often: the effect the win/loss report measures.
        win_rate = 0.5 if draw.mql_at[i] is not None else 0.3
        stage = "Closed Won" if rng.random() < win_rate else "Closed Lost"
    won, closed = stage == "Closed Won", stage.startswith("Closed")
    return {
        "Name": f"{draw.columns['Company'][i]} - New Business",
        "AccountId": account,
        "OwnerId": owner,
        "StageName": stage,
        "IsClosed": closed,
        "IsWon": won,
        "CloseDate": close,
        "Amount": None if rng.random() < 0.05 else rng.choice(AMOUNTS),
        "Probability": 100.0 if won else 0.0 if closed else 50.0,
        "ForecastCategoryName": "Closed" if won else "Omitted" if closed else "Pipeline",
        "LeadSource": draw.columns["LeadSource"][i],
        "Type": "New Business",
    } | _audit(converted, owner)


def _convert_one(
    draw: LeadDraw,
    i: int,
    owner: str,
    converted: int,
    rows: tuple[Rows, Rows, Rows],
    opportunity: dict[str, Any] | None,
) -> None:
    """Queue the Account, Contact (and Opportunity) of lead `i` and fill its Converted* fields."""
    cols = draw.columns
    accounts, contacts, opps = rows
    account, contact = accounts.next_id(), contacts.next_id()
    company = cols["Company"][i]
    words = company.split(" ")
    accounts.add(
        {
            # Some with a legal suffix and some with a website, as real orgs hold them, so
            # later leads match by email domain, by website and by normalised name.
            "Name": company + (", Inc." if i % 3 == 0 else ""),
            "Website": f"https://www.{words[0]}{words[1]}.com/".lower() if i % 2 == 0 else None,
            "OwnerId": owner,
            "Type": "Customer",
            "Industry": cols["Industry"][i],
        }
        | _audit(converted, owner)
    )
    contacts.add(
        {
            "FirstName": cols["FirstName"][i],
            "LastName": cols["LastName"][i],
            "Email": cols["Email"][i],
            "AccountId": account,
            "OwnerId": owner,
        }
        | _audit(converted, owner)
    )
    if opportunity is not None:
        cols["ConvertedOpportunityId"][i] = opps.next_id()
        opps.add(opportunity | {"AccountId": account})
    cols["ConvertedDate"][i] = day_of(converted)
    cols["ConvertedAccountId"][i] = account
    cols["ConvertedContactId"][i] = contact
    cols["OwnerId"][i] = owner
    touched = max(converted, cols["SystemModstamp"][i])
    cols["SystemModstamp"][i] = cols["LastModifiedDate"][i] = touched


def add_conversions(org: Org, rng: random.Random, staff: Staff, draw: LeadDraw, now: int) -> None:
    """Accounts, Contacts and Opportunities for converted leads; fills the lead's Converted*."""
    cols = draw.columns
    n = len(draw.created)
    for name in (
        "ConvertedDate",
        "ConvertedAccountId",
        "ConvertedContactId",
        "ConvertedOpportunityId",
    ):
        cols[name] = [None] * n
    rows = (Rows(org, "Account"), Rows(org, "Contact"), Rows(org, "Opportunity"))
    for i in range(n):
        if not cols["IsConverted"][i]:
            continue
        owner = _rep(rng, staff, cols["OwnerId"][i])
        start = draw.mql_at[i] or draw.created[i]
        converted = min(start + int(rng.uniform(1, 40) * DAY), now - 60)
        opportunity = (
            _opportunity(rng, draw, i, converted, now, "", owner) if rng.random() < 0.9 else None
        )
        _convert_one(draw, i, owner, converted, rows, opportunity)
    for queued in rows:
        queued.flush()


def _task(who: str, owner: str, at: int, now: int, done: bool, subject: str) -> dict[str, Any]:
    return {
        "WhoId": who,
        "WhatId": None,
        "OwnerId": owner,
        "Subject": subject,
        "Type": "Call",
        "ActivityDate": day_of(at),
        "IsArchived": False,
        "Status": "Completed" if done else "Not Started",
        "Priority": "Normal",
        "IsClosed": done,
        "TaskSubtype": "Call",
        "CompletedDateTime": at if done else None,
        "CallDurationInSeconds": 300 if done else None,
    } | _audit(min(at, now), owner)


def _event(who: str, owner: str, at: int) -> dict[str, Any]:
    return {
        "WhoId": who,
        "WhatId": None,
        "OwnerId": owner,
        "Subject": "Discovery meeting",
        "Type": "Meeting",
        "ActivityDate": day_of(at),
        "IsArchived": False,
        "EventSubtype": "Event",
        "ActivityDateTime": at,
        "StartDateTime": at,
        "EndDateTime": at + 1800,
        "DurationInMinutes": 30,
        "IsAllDayEvent": False,
    } | _audit(at, owner)


def add_activity(org: Org, rng: random.Random, staff: Staff, draw: LeadDraw, now: int) -> None:
    """Tasks and Events after leads became MQL (some late, some open); sets LastActivityDate."""
    cols = draw.columns
    lead_prefix = org.table("Lead").definition.prefix
    base = org.table("Lead").size
    tasks, events = Rows(org, "Task"), Rows(org, "Event")
    last_activity: list[int | None] = [None] * len(draw.created)
    for i, mql in enumerate(draw.mql_at):
        if mql is None or rng.random() < 0.45:
            continue
        who = cols["ConvertedContactId"][i] or ids.make_id(lead_prefix, base + i)
        owner = _rep(rng, staff, cols["OwnerId"][i])
        at = mql + int(rng.expovariate(1 / (20 * 3600)))
        for k in range(rng.randrange(1, 4)):
            if at >= now:
                break
            done = rng.random() < 0.85
            tasks.add(_task(who, owner, at, now, done, "Intro call" if k == 0 else "Follow-up"))
            last_activity[i] = day_of(at)
            at += int(rng.expovariate(1 / (3 * DAY)))
        if rng.random() < 0.2 and at < now:
            events.add(_event(who, owner, at))
            last_activity[i] = day_of(at)
    cols["LastActivityDate"] = last_activity
    tasks.flush()
    events.flush()
