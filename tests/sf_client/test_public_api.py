"""`sf_client.__all__` names exactly what the package exports, and all of it exists."""

from __future__ import annotations

import sf_client


def test_all_is_honest() -> None:
    public = {name for name in vars(sf_client) if not name.startswith("_")}
    modules = {name for name, value in vars(sf_client).items() if type(value).__name__ == "module"}

    assert sorted(sf_client.__all__) == sorted(public - modules)
    assert len(set(sf_client.__all__)) == len(sf_client.__all__)


def test_the_faces_the_app_codes_against_are_there() -> None:
    for name in (
        "SalesforceClient",
        "AccessTokenAuth",
        "RefreshTokenAuth",
        "JwtBearerAuth",
        "ClientCredentialsAuth",
        "SoapPasswordAuth",
        "Authenticator",
        "Identity",
        "Token",
        "login_url",
        "RetryPolicy",
        "SalesforceError",
        "RecordResult",
        "QueryPage",
    ):
        assert name in sf_client.__all__
