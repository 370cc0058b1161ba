"""Query semantics: filters, ordering, relationship fields, paging, errors."""

from __future__ import annotations

from typing import Any

import pytest

import sfsim
from sfsim.errors import SfError


@pytest.fixture
def small() -> sfsim.Org:
    """A hand-made org: three leads, a queue, a user."""
    org = sfsim.Org()
    queue = org.insert("Group", {"Name": "Inbound", "Type": "Queue", "DeveloperName": "Inbound"})
    org.insert("QueueSobject", {"QueueId": queue, "SobjectType": "Lead"})
    user = org.integration_user_id
    for last, employees, title, owner in [
        ("Alpha", 500, "VP Sales", user),
        ("beta", None, "Engineer", queue),
        ("Gamma", 50, None, user),
    ]:
        org.insert(
            "Lead",
            {
                "LastName": last,
                "Company": "Acme",
                "NumberOfEmployees": employees,
                "Title": title,
                "Status": "Open - Not Contacted",
                "OwnerId": owner,
            },
        )
    return org


def run(org: sfsim.Org, soql: str, **options: Any) -> dict[str, Any]:
    result: dict[str, Any] = org.queries.run(
        soql,
        include_deleted=options.get("include_deleted", False),
        version="62.0",
        batch=options.get("batch", 2000),
    )
    return result


def names(result: dict[str, Any]) -> list[str]:
    return [r["LastName"] for r in result["records"]]


class TestFilters:
    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            ("NumberOfEmployees >= 50", ["Alpha", "Gamma"]),
            ("NumberOfEmployees = null", ["beta"]),
            ("NumberOfEmployees != null", ["Alpha", "Gamma"]),
            ("Title != 'engineer'", ["Alpha", "Gamma"]),
            ("LastName = 'BETA'", ["beta"]),
            ("LastName IN ('alpha', 'gamma')", ["Alpha", "Gamma"]),
            ("LastName NOT IN ('alpha')", ["beta", "Gamma"]),
            ("Title LIKE 'vp%'", ["Alpha"]),
            ("Title LIKE '_ngineer'", ["beta"]),
            ("NOT (NumberOfEmployees > 100 OR Title = null)", ["beta"]),
            ("Owner.Type = 'Queue'", ["beta"]),
            ("Owner.Name = 'Integration User' AND NumberOfEmployees < 100", ["Gamma"]),
            ("CreatedDate > 2020-01-01T00:00:00Z", ["Alpha", "beta", "Gamma"]),
        ],
    )
    def test_where_selects_the_rows_salesforce_would(
        self, small: sfsim.Org, where: str, expected: list[str]
    ) -> None:
        assert names(run(small, f"SELECT LastName FROM Lead WHERE {where}")) == expected

    @pytest.mark.parametrize(
        ("soql", "code"),
        [
            ("SELECT Nope FROM Lead", "INVALID_FIELD"),
            ("SELECT Id FROM Lead WHERE Nope = 1", "INVALID_FIELD"),
            ("SELECT Owner.Nope FROM Lead", "INVALID_FIELD"),
            ("SELECT Nope.Name FROM Lead", "INVALID_FIELD"),
            ("SELECT Id FROM Nope", "INVALID_TYPE"),
            ("SELECT Id FROM Lead WHERE NumberOfEmployees = '5'", "INVALID_FIELD"),
            ("SELECT Id FROM Lead WHERE CreatedDate > 2026-01-01", "INVALID_FIELD"),
            ("SELECT Id FROM Lead WHERE CreatedDate > '2026-01-01T00:00:00Z'", "INVALID_FIELD"),
            ("SELECT Id, id FROM Lead", "MALFORMED_QUERY"),
        ],
    )
    def test_bad_names_and_types_are_refused(self, small: sfsim.Org, soql: str, code: str) -> None:
        with pytest.raises(SfError) as caught:
            run(small, soql)
        assert caught.value.code == code


