"""`SF_DOMAIN` normalisation: every spelling of one org gives one login URL."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sf_client import login_url

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("login", "https://login.salesforce.com"),
        ("test", "https://test.salesforce.com"),
        (" Login ", "https://login.salesforce.com"),
        ("acme.my", "https://acme.my.salesforce.com"),
        ("acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("https://acme.my.salesforce.com/", "https://acme.my.salesforce.com"),
        ("https://acme.my.salesforce.com/services/oauth2", "https://acme.my.salesforce.com"),
        ("acme--uat.sandbox.my", "https://acme--uat.sandbox.my.salesforce.com"),
        ("http://127.0.0.1:8443", "http://127.0.0.1:8443"),
        ("https://localhost:9443/anything", "https://localhost:9443"),
    ],
)
def test_examples(domain: str, expected: str) -> None:
    assert login_url(domain) == expected


@pytest.mark.parametrize("domain", ["", "acme my", "https://", "ftp://acme.my", "acme/.my", "-x"])
def test_nonsense_is_refused(domain: str) -> None:
    with pytest.raises(ValueError, match="SF_DOMAIN"):
        login_url(domain)


@given(st.lists(LABEL, min_size=1, max_size=4).map(".".join))
def test_every_spelling_of_a_my_domain_agrees(prefix: str) -> None:
    spellings = [prefix, prefix + ".salesforce.com", "https://" + prefix + ".salesforce.com/"]
    if prefix in ("login", "test"):
        return
    assert len({login_url(s) for s in spellings}) == 1


@given(st.lists(LABEL, min_size=1, max_size=4).map(".".join))
def test_result_is_a_bare_origin_and_a_fixed_point(domain: str) -> None:
    url = login_url(domain)
    parts = urlsplit(url)

    assert parts.scheme == "https"
    assert parts.hostname is not None
    assert parts.hostname.endswith(".salesforce.com")
    assert parts.path == parts.query == parts.fragment == ""
    assert login_url(url) == url


@given(
    st.sampled_from(["http", "https"]),
    st.lists(LABEL, min_size=1, max_size=3).map(".".join),
    st.integers(min_value=1, max_value=65535),
    st.from_regex(r"(/[a-z0-9]{0,8}){0,3}", fullmatch=True),
)
def test_full_urls_keep_scheme_host_and_port(scheme: str, host: str, port: int, path: str) -> None:
    assert login_url(scheme + "://" + host + ":" + str(port) + path) == (
        scheme + "://" + host + ":" + str(port)
    )
