"""Every auth mode behind one face: `authenticate(http) -> Token` and `can_refresh`.

The modes live in `sf_client.oauth` (token flows over httpx) and `sf_client.soap` (the legacy
SOAP login); this module is where the app finds them.
"""

from sf_client.oauth import AccessTokenAuth, ClientCredentialsAuth, JwtBearerAuth, RefreshTokenAuth
from sf_client.soap import SoapPasswordAuth
from sf_client.tokens import Authenticator, Identity, Token, identity_from_url, login_url

__all__ = [
    "AccessTokenAuth",
    "Authenticator",
    "ClientCredentialsAuth",
    "Identity",
    "JwtBearerAuth",
    "RefreshTokenAuth",
    "SoapPasswordAuth",
    "Token",
    "identity_from_url",
    "login_url",
]
