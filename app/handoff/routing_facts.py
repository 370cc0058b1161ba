"""What routing needs from the store at a run's moment: people's zones, names and absences, the
org's calendar, and the index of Accounts, handed to `rules.assign` through the roster.

Built once per run, only for what the rules file uses: `assignment.availability` reads the
users and absences (and the org's BusinessHours when a calendar is `org`), `match_accounts`
reads the Accounts with their open opportunities.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.sla_policy import org_calendar
from app.store import repo_accounts, repo_availability, repo_sync
from app.store.models import User
from rules import RuleSet
from rules.accounts import AccountIndex
from rules.availability import Absence, People
from rules.ids import to18


def people_at(session: Session, ruleset: RuleSet, now: datetime) -> People | None:
    """People as availability sees them at `now`; None when the rules check no availability."""
    settings = ruleset.assignment.availability
    if settings is None:
        return None
    zones: dict[str, str] = {}
    names: dict[str, str] = {}
    for user_id, name, fields in session.execute(select(User.id, User.name, User.fields)):
        zone = (fields or {}).get("TimeZoneSidKey")
        if zone:
            zones[to18(user_id)] = zone
        if name:
            names[to18(user_id)] = name
    sources = {"api"} | ({"salesforce"} if settings.out_of_office == "salesforce" else set())
    absences = [
        Absence(row.user_id, row.start_at, row.end_at, row.reason or "", row.source)
        for row in repo_availability.current_absences(session, now)
        if row.source in sources
    ]
    calendar = None
    if (
        settings.calendar == "org"
        or settings.calendar in ruleset.org_calendars
        or any(
            name == "org" or name in ruleset.org_calendars
            for name in settings.user_calendars.values()
        )
    ):
        calendar = org_calendar(repo_sync.get_org(session))
    return People(now=now, zones=zones, names=names, absences=absences, org_calendar=calendar)


def accounts_index(session: Session, ruleset: RuleSet) -> AccountIndex | None:
    """The live Accounts to match leads against; None when the rules match no accounts."""
    matching = ruleset.assignment.match_accounts
    if matching is None:
        return None
    return repo_accounts.account_index(session, ruleset.account_fields, matching.ignore_domains)
