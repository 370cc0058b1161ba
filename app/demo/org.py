"""The demo's simulated org, and the rules file written for it.

The org is `sfsim` seeded with the `demo` preset, served over HTTPS on loopback by a throwaway CA,
so the real client code (TLS, OAuth headers, paging, Collections writes) runs exactly as it would
against Salesforce. The sample rules name users and queues by placeholder; they are resolved over
the API, the way an admin would look the Ids up, so the file stays right if the seed changes.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from importlib.resources import files
from string import Template

import httpx

from app.errors import HandoffError
from app.settings import SalesforceSettings, Settings
from sf_client import AccessTokenAuth, SalesforceClient
from sfsim import PRESETS, Server, generate, serve

SAMPLE = "demo-rules.yaml"
QUEUE_PLACEHOLDERS = {"Inbound_Leads": "lead_queue"}
MARKETING_USERNAME = "marketo@acme.sim"


@contextmanager
def simulated_org() -> Iterator[Server]:
    """The seeded demo org, served over HTTPS on a free loopback port until the block ends.

    The seeded history ends now rather than at the preset's fixed date, so the SLA states show a
    live mix (pending, met, breached, stale) instead of an org where every MQL went stale.
    """
    org = generate(replace(PRESETS["demo"], now=int(time.time())))
    with serve(org, host="127.0.0.1", port=0, tls=True) as server:
        yield server


@contextmanager
def sim_connection(sf: SalesforceSettings, settings: Settings) -> Iterator[SalesforceClient]:
    """`app.salesforce.connect` for the simulated org, deaf to the environment.

    httpx would route through `HTTPS_PROXY`/`ALL_PROXY` and trust `SSL_CERT_FILE`; a proxy
    cannot reach this machine's loopback anyway, so the demo connects directly and trusts only
    the simulated org's CA.
    """
    assert sf.ca_bundle is not None, "the simulated org is served over HTTPS"
    assert sf.instance_url is not None, "access-token mode"
    assert sf.access_token is not None, "access-token mode"
    auth = AccessTokenAuth(sf.instance_url, sf.access_token.get_secret_value())
    verify = ssl.create_default_context(cafile=str(sf.ca_bundle))
    with httpx.Client(verify=verify, timeout=settings.http_timeout, trust_env=False) as http:
        yield SalesforceClient(
            http,
            auth,
            api_version=sf.api_version,
            write_concurrency=settings.write_concurrency,
        )


def sample_rules() -> str:
    """The sample rules template shipped with the package."""
    return files("app").joinpath("samples", SAMPLE).read_text(encoding="utf-8")


def org_placeholders(sf: SalesforceClient) -> dict[str, str]:
    """Placeholder name -> Id: `repN` for each seeded rep, `marketing`, and the lead queue."""
    found: dict[str, str] = {}
    for user in sf.query("SELECT Id, Username FROM User"):
        username = str(user["Username"])
        if username == MARKETING_USERNAME:
            found["marketing"] = str(user["Id"])
        elif username.startswith("rep") and username.endswith("@acme.sim"):
            found[username.removesuffix("@acme.sim")] = str(user["Id"])
    for queue in sf.query("SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue'"):
        name = QUEUE_PLACEHOLDERS.get(str(queue["DeveloperName"]))
        if name is not None:
            found[name] = str(queue["Id"])
    return found


def render_rules(template: str, placeholders: dict[str, str]) -> str:
    """The template with every `${name}` replaced; a name the org lacks is an error."""
    try:
        return Template(template).substitute(placeholders)
    except KeyError as missing:
        raise HandoffError(
            f"the simulated org has no user or queue for ${{{missing.args[0]}}} in the sample rules"
        ) from None
