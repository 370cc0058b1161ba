"""simple-salesforce, a client nobody here wrote, against the simulator over HTTPS."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

import sfsim
from tests.sfsim.conftest import as_dict, error_code, first_lead, lead_api, user_named


class TestQuery:
    def test_query_all_follows_every_page_when_batches_are_small(self, sf: Salesforce) -> None:
        result = as_dict(
            sf.query_all(
                "SELECT Id, Status, Owner.Type FROM Lead",
                headers={"Sforce-Query-Options": "batchSize=300"},
            )
        )
        assert result["totalSize"] == 1000
        assert len({r["Id"] for r in result["records"]}) == 1000
        assert result["records"][0]["Owner"]["attributes"]["type"] == "Name"

    def test_query_all_includes_deleted_rows_only_when_asked(
        self, sf: Salesforce, org: sfsim.Org
    ) -> None:
        lead = first_lead(org)
        sfsim.delete(org, "Lead", lead, by=org.integration_user_id)
        soql = f"SELECT Id, IsDeleted FROM Lead WHERE Id = '{lead}'"
        assert as_dict(sf.query_all(soql))["records"] == []
        rows = as_dict(sf.query_all(soql, include_deleted=True))["records"]
        assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(lead, True)]

    def test_usage_is_read_from_the_limit_header(self, sf: Salesforce) -> None:
        sf.query("SELECT COUNT() FROM Lead")
        assert sf.api_usage["api-usage"].used == 1
        assert sf.api_usage["api-usage"].total == 100_000


class TestWrites:
    def test_update_answers_204_and_changes_the_lead(self, sf: Salesforce, org: sfsim.Org) -> None:
        lead = first_lead(org)
        status = lead_api(sf).update(
            lead, {"Status": "Marketing Qualified"}, headers={"Sforce-Auto-Assign": "FALSE"}
        )
        assert status == 204
        assert as_dict(lead_api(sf).get(lead))["Status"] == "Marketing Qualified"
        assert org.log.entries()[0].auto_assign == "FALSE"

    def test_collections_report_each_record_in_order(self, sf: Salesforce, org: sfsim.Org) -> None:
        good, other = first_lead(org), first_lead(org, "Nurturing")
        results: list[dict[str, Any]] = sf.restful(  # type: ignore[assignment]
            "composite/sobjects",
            method="PATCH",
            json={
                "allOrNone": False,
                "records": [
                    {"attributes": {"type": "Lead"}, "id": good, "Status": "Marketing Qualified"},
                    {"attributes": {"type": "Lead"}, "id": other, "Status": "Bogus"},
                ],
            },
            headers={"Sforce-Auto-Assign": "FALSE"},
        )
        assert results[0] == {"id": good, "success": True, "errors": []}
        assert results[1]["success"] is False
        assert results[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"

    def test_describe_lists_lead_statuses_with_the_default(self, sf: Salesforce) -> None:
        fields = {f["name"]: f for f in as_dict(lead_api(sf).describe())["fields"]}
        status = fields["Status"]
        assert status["restrictedPicklist"] is True
        defaults = [v["value"] for v in status["picklistValues"] if v["defaultValue"]]
        assert defaults == ["Open - Not Contacted"]
        assert "Marketing Qualified" in [v["value"] for v in status["picklistValues"]]
        assert fields["OwnerId"]["referenceTo"] == ["Group", "User"]
        assert fields["SystemModstamp"]["updateable"] is False
        assert fields["Website_Visits__c"]["custom"] is True


class TestExceptions:
    def test_expired_session_raises_expired_session(self, sf: Salesforce, org: sfsim.Org) -> None:
        org.faults.expire_after = 0
        with pytest.raises(SalesforceExpiredSession) as caught:
            sf.query("SELECT Id FROM Lead")
        assert error_code(caught.value) == "INVALID_SESSION_ID"

    def test_malformed_query_raises_malformed_request(self, sf: Salesforce) -> None:
        with pytest.raises(SalesforceMalformedRequest) as caught:
            sf.query("SELECT Id FROM Lead WHERE")
        assert error_code(caught.value) == "MALFORMED_QUERY"

    def test_inactive_owner_raises_malformed_request(self, sf: Salesforce, org: sfsim.Org) -> None:
        with pytest.raises(SalesforceMalformedRequest) as caught:
            lead_api(sf).update(first_lead(org), {"OwnerId": user_named(org, active=False)})
        assert error_code(caught.value) == "INACTIVE_OWNER_OR_USER"

    def test_limit_exceeded_raises_refused_request(self, sf: Salesforce, org: sfsim.Org) -> None:
        org.faults.api_used = org.faults.api_max
        with pytest.raises(SalesforceRefusedRequest) as caught:
            sf.query("SELECT Id FROM Lead")
        assert error_code(caught.value) == "REQUEST_LIMIT_EXCEEDED"

    def test_deleted_lead_raises_not_found(self, sf: Salesforce, org: sfsim.Org) -> None:
        lead = first_lead(org)
        sfsim.delete(org, "Lead", lead, by=org.integration_user_id)
        with pytest.raises(SalesforceResourceNotFound) as caught:
            lead_api(sf).update(lead, {"Status": "Nurturing"})
        assert error_code(caught.value) == "ENTITY_IS_DELETED"

    def test_outage_raises_general_error_with_an_html_body(
        self, sf: Salesforce, org: sfsim.Org
    ) -> None:
        org.faults.unavailable = 1
        with pytest.raises(SalesforceGeneralError) as caught:
            sf.query("SELECT Id FROM Lead")
        assert caught.value.status == 503
        assert as_dict(sf.query("SELECT COUNT() FROM Lead"))["totalSize"] == 1000
