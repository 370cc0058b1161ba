"""Describe, limits, versions, userinfo, getDeleted, one-record get, and the limit header."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
import respx

from sf_client import (
    AccessTokenAuth,
    ApiVersion,
    FieldDescribe,
    Limit,
    PerAppUsage,
    PicklistValue,
    SalesforceClient,
)
from tests.sf_client.conftest import BASE, INSTANCE, lead, lead_id, payload, sf_response


def test_describe_parses_fields_and_picklists(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    sf.get(BASE + "/sobjects/Lead/describe").mock(
        return_value=sf_response(payload("describe_lead.json"))
    )

    lead_describe = client.describe("Lead")

    assert lead_describe.name == "Lead"
    assert lead_describe.key_prefix == "00Q"
    status = lead_describe.fields["Status"]
    assert (status.type, status.updateable, status.nillable, status.restricted_picklist) == (
        "picklist",
        True,
        False,
        True,
    )
    assert status.picklist_values[0] == PicklistValue(
        "Open - Not Contacted", "Open - Not Contacted", True, True
    )
    assert [v.value for v in status.picklist_values if not v.active] == ["Nurturing"]
    assert sum(v.default for v in status.picklist_values) == 1
    assert lead_describe.fields["OwnerId"] == FieldDescribe(
        name="OwnerId",
        type="reference",
        label="Owner ID",
        updateable=True,
        nillable=False,
        length=18,
        reference_to=["Group", "User"],
        restricted_picklist=False,
        picklist_values=[],
    )
    assert lead_describe.fields["IsConverted"].updateable is False
    assert "Rating__c" not in lead_describe.fields


def test_limits(sf: respx.MockRouter, client: SalesforceClient) -> None:
    sf.get(BASE + "/limits/").mock(return_value=sf_response(payload("limits.json")))

    limits = client.limits()

    assert limits["DailyApiRequests"] == Limit(115000, 96766)
    assert limits["DataStorageMB"] == Limit(5120, 4210)
    assert len(limits) == 6


def test_versions(sf: respx.MockRouter, client: SalesforceClient) -> None:
    sf.get(INSTANCE + "/services/data/").mock(return_value=sf_response(payload("versions.json")))

    versions = client.versions()

    assert versions[0] == ApiVersion("31.0", "Summer '14", "/services/data/v31.0")
    assert [v.version for v in versions][-1] == "68.0"


def test_userinfo(sf: respx.MockRouter, client: SalesforceClient) -> None:
    sf.get(INSTANCE + "/services/oauth2/userinfo").mock(
        return_value=sf_response(payload("userinfo.json"))
    )

    info = client.userinfo()

    assert (info.user_id, info.organization_id, info.preferred_username) == (
        "0055g00000AbCdEAAV",
        "00D5g000004XyZaEAK",
        "integration@acme.com",
    )
    assert (info.zoneinfo, info.locale, info.active) == ("America/Los_Angeles", "en_US", True)


def test_get_deleted_sends_a_utc_window_and_parses_dates(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    route = sf.get(BASE + "/sobjects/Lead/deleted/").mock(
        return_value=sf_response(payload("deleted_leads.json"))
    )
    pacific = timezone(timedelta(hours=-7))

    deleted = client.get_deleted(
        "Lead", datetime(2026, 9, 30, 17, 0, tzinfo=pacific), datetime(2026, 10, 2, tzinfo=UTC)
    )

    params = route.calls.last.request.url.params
    assert (params["start"], params["end"]) == ("2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z")
    assert deleted.deleted == [
        ("00Q5g00000Kx9aDEAR", datetime(2026, 10, 1, 10, 7, 19, tzinfo=UTC)),
        ("00Q5g00000Kx9aEEAR", datetime(2026, 10, 1, 11, 42, 3, tzinfo=UTC)),
    ]
    assert deleted.earliest_date_available == datetime(2026, 9, 20, 15, 57, tzinfo=UTC)
    assert deleted.latest_date_covered == datetime(2026, 10, 1, 23, 55, tzinfo=UTC)


def test_get_deleted_refuses_naive_datetimes(client: SalesforceClient) -> None:
    with pytest.raises(ValueError, match="naive"):
        client.get_deleted("Lead", datetime(2026, 10, 1), datetime(2026, 10, 2))


def test_get_one_record_with_chosen_fields(sf: respx.MockRouter, client: SalesforceClient) -> None:
    route = sf.get(BASE + "/sobjects/Lead/" + lead_id(4)).mock(return_value=sf_response(lead(4)))

    record = client.get("Lead", lead_id(4), ["Id", "Status", "Owner.Type"])

    assert record["Id"] == lead_id(4)
    assert route.calls.last.request.url.params["fields"] == "Id,Status,Owner.Type"


@pytest.mark.parametrize(
    ("sobject", "record_id"), [("Lead/../User", lead_id(1)), ("Lead", "../limits"), ("Lead", "x")]
)
def test_path_pieces_are_validated(client: SalesforceClient, sobject: str, record_id: str) -> None:
    with pytest.raises(ValueError, match=r"not an sObject name|Id"):
        client.get(sobject, record_id)


def test_limit_header_is_read_from_every_response(
    sf: respx.MockRouter, client: SalesforceClient
) -> None:
    sf.get(BASE + "/limits/").mock(
        side_effect=[
            sf_response(payload("limits.json"), used=18234),
            sf_response(payload("limits.json"), used=18235),
        ]
    )

    client.limits()
    assert (client.usage.calls, client.usage.used, client.usage.max) == (1, 18234, 115000)
    client.limits()
    assert (client.usage.calls, client.usage.used, client.usage.max) == (2, 18235, 115000)
    assert client.usage.per_app is None


def test_per_app_usage_is_read_when_present(sf: respx.MockRouter, client: SalesforceClient) -> None:
    header = "api-usage=25/5000; per-app-api-usage=17/250(appName=sync-app)"
    sf.get(BASE + "/limits/").mock(
        return_value=httpx.Response(
            200, headers={"Sforce-Limit-Info": header}, json=payload("limits.json")
        )
    )

    client.limits()

    assert (client.usage.used, client.usage.max) == (25, 5000)
    assert client.usage.per_app == PerAppUsage("sync-app", 17, 250)


def test_failed_calls_count_too(sf: respx.MockRouter, client: SalesforceClient) -> None:
    sf.get(BASE + "/limits/").mock(
        side_effect=[
            httpx.Response(503, headers={"Sforce-Limit-Info": "api-usage=9/100"}),
            sf_response({}),
        ]
    )

    client.limits()

    assert client.usage.calls == 2


@pytest.mark.parametrize("version", ["v66.0", "66", "latest"])
def test_api_version_is_a_plain_number(http: httpx.Client, version: str) -> None:
    with pytest.raises(ValueError, match=r"66\.0"):
        SalesforceClient(http, AccessTokenAuth(INSTANCE, "t0ken"), api_version=version)
