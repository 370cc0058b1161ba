"""Salesforce at the HTTP boundary: respx routes answering with Salesforce's own shapes.

Bodies start from the JSON files in tests/fakes/payloads; the builders below only vary ids and
counts. Every test gets a client whose sleeps are recorded instead of slept.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sf_client import AccessTokenAuth, Authenticator, RetryPolicy, SalesforceClient

PAYLOADS = Path(__file__).resolve().parent.parent / "fakes" / "payloads"
INSTANCE = "https://acme.my.salesforce.com"
BASE = INSTANCE + "/services/data/v66.0"
ACCESS_TOKEN = "00D5g000004XyZa!AQ8AQGivenAccessToken"
JSON_TYPE = "application/json;charset=UTF-8"


def payload(name: str) -> Any:
    """A canned Salesforce body, parsed (JSON) or as text (XML, HTML)."""
    text = (PAYLOADS / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


def sf_response(
    body: Any = None, status: int = 200, *, used: int = 18234, total: int = 115000
) -> httpx.Response:
    """A REST response as Salesforce sends it: JSON and the limit header."""
    headers = {"Sforce-Limit-Info": "api-usage=" + str(used) + "/" + str(total)}
    if body is None:
        return httpx.Response(status, headers=headers)
    headers["Content-Type"] = JSON_TYPE
    return httpx.Response(status, headers=headers, content=json.dumps(body).encode())


def lead_id(n: int) -> str:
    """An 18-character Lead Id, distinct per n."""
    return "00Q5g" + format(n, "010d") + "EAR"


def lead(n: int, **overrides: Any) -> dict[str, Any]:
    """A queried Lead record shaped like Salesforce's, with its own Id."""
    record: dict[str, Any] = copy.deepcopy(payload("lead_record.json"))
    record["Id"] = lead_id(n)
    record["attributes"]["url"] = "/services/data/v66.0/sobjects/Lead/" + lead_id(n)
    record.update(overrides)
    return record


def query_page(
    records: list[dict[str, Any]], total: int, next_url: str | None = None
) -> dict[str, Any]:
    """A query page: totalSize repeated on each page, nextRecordsUrl only when not done."""
    body: dict[str, Any] = {"totalSize": total, "done": next_url is None, "records": records}
    if next_url is not None:
        body["nextRecordsUrl"] = next_url
    return body


def locator_url(offset: int) -> str:
    """A host-relative nextRecordsUrl, as Salesforce returns it."""
    return "/services/data/v66.0/query/0r8xx3ABCDEFGHIJKL-" + str(offset)


def error(name: str, status: int) -> httpx.Response:
    """An error response from a canned REST error array."""
    return sf_response(payload(name), status)


def html_503() -> httpx.Response:
    """What Salesforce's edge sends during maintenance: HTML, not JSON."""
    return httpx.Response(
        503,
        headers={"Content-Type": "text/html"},
        content=payload("service_unavailable.html").encode(),
    )


@pytest.fixture
def sf() -> Iterator[respx.MockRouter]:
    """The mocked org; a request without a route, or a route never called, fails the test."""
    with respx.mock(assert_all_mocked=True) as router:
        yield router


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the client asked to sleep, in order."""
    return []


@pytest.fixture
def make_client(http: httpx.Client, sleeps: list[float]) -> Callable[..., SalesforceClient]:
    """Build a client on the shared http client; defaults to the access-token mode."""

    def build(auth: Authenticator | None = None, **kwargs: Any) -> SalesforceClient:
        kwargs.setdefault("retry", RetryPolicy(random=lambda: 0.5))
        return SalesforceClient(
            http, auth or AccessTokenAuth(INSTANCE, ACCESS_TOKEN), sleep=sleeps.append, **kwargs
        )

    return build


@pytest.fixture
def client(make_client: Callable[..., SalesforceClient]) -> SalesforceClient:
    return make_client()


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def private_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    return rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="session")
def public_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    return (
        rsa_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
