"""sfsim behaving like a customer's org: rotation, cursors, write rules, per-app usage."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import sfsim
from sfsim.write_rules import WriteRule

TOKEN = "/services/oauth2/token"
DATA = "/services/data/v62.0"


def _refresh(http: httpx.Client, org: sfsim.Org, token: str) -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": token,
        "client_id": org.auth.consumer_key,
    }
    return http.post(TOKEN, data=form)


def _lead_ids(org: sfsim.Org, count: int) -> list[str]:
    """The first `count` leads an update can reach (not converted, not deleted)."""
    table = org.table("Lead")
    open_rows = (
        row
        for row in range(table.size)
        if table.exists(row)
        and not table.get(row, "IsConverted")
        and not table.get(row, "IsDeleted")
    )
    return [table.id_of(next(open_rows)) for _ in range(count)]


def _patch(http: httpx.Client, ids: list[str], values: dict[str, Any], **headers: str) -> Any:
    records = [{"attributes": {"type": "Lead"}, "id": i, **values} for i in ids]
    answer = http.patch(
        f"{DATA}/composite/sobjects", json={"allOrNone": False, "records": records}, headers=headers
    )
    assert answer.status_code == 200
    return answer.json()


class TestRotation:
    def test_each_refresh_rotates_and_a_reused_token_revokes_the_family(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        org.faults.rotate_refresh = True
        first = org.auth.issue_refresh(org.integration_user_id)

        second = _refresh(http, org, first).json()["refresh_token"]
        third = _refresh(http, org, second).json()["refresh_token"]
        reused = _refresh(http, org, first)

        assert reused.status_code == 400
        assert reused.json() == {
            "error": "invalid_grant",
            "error_description": "expired access/refresh token",
        }
        assert _refresh(http, org, third).status_code == 400  # the whole family is gone
        assert not org.auth.family_alive(first)

    def test_without_rotation_the_token_stays_and_no_new_one_is_sent(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        token = org.auth.issue_refresh(org.integration_user_id)
        assert "refresh_token" not in _refresh(http, org, token).json()
        assert _refresh(http, org, token).status_code == 200

    def test_short_ids_in_the_id_url(self, http: httpx.Client, org: sfsim.Org) -> None:
        org.faults.short_ids = True
        body = _refresh(http, org, org.auth.issue_refresh(org.integration_user_id)).json()
        assert body["id"].endswith(f"/id/{org.org_id[:15]}/{org.integration_user_id[:15]}")


class TestCursors:
    def _first_page(self, http: httpx.Client, **headers: str) -> dict[str, Any]:
        params = {"q": "SELECT Id FROM Lead"}
        return http.get(f"{DATA}/query/", params=params, headers=headers).json()

    def test_expired_cursor_and_absolute_next_url(
        self, http: httpx.Client, org: sfsim.Org, server: sfsim.Server
    ) -> None:
        org.faults.absolute_next_urls = True
        page = self._first_page(http, **{"Sforce-Query-Options": "batchSize=200"})
        assert page["nextRecordsUrl"].startswith(server.base_url + f"{DATA}/query/0r8")
        org.faults.expire_cursors = 1

        expired = http.get(page["nextRecordsUrl"])
        again = http.get(page["nextRecordsUrl"])

        assert expired.status_code == 400
        assert expired.json() == [
            {"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR", "fields": []}
        ]
        assert again.status_code == 200

    def test_a_locator_belongs_to_the_session_that_opened_it(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        page = self._first_page(http, **{"Sforce-Query-Options": "batchSize=200"})
        other = org.auth.issue(org.integration_user_id)

        refused = http.get(page["nextRecordsUrl"], headers={"Authorization": f"Bearer {other}"})

        assert refused.status_code == 400
        assert refused.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


class TestWriteRules:
    def test_validation_rule_names_its_field_and_passes_once_the_field_is_filled(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        blocked, allowed = _lead_ids(org, 2)
        org.update("Lead", allowed, {"LeadSource": "Web"}, user_id=org.integration_user_id)
        org.update("Lead", blocked, {"LeadSource": None}, user_id=org.integration_user_id)
        org.write_rules.append(
            WriteRule("validation", when={"Title": "VP"}, require="LeadSource",
                      error_field="LeadSource", message="Lead Source is required")
        )  # fmt: skip

        results = _patch(http, [blocked, allowed], {"Title": "VP"})

        assert results[0] == {
            "success": False,
            "errors": [
                {
                    "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    "message": "Lead Source is required",
                    "fields": ["LeadSource"],
                }
            ],
        }
        assert results[1]["success"] is True

    @pytest.mark.parametrize(("action", "header", "saved"), [
        ("alert", None, False), ("alert", "allowSave=true", True),
        ("block", "allowSave=true", False),
    ])  # fmt: skip
    def test_duplicate_rule_alert_lets_allow_save_through_and_block_never(
        self, http: httpx.Client, org: sfsim.Org, action: str, header: str | None, saved: bool
    ) -> None:
        lead, match = _lead_ids(org, 2)
        org.write_rules.append(
            WriteRule("duplicate", "Standard_Lead_Duplicate_Rule", ids=frozenset({lead}),
                      action=action, matches=(match,))
        )  # fmt: skip
        headers = {"Sforce-Duplicate-Rule-Header": header} if header else {}

        [result] = _patch(http, [lead], {"Title": "VP"}, **headers)

        assert result["success"] is saved
        if not saved:
            [error] = result["errors"]
            assert error["statusCode"] == "DUPLICATES_DETECTED"
            assert error["duplicateResult"]["duplicateRule"] == "Standard_Lead_Duplicate_Rule"
            [matched] = error["duplicateResult"]["matchResults"][0]["matchRecords"]
            assert matched["record"]["Id"] == match

    @pytest.mark.parametrize(("kind", "code"), [
        ("flow", "CANNOT_EXECUTE_FLOW_TRIGGER"), ("approval_lock", "ENTITY_IS_LOCKED"),
        ("no_access", "INSUFFICIENT_ACCESS_OR_READONLY"),
    ])  # fmt: skip
    def test_flows_locks_and_access_refuse_the_row(
        self, http: httpx.Client, org: sfsim.Org, kind: str, code: str
    ) -> None:
        lead, other = _lead_ids(org, 2)
        org.write_rules.append(WriteRule(kind, "Lead Routing", ids=frozenset({lead})))

        results = _patch(http, [lead, other], {"Title": "VP"})

        assert results[0]["errors"][0]["statusCode"] == code
        assert results[1]["success"] is True


def test_per_app_usage_rides_in_the_limit_header(http: httpx.Client, org: sfsim.Org) -> None:
    org.faults.per_app_max = 5000
    answer = http.get(f"{DATA}/limits/")
    header = answer.headers["Sforce-Limit-Info"]
    assert header.startswith("api-usage=")
    assert "; per-app-api-usage=" in header
    assert header.endswith("/5000(appName=handoff)")
