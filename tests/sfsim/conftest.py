"""Fixtures: a seeded org, the org served over loopback HTTPS, and real clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
import requests
from simple_salesforce.api import Salesforce, SFType

import sfsim

API = "62.0"


@pytest.fixture
def org() -> sfsim.Org:
    """The demo org (1,000 leads), fresh for each test."""
    return sfsim.generate(seed="demo")


@pytest.fixture
def server(org: sfsim.Org) -> Iterator[sfsim.Server]:
    """The org on 127.0.0.1 over HTTPS."""
    with sfsim.serve(org) as running:
        yield running


@pytest.fixture
def http(server: sfsim.Server) -> Iterator[httpx.Client]:
    """An httpx client trusting the server's CA, with the integration user's token."""
    with httpx.Client(
        base_url=server.base_url,
        verify=server.ssl_context(),
        headers={"Authorization": f"Bearer {server.access_token}"},
    ) as client:
        yield client


def _release(response: requests.Response, *args: object, **kwargs: object) -> None:
    """Read each response and close its socket file at once.

    pytest keeps raised errors alive past fixture teardown, and through their tracebacks the
    responses, whose open socket file would keep the connection open after `session.close()`.
    """
    _ = response.content
    response.raw.close()
    response.close()


@pytest.fixture
def sf(server: sfsim.Server) -> Iterator[Salesforce]:
    """simple-salesforce in its direct mode (instance URL + session id) over HTTPS."""
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins over verify
    session.verify = server.ca_file or False
    session.hooks["response"].append(_release)
    yield Salesforce(
        instance_url=server.base_url, session_id=server.access_token, version=API, session=session
    )
    session.close()


def first_lead(org: sfsim.Org, status: str = "Open - Not Contacted") -> str:
    """The id of the first live, unconverted lead in a status."""
    leads = org.table("Lead")
    for row in range(leads.size):
        if leads.get(row, "Status") == status and not leads.get(row, "IsConverted"):
            return leads.id_of(row)
    raise AssertionError(f"no lead in {status}")


def user_named(org: sfsim.Org, *, active: bool) -> str:
    """A sales rep, active or not."""
    users = org.table("User")
    for row in range(users.size):
        name = users.get(row, "Username")
        if name.startswith("rep") and users.get(row, "IsActive") is active:
            return users.id_of(row)
    raise AssertionError("no such rep")


def lead_api(sf: Salesforce) -> SFType:
    """`sf.Lead`, typed: simple-salesforce builds it by attribute magic."""
    return cast(SFType, sf.Lead)


def as_dict(value: Any) -> dict[str, Any]:
    """A simple-salesforce answer, typed for the assertions that read it."""
    assert isinstance(value, dict)
    return value


def error_code(error: Exception) -> str:
    """The first errorCode of a simple-salesforce REST exception's parsed body."""
    content = cast(list[dict[str, Any]], getattr(error, "content", None))
    return str(content[0]["errorCode"])
