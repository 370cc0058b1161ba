"""The `sfsim` orgs and rules files that tests and benchmarks share.

Two rules files recur: the pull's (100+ employees and the US make an MQL, one pool of reps) and
the handoff's (100+ employees and a webinar, no gmail address, an Email required, US leads to
two reps and the rest to a queue). Each is written once here, with the org set-ups they name:
the Lead statuses, reps and a lead queue, and a client factory for an org served over HTTPS.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx

from sf_client import AccessTokenAuth, SalesforceClient
from sfsim.org import LeadStatusDef, Org
from sfsim.server import Server
from tests.rules.samples import MQL, OPEN, statuses_yaml

if TYPE_CHECKING:
    from app.run import SalesforceFactory

# The Lead statuses of the shared orgs, the first the default, the last the converted one.
STATUSES = (OPEN, "Nurturing", MQL, "Working - Contacted", "Closed - Not Converted")
CONVERTED = "Closed - Converted"


def country_rules(
    *reps: str,
    mql: str = MQL,
    eligible: str = f'"{OPEN}", "Nurturing"',
    accepted: str = '"Sales Qualified", "Working - Contacted"',
) -> str:
    """The pull's rules: 100+ employees and the US make an MQL, routed round-robin to `reps`."""
    pool = ", ".join(f'"{rep}"' for rep in reps)
    return f"""\
version: 1
{statuses_yaml(mql=mql, eligible=eligible, accepted=accepted)}fit:
  - {{field: NumberOfEmployees, op: gte, value: 100, points: 50}}
interest:
  - {{field: Country, op: eq, value: "US", points: 30}}
thresholds: {{fit: 40, interest: 25}}
assignment:
  routes:
    - pool: [{pool}]
"""


WRITEBACK = """\
writeback:
  mql_date_field: MQL_Date__c
  score_field: Lead_Score__c
  reason_field: MQL_Reason__c
"""


def webinar_rules(
    reps: Sequence[str],
    queue: str,
    *,
    version: int = 1,
    keep_owner_if_user: bool = False,
    writeback: bool = False,
) -> str:
    """The handoff's rules: 100+ employees and a webinar, no gmail address, an Email required;
    US leads to the first two `reps`, the rest to `queue`."""
    keep = "  keep_owner_if_user: true\n" if keep_owner_if_user else ""
    return f"""\
version: {version}
{statuses_yaml()}fit:
  - {{field: NumberOfEmployees, op: gte, value: 100, points: 50}}
interest:
  - {{field: LeadSource, op: eq, value: "Webinar", points: 30}}
thresholds: {{fit: 40, interest: 25}}
disqualify:
  - {{field: Email, op: ends_with, value: "@gmail.com"}}
handoff_requires: [Email]
assignment:
{keep}  routes:
    - when: [{{field: Country, op: eq, value: "US"}}]
      pool: ["{reps[0]}", "{reps[1]}"]
    - pool: ["{queue}"]
""" + (WRITEBACK if writeback else "")


def with_statuses(org: Org, statuses: Sequence[str] = STATUSES, *, converted: bool = True) -> Org:
    """`org` with these Lead statuses (the first the default), and the converted one."""
    defs = [LeadStatusDef(s, default=i == 0) for i, s in enumerate(statuses)]
    if converted:
        defs.append(LeadStatusDef(CONVERTED, converted=True))
    org.set_lead_statuses(defs)
    return org


def add_reps(org: Org, count: int, *, name: str = "Rep {n}") -> list[str]:
    """`count` active standard users, `rep1@acme.sim` on."""
    return [
        org.insert("User", {"Username": f"rep{n}@acme.sim", "LastName": name.format(n=n),
                            "IsActive": True, "UserType": "Standard"})
        for n in range(1, count + 1)
    ]  # fmt: skip


def add_lead_queue(org: Org) -> str:
    """A queue named Leads that takes Leads."""
    queue = org.insert("Group", {"Name": "Leads", "DeveloperName": "Leads", "Type": "Queue"})
    org.insert("QueueSobject", {"QueueId": queue, "SobjectType": "Lead"})
    return queue


def client_factory(server: Server) -> SalesforceFactory:
    """Clients of the org `server` serves over HTTPS, trusting its CA only."""

    @contextmanager
    def connect() -> Iterator[SalesforceClient]:
        assert server.ca_file is not None
        with httpx.Client(verify=ssl.create_default_context(cafile=server.ca_file)) as http:
            yield SalesforceClient(http, AccessTokenAuth(server.base_url, server.access_token))

    return connect
