"""The seeded generator: deterministic, realistic enough for the reports, and scalable."""

from __future__ import annotations

from typing import Any

import pytest

import sfsim

ALL_LEADS = (
    "SELECT Id, Status, OwnerId, Email, Title, NumberOfEmployees, Website_Visits__c, "
    "CreatedDate, MQL_Date__c, IsConverted, ConvertedOpportunityId FROM Lead"
)


def rows(org: sfsim.Org, soql: str) -> list[dict[str, Any]]:
    page = org.queries.run(soql, include_deleted=True, version="62.0", batch=2000)
    records: list[dict[str, Any]] = page["records"]
    while not page["done"]:
        page = org.queries.more(
            page["nextRecordsUrl"].rsplit("/", 1)[1], version="62.0", batch=2000
        )
        records += page["records"]
    return records


@pytest.fixture(scope="module")
def demo() -> sfsim.Org:
    return sfsim.generate(seed="demo")


class TestDeterminism:
    def test_same_seed_same_org(self, demo: sfsim.Org) -> None:
        again = sfsim.generate(seed="demo")
        assert rows(again, ALL_LEADS) == rows(demo, ALL_LEADS)
        assert rows(again, "SELECT Id, StageName, Amount FROM Opportunity") == rows(
            demo, "SELECT Id, StageName, Amount FROM Opportunity"
        )

    def test_other_seed_other_org(self, demo: sfsim.Org) -> None:
        assert rows(sfsim.generate(seed=7, leads=1000), ALL_LEADS) != rows(demo, ALL_LEADS)

    def test_generate_refuses_an_org_with_leads(self, demo: sfsim.Org) -> None:
        with pytest.raises(ValueError, match="empty org"):
            sfsim.generate(demo)


class TestContents:
    def test_statuses_include_the_added_ones(self, demo: sfsim.Org) -> None:
        statuses = {r["Status"] for r in rows(demo, "SELECT Status FROM Lead")}
        assert {
            "Marketing Qualified",
            "Nurturing",
            "Sales Qualified",
            "Disqualified",
            "Open - Not Contacted",
            "Closed - Converted",
        } <= statuses

    def test_people_queues_and_owners(self, demo: sfsim.Org) -> None:
        users = rows(demo, "SELECT IsActive FROM User")
        assert any(not u["IsActive"] for u in users)
        takes = rows(demo, "SELECT Queue.Name, SobjectType FROM QueueSobject")
        assert {(t["Queue"]["Name"], t["SobjectType"]) for t in takes} == {
            ("Inbound Leads", "Lead"),
            ("Support Cases", "Case"),
        }
        owner_types = {r["Owner"]["Type"] for r in rows(demo, "SELECT Owner.Type FROM Lead")}
        assert owner_types == {"User", "Queue"}

    def test_fit_and_interest_fields_vary_with_blanks(self, demo: sfsim.Org) -> None:
        leads = rows(demo, ALL_LEADS)
        emails = [r["Email"] for r in leads]
        assert any(e is None for e in emails)
        assert any(e and e.endswith("@gmail.com") for e in emails)
        assert len({r["Title"] for r in leads}) > 8
        assert any(r["NumberOfEmployees"] is None for r in leads)
        assert max(r["Website_Visits__c"] or 0 for r in leads) >= 5

    def test_conversions_have_won_and_lost_opportunities_over_quarters(
        self, demo: sfsim.Org
    ) -> None:
        opps = rows(demo, "SELECT StageName, CloseDate, Amount, IsWon, IsClosed FROM Opportunity")
        stages = {o["StageName"] for o in opps}
        assert {"Closed Won", "Closed Lost"} <= stages
        quarters = {
            (o["CloseDate"][:4], (int(o["CloseDate"][5:7]) - 1) // 3) for o in opps if o["IsClosed"]
        }
        assert len(quarters) >= 4
        converted = rows(
            demo,
            "SELECT ConvertedOpportunity.StageName FROM Lead "
            "WHERE IsConverted = true AND ConvertedOpportunityId != null",
        )
        assert converted
        assert all(c["ConvertedOpportunity"]["StageName"] for c in converted)

    def test_activity_follows_mql_and_history_goes_into_and_out_of_mql(
        self, demo: sfsim.Org
    ) -> None:
        tasks = rows(demo, "SELECT IsClosed, Who.Type, CreatedDate FROM Task")
        assert {t["IsClosed"] for t in tasks} == {True, False}
        assert {t["Who"]["Type"] for t in tasks} == {"Lead", "Contact"}
        assert rows(demo, "SELECT Id FROM Event")
        moves = rows(demo, "SELECT OldValue, NewValue FROM LeadHistory WHERE Field = 'Status'")
        assert any(m["NewValue"] == "Marketing Qualified" for m in moves)
        assert any(m["OldValue"] == "Marketing Qualified" for m in moves)


@pytest.mark.slow
def test_a_million_leads_generate_and_query() -> None:
    org = sfsim.generate(seed=1, leads=1_000_000)
    assert org.table("Lead").size == 1_000_000
    page = org.queries.run(
        "SELECT COUNT() FROM Lead WHERE Status = 'Marketing Qualified'",
        include_deleted=False,
        version="62.0",
        batch=2000,
    )
    assert 50_000 < page["totalSize"] < 150_000


def test_now_moves_where_the_data_ends() -> None:
    end = 1_800_000_000
    org = sfsim.generate(seed=5, leads=300, now=end)
    created = [
        r["CreatedDate"]
        for r in rows(org, "SELECT CreatedDate FROM Lead ORDER BY CreatedDate DESC LIMIT 1")
    ]
    assert created[0] <= "2027-01-15T08:00:00.000+0000"
    assert created[0] >= "2026-12-01T00:00:00.000+0000"