class TestShape:
    def test_lookups_nest_with_attributes_and_null_when_empty(self, small: sfsim.Org) -> None:
        records = run(small, "SELECT Owner.Type, Owner.Name, MasterRecord.Name FROM Lead")[
            "records"
        ]
        owner = records[1]["Owner"]
        assert owner["attributes"]["type"] == "Name"
        assert owner["attributes"]["url"].startswith("/services/data/v62.0/sobjects/Group/00G")
        assert (owner["Type"], owner["Name"]) == ("Queue", "Inbound")
        assert records[0]["MasterRecord"] is None
        assert list(records[0]) == ["attributes", "Owner", "MasterRecord"]

    def test_values_use_the_wire_formats(self, small: sfsim.Org) -> None:
        small.clock.pin(1790812800)
        small.insert(
            "Lead",
            {
                "LastName": "Delta",
                "Company": "A",
                "AnnualRevenue": 2500000,
                "Status": "Open - Not Contacted",
                "OwnerId": small.integration_user_id,
            },
        )
        record = run(
            small,
            "SELECT Id, CreatedDate, AnnualRevenue, IsConverted, ConvertedDate "
            "FROM Lead WHERE LastName = 'Delta'",
        )["records"][0]
        assert record["CreatedDate"] == "2026-10-01T00:00:00.000+0000"
        assert record["AnnualRevenue"] == 2500000.0
        assert isinstance(record["AnnualRevenue"], float)
        assert (record["IsConverted"], record["ConvertedDate"]) == (False, None)
        assert len(record["Id"]) == 18

    def test_count_returns_the_total_and_no_records(self, small: sfsim.Org) -> None:
        assert run(small, "SELECT COUNT() FROM Lead WHERE Title != null") == {
            "totalSize": 2,
            "done": True,
            "records": [],
        }


class TestOrderAndPaging:
    def test_order_by_keys_with_nulls_placement(self, small: sfsim.Org) -> None:
        soql = "SELECT LastName FROM Lead ORDER BY NumberOfEmployees {} , LastName"
        assert names(run(small, soql.format("ASC"))) == ["beta", "Gamma", "Alpha"]
        assert names(run(small, soql.format("DESC"))) == ["Alpha", "Gamma", "beta"]
        assert names(run(small, soql.format("ASC NULLS LAST"))) == ["Gamma", "Alpha", "beta"]
        assert names(run(small, soql.format("DESC NULLS FIRST"))) == ["beta", "Alpha", "Gamma"]

    def test_text_orders_without_case_and_limit_cuts(self, small: sfsim.Org) -> None:
        assert names(run(small, "SELECT LastName FROM Lead ORDER BY LastName DESC LIMIT 2")) == [
            "Gamma",
            "beta",
        ]

    def test_pages_repeat_the_total_and_the_last_omits_the_next_url(self) -> None:
        org = sfsim.generate(seed="demo")
        page = run(org, "SELECT Id FROM Lead", batch=400)
        sizes, seen = [], []
        while True:
            assert page["totalSize"] == 1000
            sizes.append(len(page["records"]))
            seen += [r["Id"] for r in page["records"]]
            if page["done"]:
                assert "nextRecordsUrl" not in page
                break
            token = page["nextRecordsUrl"].rsplit("/", 1)[1]
            assert page["nextRecordsUrl"].startswith("/services/data/v62.0/query/0r8")
            page = org.queries.more(token, version="62.0", batch=400)
        assert sizes == [400, 400, 200]
        assert len(set(seen)) == 1000

    def test_a_cursor_is_a_snapshot_of_the_matched_ids(self, small: sfsim.Org) -> None:
        page = run(small, "SELECT LastName FROM Lead WHERE Title != null", batch=200)
        small.update(
            "Lead",
            page["records"][0]["attributes"]["url"].rsplit("/", 1)[1],
            {"Title": None},
            user_id=small.integration_user_id,
        )
        assert page["totalSize"] == 2

    def test_unknown_locator_is_invalid(self, small: sfsim.Org) -> None:
        with pytest.raises(SfError) as caught:
            small.queries.more("0r85g0000000009AAA-2000", version="62.0", batch=2000)
        assert caught.value.code == "INVALID_QUERY_LOCATOR"

    def test_query_hides_deleted_rows_and_query_all_shows_them(self, small: sfsim.Org) -> None:
        lead = run(small, "SELECT Id FROM Lead LIMIT 1")["records"][0]["Id"]
        sfsim.delete(small, "Lead", lead, by=small.integration_user_id)
        soql = "SELECT Id FROM Lead WHERE IsDeleted = true"
        assert run(small, soql)["totalSize"] == 0
        assert run(small, soql, include_deleted=True)["records"][0]["Id"] == lead
        sfsim.hard_delete(small, "Lead", lead)
        assert run(small, soql, include_deleted=True)["totalSize"] == 0


