"""Writes as Salesforce checks them, and the traces they leave."""

from __future__ import annotations

from typing import Any

import pytest

import sfsim
from sfsim.errors import SfError
from tests.sfsim.conftest import first_lead, user_named


def lead_row(org: sfsim.Org, lead: str) -> dict[str, Any]:
    table = org.table("Lead")
    row = table.row_of(lead)
    assert row is not None
    return table.record(row)


def history(org: sfsim.Org, lead: str) -> list[tuple[str, Any, Any, str]]:
    page = org.queries.run(
        f"SELECT Field, OldValue, NewValue, DataType FROM LeadHistory WHERE LeadId = '{lead}' "
        "ORDER BY CreatedDate",
        include_deleted=False,
        version="62.0",
        batch=2000,
    )
    return [(r["Field"], r["OldValue"], r["NewValue"], r["DataType"]) for r in page["records"]]


class TestRefusals:
    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({"Status": "Bogus"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
            ({"Status": None}, "REQUIRED_FIELD_MISSING"),
            ({"OwnerId": "garbage"}, "MALFORMED_ID"),
            ({"OwnerId": "0055g000000ZZZZAAA"}, "MALFORMED_ID"),
            ({"OwnerId": "0055g00000000ZZAAA"[:15]}, "INVALID_CROSS_REFERENCE_KEY"),
            ({"SystemModstamp": "2026-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
            ({"IsConverted": True}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
            ({"Nope__c": 1}, "INVALID_FIELD"),
            ({"NumberOfEmployees": "many"}, "JSON_PARSER_ERROR"),
            ({"Title": "x" * 129}, "STRING_TOO_LONG"),
        ],
    )
    def test_bad_values_are_refused_and_nothing_changes(
        self, org: sfsim.Org, body: dict[str, Any], code: str
    ) -> None:
        lead = first_lead(org)
        before = lead_row(org, lead)
        with pytest.raises(SfError) as caught:
            org.update("Lead", lead, body, user_id=org.integration_user_id)
        assert caught.value.code == code
        assert lead_row(org, lead) == before

    def test_owner_must_be_active(self, org: sfsim.Org) -> None:
        with pytest.raises(SfError) as caught:
            org.update(
                "Lead",
                first_lead(org),
                {"OwnerId": user_named(org, active=False)},
                user_id=org.integration_user_id,
            )
        assert caught.value.code == "INACTIVE_OWNER_OR_USER"

    def test_owner_queue_must_take_leads(self, org: sfsim.Org) -> None:
        groups = org.table("Group")
        cases = next(
            groups.id_of(r) for r in range(groups.size) if groups.get(r, "Name") == "Support Cases"
        )
        with pytest.raises(SfError) as caught:
            org.update("Lead", first_lead(org), {"OwnerId": cases}, user_id=org.integration_user_id)
        assert caught.value.code == "FIELD_INTEGRITY_EXCEPTION"

    def test_converted_lead_cannot_be_updated(self, org: sfsim.Org) -> None:
        lead = first_lead(org)
        sfsim.convert(org, lead, by="rep1@acme.sim", opportunity={"StageName": "Prospecting"})
        with pytest.raises(SfError) as caught:
            org.update("Lead", lead, {"Status": "Nurturing"}, user_id=org.integration_user_id)
        assert caught.value.code == "CANNOT_UPDATE_CONVERTED_LEAD"

    def test_deleted_lead_is_entity_is_deleted_with_404(self, org: sfsim.Org) -> None:
        lead = first_lead(org)
        sfsim.delete(org, "Lead", lead, by="rep1@acme.sim")
        with pytest.raises(SfError) as caught:
            org.update("Lead", lead, {"Status": "Nurturing"}, user_id=org.integration_user_id)
        assert (caught.value.status, caught.value.code) == (404, "ENTITY_IS_DELETED")


class TestTraces:
    def test_a_write_bumps_audit_fields_and_records_history(self, org: sfsim.Org) -> None:
        org.clock.pin(1800000000)
        lead = first_lead(org)
        rep = user_named(org, active=True)
        org.update(
            "Lead",
            lead,
            {"Status": "Marketing Qualified", "OwnerId": rep},
            user_id=org.integration_user_id,
            auto_assign="FALSE",
        )
        row = lead_row(org, lead)
        assert row["SystemModstamp"] == row["LastModifiedDate"] == 1800000000
        assert row["LastModifiedById"] == org.integration_user_id
        assert history(org, lead)[-3:] == [
            ("Status", "Open - Not Contacted", "Marketing Qualified", "Text"),
            (
                "Owner",
                org.display_name(lead_owner_before(org, lead)),
                org.display_name(rep),
                "Text",
            ),
            ("Owner", lead_owner_before(org, lead), rep, "EntityId"),
        ]

    def test_without_the_header_the_assignment_rule_takes_the_lead(self, org: sfsim.Org) -> None:
        lead = first_lead(org)
        rep = user_named(org, active=True)
        org.update(
            "Lead", lead, {"OwnerId": rep}, user_id=org.integration_user_id, auto_assign=None
        )
        assert lead_row(org, lead)["OwnerId"] == org.assignment_rule_owner
        org.update(
            "Lead", lead, {"OwnerId": rep}, user_id=org.integration_user_id, auto_assign="false"
        )
        assert lead_row(org, lead)["OwnerId"] == rep

    def test_stage_change_derives_closed_and_won(self, org: sfsim.Org) -> None:
        done = sfsim.convert(
            org,
            first_lead(org),
            by="rep1@acme.sim",
            opportunity={"StageName": "Prospecting", "Amount": 1000.0},
        )
        assert done.opportunity_id is not None
        org.update(
            "Opportunity",
            done.opportunity_id,
            {"StageName": "Closed Won"},
            user_id=org.integration_user_id,
        )
        opps = org.table("Opportunity")
        row = opps.row_of(done.opportunity_id)
        assert row is not None
        assert (opps.get(row, "IsClosed"), opps.get(row, "IsWon")) == (True, True)


def lead_owner_before(org: sfsim.Org, lead: str) -> str:
    """The OwnerId the lead had before the test's write (from its EntityId history row)."""
    owners = [
        old for field, old, _, kind in history(org, lead) if field == "Owner" and kind == "EntityId"
    ]
    return str(owners[0])
