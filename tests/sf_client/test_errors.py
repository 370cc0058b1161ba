"""The status + body -> exception mapping, in the one function that does it."""

from __future__ import annotations

import httpx
import pytest

from sf_client import errors
from sf_client.errors import error_from_response, error_from_transport
from tests.sf_client.conftest import error, html_503, payload, sf_response


@pytest.mark.parametrize(
    ("response", "expected", "code", "transient"),
    [
        (
            error("error_invalid_session.json", 401),
            errors.SessionExpired,
            "INVALID_SESSION_ID",
            False,
        ),
        (
            error("error_total_requests.json", 403),
            errors.RequestLimitExceeded,
            "REQUEST_LIMIT_EXCEEDED",
            False,
        ),
        (
            error("error_concurrent_long_txn.json", 403),
            errors.ConcurrentRequestLimit,
            "REQUEST_LIMIT_EXCEEDED",
            True,
        ),
        (
            sf_response(
                [{"message": "Insufficient Privileges", "errorCode": "INSUFFICIENT_ACCESS"}], 403
            ),
            errors.PermissionDenied,
            "INSUFFICIENT_ACCESS",
            False,
        ),
        (
            sf_response(
                [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}],
                404,
            ),
            errors.NotFound,
            "NOT_FOUND",
            False,
        ),
        (error("error_entity_deleted.json", 404), errors.EntityDeleted, "ENTITY_IS_DELETED", False),
        (error("error_malformed_query.json", 400), errors.MalformedQuery, "MALFORMED_QUERY", False),
        (error("error_invalid_field.json", 400), errors.InvalidField, "INVALID_FIELD", False),
        (error("error_query_timeout.json", 400), errors.QueryTimeout, "QUERY_TIMEOUT", False),
        (
            sf_response(
                [
                    {
                        "message": "unable to obtain exclusive access to this record",
                        "errorCode": "UNABLE_TO_LOCK_ROW",
                    }
                ],
                400,
            ),
            errors.RowLocked,
            "UNABLE_TO_LOCK_ROW",
            True,
        ),
        (
            error("error_restricted_picklist.json", 400),
            errors.BadRequest,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            False,
        ),
        (
            httpx.Response(414, text="<html>Request-URI Too Large</html>"),
            errors.UriTooLong,
            None,
            False,
        ),
        (httpx.Response(431), errors.UriTooLong, None, False),
        (html_503(), errors.Unavailable, None, True),
        (httpx.Response(420), errors.Unavailable, None, True),
        (httpx.Response(429), errors.Unavailable, None, True),
        (
            sf_response(
                [{"message": "An unexpected error occurred.", "errorCode": "UNKNOWN_EXCEPTION"}],
                500,
            ),
            errors.Unavailable,
            "UNKNOWN_EXCEPTION",
            True,
        ),
        (
            httpx.Response(400, text="<html>Bad gateway config</html>"),
            errors.Unavailable,
            None,
            True,
        ),
    ],
)
def test_mapping(
    response: httpx.Response,
    expected: type[errors.SalesforceError],
    code: str | None,
    transient: bool,
) -> None:
    found = error_from_response(response)

    assert type(found) is expected
    assert found.error_code == code
    assert found.status == response.status_code
    assert found.is_transient is transient


def test_every_message_of_the_array_is_kept_with_fields() -> None:
    body = [
        {
            "message": "Lead Status: bad value",
            "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "fields": ["Status"],
        },
        {
            "message": "Owner ID: id value of incorrect type",
            "errorCode": "MALFORMED_ID",
            "fields": ["OwnerId"],
        },
    ]

    found = error_from_response(sf_response(body, 400))

    assert found.message == "Lead Status: bad value; Owner ID: id value of incorrect type"
    assert found.fields == ("Status", "OwnerId")


def test_oauth_errors_are_authentication_errors_on_the_token_endpoint() -> None:
    response = httpx.Response(400, json=payload("oauth_invalid_grant.json"))

    found = error_from_response(response, token_request=True)

    assert type(found) is errors.AuthenticationError
    assert str(found) == "invalid_grant: expired access/refresh token"


def test_userinfo_object_errors_are_read() -> None:
    response = httpx.Response(
        403, json={"error": "insufficient_scope", "error_description": "missing id scope"}
    )

    found = error_from_response(response)

    assert type(found) is errors.PermissionDenied
    assert found.error_code == "insufficient_scope"


def test_empty_and_html_bodies_say_so() -> None:
    assert "empty body" in str(error_from_response(httpx.Response(502)))
    assert "non-JSON body" in str(error_from_response(html_503()))


def test_transport_failures() -> None:
    timeout = error_from_transport(httpx.ReadTimeout("read timed out"))
    refused = error_from_transport(httpx.ConnectError("[Errno 111] Connection refused"))

    assert timeout.is_transient
    assert refused.is_transient
    assert "timed out" in str(timeout)
    assert "connection failed" in str(refused)


def test_tree_as_drawn() -> None:
    assert issubclass(errors.EntityDeleted, errors.NotFound)
    for bad_request in (
        errors.MalformedQuery,
        errors.InvalidField,
        errors.QueryTimeout,
        errors.UriTooLong,
    ):
        assert issubclass(bad_request, errors.BadRequest)
    for name in (
        "AuthenticationError",
        "SessionExpired",
        "PermissionDenied",
        "RequestLimitExceeded",
        "ConcurrentRequestLimit",
        "Unavailable",
    ):
        assert issubclass(getattr(errors, name), errors.SalesforceError)