def test_order_by_time_and_id_matches_a_plain_sort() -> None:
    org = sfsim.generate(seed=9, leads=3000)
    soql = (
        "SELECT Id, SystemModstamp FROM Lead WHERE SystemModstamp >= 2025-06-01T00:00:00Z "
        "ORDER BY SystemModstamp DESC, Id"
    )
    got = run(org, soql, batch=2000)
    records = got["records"]
    while not got["done"]:
        got = org.queries.more(got["nextRecordsUrl"].rsplit("/", 1)[1], version="62.0", batch=2000)
        records += got["records"]
    keys = [(r["SystemModstamp"], r["Id"]) for r in records]
    assert keys == sorted(
        keys,
        key=lambda k: (-int(k[0][:19].replace("-", "").replace("T", "").replace(":", "")), k[1]),
    )
    assert all(k[0] >= "2025-06-01" for k in keys)


def test_business_hours_and_holidays_read_as_salesforce_sends_them() -> None:
    org = sfsim.Org()
    default = run(org, "SELECT Id, MondayStartTime, SundayEndTime, TimeZoneSidKey FROM "
                       "BusinessHours WHERE IsDefault = true AND IsActive = true")  # fmt: skip
    record = default["records"][0]
    assert (record["MondayStartTime"], record["SundayEndTime"]) == ("00:00:00.000Z",) * 2
    org.set_business_hours("America/New_York", {"Monday": ("09:00", "17:30"), "Sunday": None})
    org.insert("Holiday", {"Name": "Christmas", "ActivityDate": 20447, "IsAllDay": True})
    record = run(org, "SELECT MondayStartTime, MondayEndTime, SundayStartTime, TimeZoneSidKey "
                      "FROM BusinessHours WHERE IsDefault = true")["records"][0]  # fmt: skip
    assert {k: v for k, v in record.items() if k != "attributes"} == {
        "MondayStartTime": "09:00:00.000Z", "MondayEndTime": "17:30:00.000Z",
        "SundayStartTime": None, "TimeZoneSidKey": "America/New_York",
    }  # fmt: skip
    holiday = run(org, "SELECT Name, ActivityDate, IsAllDay, IsRecurrence FROM Holiday")
    assert holiday["records"][0]["ActivityDate"] == "2025-12-25"


def test_ids_pinned_by_in_or_equals_find_the_same_rows_as_a_scan(small: sfsim.Org) -> None:
    leads = small.table("Lead")
    first, second, third = (leads.id_of(n) for n in range(3))

    def found(soql: str) -> list[str]:
        return names(run(small, soql))

    assert found(f"SELECT LastName FROM Lead WHERE Id IN ('{third}', '{first}')") == [
        "Alpha",
        "Gamma",
    ]
    assert found(f"SELECT LastName FROM Lead WHERE Id = '{second}' AND LastName = 'beta'") == [
        "beta"
    ]
    assert found(f"SELECT LastName FROM Lead WHERE Id = '{second}' AND LastName = 'x'") == []
    # Not an Id this table issued (another object's, a 15-character one): the rows are scanned.
    assert found(f"SELECT LastName FROM Lead WHERE Id IN ('{first[:15]}', '{second}')") == [
        "Alpha",
        "beta",
    ]
    assert found(f"SELECT LastName FROM Lead WHERE Id != '{first}'") == ["beta", "Gamma"]
