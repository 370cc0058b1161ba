"""The worked example of the backtest: a seeded store where the candidate's MQLs win 30% and its
non-MQLs 10%, and the two rules files it compares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tests.app.api import builders as b
from tests.fakes import org as sf
from tests.fakes.org import Records
from tests.rules.samples import QUEUE

_RULES = """\
version: {version}
statuses:
  mql: "Marketing Qualified"
  eligible_from: ["Open - Not Contacted"]
fit:
  - {{field: NumberOfEmployees, op: gte, value: {employees}, points: 30, name: {name}}}
thresholds: {{fit: 30, interest: 0}}
assignment:
  routes:
    - pool: ["{queue}"]
"""
# Current: 50 employees or more make an MQL. Candidate (stricter): 100 or more.
CURRENT = _RULES.format(version=1, employees=50, name="Fifty plus", queue=QUEUE)
CANDIDATE = _RULES.format(version=2, employees=100, name="Mid-market", queue=QUEUE)

CREATED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _leads(org: Records, employees: int, count: int, won: int, *, converted: bool) -> list[str]:
    ids = []
    for i in range(count):
        values: dict[str, object] = {}
        if converted:
            opp = sf.opportunity(org, at=datetime(2026, 6, 1, tzinfo=UTC), won=i < won)
            values = {
                "Status": "Closed - Converted",
                "IsConverted": True,
                "ConvertedDate": "2026-04-01",
                "ConvertedOpportunityId": opp["Id"],
            }
        lead = sf.lead(
            org, at=CREATED + timedelta(minutes=i), NumberOfEmployees=employees, **values
        )
        ids.append(lead["Id"])
    return ids


def seed(session: Session) -> dict[str, list[str]]:
    """400 leads created in March 2026.

    - 100 with 500 employees, converted, 30 won: MQL under both files;
    - 100 with 500 employees, not converted: MQL under both, no opportunity;
    - 100 with 70 employees, converted, 10 won: MQL only under the current rules;
    - 100 with 10 employees, converted, 10 won: MQL under neither.

    The candidate: 200 MQLs, 100 converted (50%), 30 of 100 closed won (30%); 200 non-MQLs,
    200 converted, 20 of 200 won (10%). The current rules: 300 MQLs, 40 of 200 won (20%);
    100 non-MQLs, 10 of 100 won (10%). 100 leads leave the MQL side, none join it.
    """
    org = b.records()
    groups = {
        "big_won": _leads(org, 500, 100, 30, converted=True),
        "big_open": _leads(org, 500, 100, 0, converted=False),
        "middle": _leads(org, 70, 100, 10, converted=True),
        "small": _leads(org, 10, 100, 10, converted=True),
    }
    b.store(session, org)
    session.commit()
    return groups
