"""Rules texts the tests share: a small valid file, and Ids with correct checksums."""

from __future__ import annotations

REP_1 = "005000000000001AAA"
REP_2 = "005000000000002AAA"
REP_3 = "005000000000003AAA"
MARKETO_USER = "005000000000009AAA"
INTEGRATION_USER = "005000000000008AAA"
QUEUE = "00G000000000001EAA"

MQL = "Marketing Qualified"
OPEN = "Open - Not Contacted"


def statuses_yaml(
    *,
    mql: str = MQL,
    eligible: str = f'"{OPEN}", "Nurturing"',
    accepted: str = '"Working - Contacted"',
) -> str:
    """The `statuses:` section of the tests' rules files (lists as quoted, comma-separated
    names); every one rejects with "Closed - Not Converted"."""
    return f"""\
statuses:
  mql: "{mql}"
  eligible_from: [{eligible}]
  accepted: [{accepted}]
  rejected: ["Closed - Not Converted"]
"""


RULES = f"""\
version: 7
{statuses_yaml()}fit:
  - {{field: NumberOfEmployees, op: gte, value: 100, points: 30, label: "employees>=100"}}
  - {{field: Title, op: matches, value: "(?i)\\\\b(vp|director)\\\\b", points: 20, label: title VP}}
  - {{field: Country, op: in, value: ["US", "USA"], points: 10}}
interest:
  - {{field: LeadSource, op: eq, value: Webinar, points: 25, label: webinar}}
  - {{field: Website_Visits__c, op: gte, value: 3, points: 15, label: "visits>=3"}}
  - {{field: Company, op: starts_with, value: Test, points: -40}}
thresholds: {{fit: 40, interest: 25}}
disqualify:
  - {{field: Email, op: ends_with, value: ["@gmail.com", "@yahoo.com"]}}
handoff_requires: [Email, Phone]
assignment:
  keep_owner_if_user: true
  reassign_from: ["{MARKETO_USER}"]
  max_open_mqls_per_owner: 2
  routes:
    - when: [{{field: Country, op: in, value: ["US", "USA"]}}]
      pool: ["{REP_1}", "{REP_2}"]
    - pool: ["{QUEUE}"]
writeback:
  mql_date_field: MQL_Date__c
  score_field: Lead_Score__c
  reason_field: MQL_Reason__c
"""
