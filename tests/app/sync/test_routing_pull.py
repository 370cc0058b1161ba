"""The pull of what routing reads, against a respx org (SQLite and PostgreSQL): Accounts with
their matching keys, incremental, soft and hard deletes; OutOfOffice records as absences; an
org that will not show OutOfOffice is a note, not a failed run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.run import SalesforceFactory, run_sync
from app.settings import Settings
from app.store.models import Absence, Account
from tests.app.sync.conftest import RULES, Clock
from tests.fakes.org import REP, REP_2, T0, FakeOrg, sf_time

ROUTING = RULES.replace(
    "assignment:\n",
    "assignment:\n  availability: {out_of_office: salesforce}\n"
    "  match_accounts: {by: [email_domain, website, company]}\n",
)


def account(org: FakeOrg, name: str, website: str | None, owner: str, at: object) -> dict:
    return org.add("Account", Id=org.new_id("001"), Name=name, Website=website, OwnerId=owner,
                   Type="Customer", CreatedDate=sf_time(at), SystemModstamp=sf_time(at))  # type: ignore[arg-type]  # fmt: skip


def accounts(sessions: sessionmaker[Session]) -> dict[str, Account]:
    with sessions() as session:
        return {row.id: row for row in session.scalars(select(Account))}


def test_accounts_and_out_of_office_are_pulled_with_their_keys_and_deletes(
    org: FakeOrg, settings: Settings, rules_path: Path, sessions: sessionmaker[Session],
    sf_factory: SalesforceFactory,
) -> None:  # fmt: skip
    rules_path.write_text(ROUTING, encoding="utf-8")
    acme = account(org, "Acme, Inc.", "https://www.Acme.com/about", REP, T0)
    globex = account(org, "Globex GmbH", None, REP_2, T0)
    away = org.add(
        "OutOfOffice", Id=org.new_id("0Ex"), UserId=REP, IsEnabled=True, StartDate=sf_time(T0),
        EndDate=sf_time(T0 + timedelta(days=5)), Message="Holiday", CreatedDate=sf_time(T0),
        SystemModstamp=sf_time(T0),
    )  # fmt: skip
    clock = Clock(T0 + timedelta(hours=1))
    run = run_sync(settings, sessions, sf_factory, now=clock)
    assert run.state == "succeeded", run.message
    stored = accounts(sessions)
    assert (stored[acme["Id"]].website_domain, stored[acme["Id"]].name_key) == ("acme.com", "acme")
    assert stored[globex["Id"]].name_key == "globex"
    with sessions() as session:
        [absence] = session.scalars(select(Absence)).all()
    assert (absence.user_id, absence.source, absence.reason) == (REP, "salesforce", "Holiday")
    assert absence.end_at == T0 + timedelta(days=5)

    # The rep comes back early (incremental), Globex goes to the recycle bin, Acme is purged.
    away["EndDate"] = sf_time(T0 + timedelta(days=1))
    away["SystemModstamp"] = sf_time(T0 + timedelta(hours=2))
    globex["IsDeleted"] = True
    globex["SystemModstamp"] = sf_time(T0 + timedelta(hours=2))
    del org.records["Account"][acme["Id"]]
    org.deleted["Account"].append((acme["Id"], T0 + timedelta(hours=2)))
    clock.now += timedelta(days=1, hours=3)
    run = run_sync(settings, sessions, sf_factory, now=clock)
    assert run.state == "succeeded", run.message
    stored = accounts(sessions)
    assert stored[globex["Id"]].is_deleted
    assert stored[acme["Id"]].is_deleted  # hard delete, seen through getDeleted
    with sessions() as session:
        [absence] = session.scalars(select(Absence)).all()
    assert absence.end_at == T0 + timedelta(days=1)


def test_an_org_without_out_of_office_is_a_note_not_a_failure(
    org: FakeOrg, settings: Settings, rules_path: Path, sessions: sessionmaker[Session],
    sf_factory: SalesforceFactory,
) -> None:  # fmt: skip
    rules_path.write_text(ROUTING, encoding="utf-8")
    org.missing_objects.add("OutOfOffice")
    run = run_sync(settings, sessions, sf_factory, now=Clock(T0 + timedelta(hours=1)))
    assert run.state == "succeeded", run.message
    assert "OutOfOffice is not readable" in (run.message or "") + str(run.counts)
