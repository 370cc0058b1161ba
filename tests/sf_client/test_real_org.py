"""What a real org sends that a simulator long did not: replayed at the HTTP boundary.

Each test answers with the body Salesforce sends (error arrays as Salesforce writes them) and
checks what the client does with it: rotated refresh tokens, 15-character Ids, an absolute
`nextRecordsUrl`, duplicate rules, validation rules and flows, expired cursors, the API budget
and the pushback that retries absorb.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from sf_client import (
    AccessTokenAuth,
    ApiBudget,
    ApiBudgetSpent,
    ApiUsage,
    AuthenticationError,
    InvalidQueryLocator,
    RefreshTokenAuth,
    RetryPolicy,
    SalesforceClient,
)
from tests.sf_client.conftest import (
    ACCESS_TOKEN,
    BASE,
    INSTANCE,
    error,
    html_503,
    lead,
    lead_id,
    locator_url,
    payload,
    query_page,
    sf_response,
)

LOGIN_TOKEN = "https://login.salesforce.com/services/oauth2/token"
COLLECTIONS = BASE + "/composite/sobjects"


@pytest.fixture
def org() -> Iterator[respx.MockRouter]:
    """The mocked org: every request needs a route, and every route must be called."""
    with respx.mock(assert_all_mocked=True) as router:
        yield router


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def _client(http: httpx.Client, auth: object = None, **kwargs: object) -> SalesforceClient:
    return SalesforceClient(
        http,
        auth or AccessTokenAuth(INSTANCE, ACCESS_TOKEN),  # type: ignore[arg-type]
        retry=RetryPolicy(random=lambda: 0.5),
        sleep=lambda _s: None,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_rotated_refresh_token_is_handed_over_and_used_next(
    org: respx.MockRouter, http: httpx.Client
) -> None:
    first = payload("token_refresh.json") | {"refresh_token": "5Aep861.rotatedFirstGeneration"}
    second = payload("token_refresh_15char_id.json")
    route = org.post(LOGIN_TOKEN).mock(
        side_effect=[httpx.Response(200, json=first), httpx.Response(200, json=second)]
    )
    kept: list[str] = []
    auth = RefreshTokenAuth("5Aep861.seed", "3MVG9.key", None, "login", on_rotate=kept.append)

    auth.authenticate(http)
    auth.authenticate(http)

    sent = [_form(call.request)["refresh_token"] for call in route.calls]
    assert sent == ["5Aep861.seed", "5Aep861.rotatedFirstGeneration"]
    assert kept == ["5Aep861.rotatedFirstGeneration", "5Aep861.rotatedSecondGeneration"]
    assert "rotated" not in repr(auth)


def test_a_revoked_token_family_is_an_authentication_error(
    org: respx.MockRouter, http: httpx.Client
) -> None:
    org.post(LOGIN_TOKEN).mock(
        return_value=httpx.Response(400, json=payload("oauth_invalid_grant.json"))
    )
    kept: list[str] = []
    auth = RefreshTokenAuth("5Aep861.reused", "3MVG9.key", None, "login", on_rotate=kept.append)

    with pytest.raises(AuthenticationError) as caught:
        auth.authenticate(http)

    assert caught.value.error_code == "invalid_grant"
    assert "5Aep861" not in str(caught.value)
    assert kept == []


def test_fifteen_character_ids_in_the_token_id_url_are_made_eighteen(
    org: respx.MockRouter, http: httpx.Client
) -> None:
    org.post(LOGIN_TOKEN).mock(
        return_value=httpx.Response(200, json=payload("token_refresh_15char_id.json"))
    )
    client = _client(http, RefreshTokenAuth("5Aep861.seed", "3MVG9.key", None, "login"))

    identity = client.identity()

    assert identity.org_id == "00D5g000004XyZaEAK"
    assert identity.user_id == "0055g00000AbCdEAAV"


def test_fifteen_character_ids_in_userinfo_are_made_eighteen(
    org: respx.MockRouter, http: httpx.Client
) -> None:
    body = payload("userinfo.json") | {
        "user_id": "0055g00000AbCdE",
        "organization_id": "00D5g000004XyZa",
    }
    org.get(INSTANCE + "/services/oauth2/userinfo").mock(return_value=sf_response(body))

    identity = _client(http).identity()

    assert (identity.org_id, identity.user_id) == ("00D5g000004XyZaEAK", "0055g00000AbCdEAAV")


def test_an_absolute_next_records_url_is_followed_on_the_instance(
    org: respx.MockRouter, http: httpx.Client
) -> None:
    absolute = INSTANCE + locator_url(2000)
    org.get(BASE + "/query/").mock(return_value=sf_response(query_page([lead(1)], 2, absolute)))
    more = org.get(INSTANCE + locator_url(2000)).mock(
        return_value=sf_response(query_page([lead(2)], 2))
    )

    records = list(_client(http).query("SELECT Id FROM Lead"))

    assert [r["Id"] for r in records] == [lead_id(1), lead_id(2)]
    assert more.calls.last.request.headers["Authorization"] == "Bearer " + ACCESS_TOKEN


def test_an_expired_cursor_is_its_own_error(org: respx.MockRouter, http: httpx.Client) -> None:
    org.get(BASE + "/query/").mock(
        return_value=sf_response(query_page([lead(1)], 2, locator_url(2000)))
    )
    org.get(INSTANCE + locator_url(2000)).mock(
        return_value=error("error_invalid_query_locator.json", 400)
    )

    pages = _client(http).query_pages("SELECT Id FROM Lead")
    next(pages)
    with pytest.raises(InvalidQueryLocator) as caught:
        next(pages)

    assert caught.value.error_code == "INVALID_QUERY_LOCATOR"


@pytest.mark.parametrize("allow", [True, False])
def test_writes_carry_the_duplicate_rule_header_unless_turned_off(
    org: respx.MockRouter, http: httpx.Client, allow: bool
) -> None:
    route = org.patch(COLLECTIONS).mock(
        return_value=sf_response([{"id": lead_id(1), "success": True, "errors": []}])
    )

    _client(http, allow_duplicate_save=allow).update_many("Lead", [{"Id": lead_id(1)}])

    headers = route.calls.last.request.headers
    assert headers["Sforce-Auto-Assign"] == "FALSE"
    assert headers.get("Sforce-Duplicate-Rule-Header") == ("allowSave=true" if allow else None)


def test_refused_rows_are_named_with_code_field_and_salesforce_message(
    org: respx.MockRouter, http: httpx.Client
) -> None:
    refused = payload("collections_refused.json")
    org.patch(COLLECTIONS).mock(return_value=sf_response(refused))
    records = [{"Id": lead_id(n), "Status": "MQL"} for n in range(len(refused))]

    results = _client(http).update_many("Lead", records)

    assert [(r.id, r.success, r.error_code) for r in results] == [
        (lead_id(0), False, "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
        (lead_id(1), False, "CANNOT_EXECUTE_FLOW_TRIGGER"),
        (lead_id(2), False, "INSUFFICIENT_ACCESS_OR_READONLY"),
        (lead_id(3), False, "ENTITY_IS_LOCKED"),
        (lead_id(4), False, "INVALID_CROSS_REFERENCE_KEY"),
        (lead_id(5), False, "DUPLICATES_DETECTED"),
    ]
    assert results[0].fields == ("LeadSource",)
    assert results[0].message == (
        "A lead needs a Lead Source before it can become a Marketing Qualified Lead."
    )
    assert results[5].message == (
        "Use one of these records? (duplicate rule Standard_Lead_Duplicate_Rule matched "
        "00Q5g00000Dup01EAA)"
    )


def test_the_budget_stops_before_the_request_that_would_pass_it(
    org: respx.MockRouter, http: httpx.Client
) -> None:
    route = org.get(BASE + "/limits/").mock(
        return_value=sf_response(payload("limits.json"), used=40_000, total=100_000)
    )
    usage = ApiUsage(ApiBudget(percent=50, earlier_calls=49_999))
    client = _client(http, usage=usage)

    client.limits()  # the allocation is unknown until the first answer: this one goes
    with pytest.raises(ApiBudgetSpent) as caught:
        client.limits()

    assert route.call_count == 1
    assert usage.own_used == 50_000
    assert "50% of the org's daily allocation (100,000" in str(caught.value)


def test_the_budget_reads_per_app_usage_when_the_header_carries_it(
    org: respx.MockRouter, http: httpx.Client
) -> None:
    header = "api-usage=3000/5000; per-app-api-usage=2500/4000(appName=handoff)"
    route = org.get(BASE + "/limits/").mock(
        return_value=httpx.Response(
            200, headers={"Sforce-Limit-Info": header}, json=payload("limits.json")
        )
    )
    usage = ApiUsage(ApiBudget(percent=50))
    client = _client(http, usage=usage)

    client.limits()
    with pytest.raises(ApiBudgetSpent):
        client.limits()

    assert route.call_count == 1
    assert usage.own_used == 2500


def test_pushback_absorbed_by_retries_is_counted(
    org: respx.MockRouter, http: httpx.Client, make_client: Callable[..., SalesforceClient]
) -> None:
    org.get(BASE + "/limits/").mock(
        side_effect=[
            html_503(),
            error("error_invalid_session.json", 401),
            sf_response(payload("limits.json")),
        ]
    )
    locked = {
        "success": False,
        "errors": [
            {
                "statusCode": "UNABLE_TO_LOCK_ROW",
                "message": "unable to obtain exclusive access to this record or 1 records: "
                + lead_id(2),
                "fields": [],
            }
        ],
    }
    org.patch(COLLECTIONS).mock(
        side_effect=[
            sf_response([{"id": lead_id(1), "success": True, "errors": []}, locked]),
            sf_response([{"id": lead_id(2), "success": True, "errors": []}]),
        ]
    )
    org.post(LOGIN_TOKEN).mock(return_value=httpx.Response(200, json=payload("token_refresh.json")))
    client = make_client(RefreshTokenAuth("5Aep861.seed", "3MVG9.key", None, "login"))

    client.limits()
    client.update_many("Lead", [{"Id": lead_id(1)}, {"Id": lead_id(2)}])

    assert client.usage.pushback() == {
        "retried": {"503": 1},
        "rows_retried": 1,
        "reauthentications": 1,
    }
