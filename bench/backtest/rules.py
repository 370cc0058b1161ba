"""The rules files the benchmark compares: the current ones, and a stricter candidate."""

from __future__ import annotations

_COMMON = """\
statuses:
  mql: "Marketing Qualified"
  eligible_from: ["Open - Not Contacted", "Nurturing"]
assignment:
  routes:
    - name: Everyone
      pool: ["00G000000000001EAA"]
"""

CURRENT = (
    "version: 1\n"
    + _COMMON
    + """\
fit:
  - {field: NumberOfEmployees, op: gte, value: 20, points: 30, name: Twenty plus}
  - {field: Title, op: matches, value: "(?i)\\\\b(vp|director|head|chief)\\\\b", points: 20,
     name: Senior title}
  - {field: Country, op: in, value: [US, Canada], points: 10, name: North America}
interest:
  - {field: LeadSource, op: in, value: [Webinar, Trade Show, Content Download], points: 25,
     name: Event or content}
  - {field: Website_Visits__c, op: gte, value: 3, points: 15, name: Three visits}
thresholds: {fit: 30, interest: 15}
disqualify:
  - {field: Email, op: ends_with, value: "@gmail.com", name: Free mail}
handoff_requires: [Email]
"""
)

CANDIDATE = (
    "version: 2\n"
    + _COMMON
    + """\
fit:
  - {field: NumberOfEmployees, op: gte, value: 100, points: 30, name: Mid-market}
  - {field: Title, op: matches, value: "(?i)\\\\b(vp|director|head|chief)\\\\b", points: 20,
     name: Senior title}
  - {field: Country, op: in, value: [US, Canada], points: 10, name: North America}
interest:
  - {field: LeadSource, op: in, value: [Webinar, Trade Show, Content Download], points: 25,
     name: Event or content}
  - {field: Website_Visits__c, op: gte, value: 3, points: 15, name: Three visits}
thresholds: {fit: 40, interest: 25}
disqualify:
  - {field: Email, op: ends_with, value: "@gmail.com", name: Free mail}
  - {field: Title, op: matches, value: "(?i)student", name: Student}
handoff_requires: [Email, Phone]
"""
)
