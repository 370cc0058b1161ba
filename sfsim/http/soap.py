"""The legacy SOAP `login()` at `/services/Soap/u/NN.N` (username, password + security token).

Salesforce retired it from API 65.0; older versions answer as before. Faults come back as SOAP
faults with HTTP 500, the shape simple-salesforce parses (`sf:exceptionCode`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

from sfsim.org import Org

SOAP_TYPE = "text/xml; charset=utf-8"
PARTNER = "{urn:partner.soap.sforce.com}"
LAST_SOAP_LOGIN_VERSION = 64
_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns="urn:partner.soap.sforce.com" xmlns:sf="urn:fault.partner.soap.sforce.com" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{}</soapenv:Body>'
    "</soapenv:Envelope>"
)


def _fault(code: str, message: str) -> Response:
    body = (
        f"<soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: "
        f'{escape(message)}</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode><sf:exceptionMessage>{escape(message)}"
        "</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>"
    )
    return Response(_ENVELOPE.format(body), 500, headers={"Content-Type": SOAP_TYPE})


def _credentials(raw: bytes) -> tuple[str, str] | None:
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        return None
    username = root.find(f".//{PARTNER}username")
    password = root.find(f".//{PARTNER}password")
    if username is None or password is None:
        return None
    return username.text or "", password.text or ""


def _success(org: Org, user: str, session: str, server_url: str) -> str:
    users = org.table("User")
    row = users.row_of(user)
    assert row is not None
    info = "".join(
        f"<{tag}>{escape(str(value))}</{tag}>"
        for tag, value in [
            ("organizationId", org.org_id), ("userEmail", users.get(row, "Email")),
            ("userFullName", users.get(row, "Name")), ("userId", user),
            ("userName", users.get(row, "Username")),
        ]
    )  # fmt: skip
    return _ENVELOPE.format(
        f"<loginResponse><result><metadataServerUrl>{server_url}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{server_url}</serverUrl><sessionId>{session}</sessionId>"
        f"<userId>{user}</userId><userInfo>{info}</userInfo></result></loginResponse>"
    )


async def login(request: Request) -> Response:
    """Check the username and password+token; answer a session id usable as a Bearer token."""
    org: Org = request.app.state.org
    version = request.path_params["version"]
    major = version.split(".")[0]
    if not major.isdigit() or int(major) > LAST_SOAP_LOGIN_VERSION:
        return _fault("INVALID_OPERATION", "The SOAP Login operation is not available in the "
                      f"API version specified ({version})")  # fmt: skip
    credentials = _credentials(await request.body())
    with org.lock:
        user = org.auth.password_user(*credentials) if credentials else None
        if user is None:
            message = "Invalid username, password, security token; or user locked out."
            return _fault("INVALID_LOGIN", message)
        session = org.auth.issue(user)
    base = str(request.base_url).rstrip("/")
    server_url = f"{base}/services/Soap/u/{version}/{org.org_id}"
    return Response(_success(org, user, session, server_url), 200,
                    headers={"Content-Type": SOAP_TYPE})  # fmt: skip
