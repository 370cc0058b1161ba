"""The token endpoint's three grants and userinfo."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import sfsim

TOKEN = "/services/oauth2/token"


@pytest.fixture
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _assertion(org: sfsim.Org, key: rsa.RSAPrivateKey, **claims: object) -> str:
    body = {
        "iss": org.auth.consumer_key,
        "sub": "integration@handoff.sim",
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 180,
    } | claims
    return jwt.encode(body, key, algorithm="RS256")


class TestGrants:
    def test_refresh_token_grant_issues_a_token_naming_org_and_user(
        self, http: httpx.Client, org: sfsim.Org, server: sfsim.Server
    ) -> None:
        refresh = org.auth.issue_refresh(org.integration_user_id)
        answer = http.post(
            TOKEN,
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh,
                "client_id": org.auth.consumer_key,
            },
        )
        body = answer.json()
        assert answer.headers["content-type"] == "application/json;charset=UTF-8"
        assert body["id"] == f"{server.base_url}/id/{org.org_id}/{org.integration_user_id}"
        assert body["instance_url"] == server.base_url
        assert body["issued_at"].isdigit()
        assert "expires_in" not in body

    def test_dead_refresh_token_is_invalid_grant(self, http: httpx.Client, org: sfsim.Org) -> None:
        answer = http.post(
            TOKEN,
            data={
                "grant_type": "refresh_token",
                "refresh_token": "nope",
                "client_id": org.auth.consumer_key,
            },
        )
        assert answer.status_code == 400
        assert answer.json() == {
            "error": "invalid_grant",
            "error_description": "expired access/refresh token",
        }

    def test_client_credentials_accept_basic_auth(self, http: httpx.Client, org: sfsim.Org) -> None:
        answer = http.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            auth=(org.auth.consumer_key, org.auth.consumer_secret),
        )
        assert answer.status_code == 200
        wrong = http.post(
            TOKEN, data={"grant_type": "client_credentials"}, auth=(org.auth.consumer_key, "wrong")
        )
        assert wrong.json()["error"] == "invalid_client"

    def test_jwt_bearer_checks_signature_when_a_key_is_registered(
        self, http: httpx.Client, org: sfsim.Org, key: rsa.RSAPrivateKey
    ) -> None:
        org.auth.jwt_public_key = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
        good = http.post(TOKEN, data={"grant_type": grant, "assertion": _assertion(org, key)})
        assert good.status_code == 200
        assert "refresh_token" not in good.json()
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = http.post(TOKEN, data={"grant_type": grant, "assertion": _assertion(org, other)})
        assert forged.json()["error"] == "invalid_grant"
        audience = http.post(
            TOKEN,
            data={
                "grant_type": grant,
                "assertion": _assertion(org, key, aud="https://evil.example"),
            },
        )
        assert audience.json() == {
            "error": "invalid_grant",
            "error_description": "audience is invalid",
        }

    def test_userinfo_names_the_user_and_refuses_bad_tokens(
        self, http: httpx.Client, org: sfsim.Org
    ) -> None:
        info = http.get("/services/oauth2/userinfo").json()
        assert (info["user_id"], info["organization_id"]) == (org.integration_user_id, org.org_id)
        assert info["preferred_username"] == "integration@handoff.sim"
        bad = http.get("/services/oauth2/userinfo", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        assert bad.json()["error"] == "invalid_token"


class TestSoapLogin:
    """simple-salesforce's own SOAP login, pointed at the simulator through its `domain`."""

    def _login(self, server: sfsim.Server, password: str, version: str) -> tuple[str, str]:
        import requests
        from simple_salesforce.login import SalesforceLogin

        session = requests.Session()
        session.trust_env = False
        session.verify = server.ca_file or False
        host = server.base_url.removeprefix("https://")
        try:
            session_id, instance = SalesforceLogin(
                username="integration@handoff.sim", password=password,
                security_token="SFSIMTOKEN", domain=f"{host}/services/Soap/u/{version}?to=",
                sf_version=version, session=session,
            )  # fmt: skip
        finally:
            session.close()
        return str(session_id), str(instance)

    def test_good_credentials_give_a_usable_session(
        self, server: sfsim.Server, http: httpx.Client
    ) -> None:
        session_id, instance = self._login(server, "sfsim-password", "64.0")
        assert instance == server.base_url.removeprefix("https://")
        info = http.get(
            "/services/oauth2/userinfo", headers={"Authorization": f"Bearer {session_id}"}
        )
        assert info.json()["preferred_username"] == "integration@handoff.sim"

    @pytest.mark.parametrize(
        ("password", "version", "code"),
        [("wrong", "64.0", "INVALID_LOGIN"), ("sfsim-password", "65.0", "INVALID_OPERATION")],
    )
    def test_refusals_are_soap_faults(
        self, server: sfsim.Server, password: str, version: str, code: str
    ) -> None:
        from simple_salesforce.exceptions import SalesforceAuthenticationFailed

        with pytest.raises(SalesforceAuthenticationFailed) as caught:
            self._login(server, password, version)
        assert caught.value.code == code
