"""The two scripts Handoff is compared with, written the way admins write them.

Both read every open lead with simple-salesforce's `query_all`, apply the benchmark's rules in
plain Python (the same rules as `bench.sync.org.rules_text`, hard-coded), and assign owners round
robin in Id order, as Handoff does, so all three end in the same org state. They differ
only in how they write: one `sf.Lead.update` per lead, or sObject Collections in chunks of 200.
Neither re-checks a lead before writing, stores anything, or survives a crash: that is what the
extra calls Handoff makes buy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests
from simple_salesforce.api import Salesforce

from bench.sync.org import ELIGIBLE
from tests.fakes.sim_org import MQL

NO_AUTO_ASSIGN = {"Sforce-Auto-Assign": "FALSE"}
SOQL = (
    "SELECT Id, Status, OwnerId, NumberOfEmployees, LeadSource, Email, Country "
    "FROM Lead WHERE IsConverted = false"
)


def connect(base_url: str, token: str, ca_file: str) -> Salesforce:
    """simple-salesforce on the session as given (its `direct` mode), trusting the org's CA."""
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides `verify`
    session.verify = ca_file
    return Salesforce(instance_url=base_url, session_id=token, version="66.0", session=session)


def _qualifies(lead: dict[str, Any]) -> bool:
    fit = 50 if (lead["NumberOfEmployees"] or 0) >= 100 else 0
    interest = 30 if (lead["LeadSource"] or "").casefold() == "webinar" else 0
    email = (lead["Email"] or "").strip()
    if email.casefold().endswith("@gmail.com") or lead["Status"] not in ELIGIBLE:
        return False
    return fit >= 40 and interest >= 25 and bool(email)


def changes(
    sf: Salesforce, reps: tuple[str, str], queue: str, keepers: set[str]
) -> Iterator[dict[str, Any]]:
    """The update for every lead that becomes MQL: Status, and OwnerId when it changes."""
    turn = 0
    # Id order (case-sensitive, as Handoff walks its store), so the round robins agree.
    for lead in sorted(sf.query_all(SOQL)["records"], key=lambda lead: lead["Id"]):
        if not _qualifies(lead):
            continue
        update: dict[str, Any] = {"Id": lead["Id"], "Status": MQL}
        owner = lead["OwnerId"]
        if owner not in keepers:
            if (lead["Country"] or "").casefold() == "us":
                owner, turn = reps[turn], (turn + 1) % len(reps)
            else:
                owner = queue
        if owner != lead["OwnerId"]:
            update["OwnerId"] = owner
        yield update


def plain(sf: Salesforce, reps: tuple[str, str], queue: str, keepers: set[str]) -> int:
    """One PATCH per lead; returns how many leads were written."""
    written = 0
    for update in changes(sf, reps, queue, keepers):
        lead_id = update.pop("Id")
        sf.Lead.update(lead_id, update, headers=NO_AUTO_ASSIGN)  # type: ignore[operator]
        written += 1
    return written


def careful(sf: Salesforce, reps: tuple[str, str], queue: str, keepers: set[str]) -> int:
    """Collections PATCHes of 200 leads each; returns how many leads were written."""
    pending = list(changes(sf, reps, queue, keepers))
    for start in range(0, len(pending), 200):
        records = [
            {
                "attributes": {"type": "Lead"},
                "id": u["Id"],
                **{k: v for k, v in u.items() if k != "Id"},
            }
            for u in pending[start : start + 200]
        ]
        body = {"allOrNone": False, "records": records}
        sf.restful("composite/sobjects", method="PATCH", json=body, headers=NO_AUTO_ASSIGN)
    return len(pending)
