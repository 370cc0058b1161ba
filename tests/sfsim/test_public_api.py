"""The package's public names are what `__all__` says."""

from __future__ import annotations

import sfsim


def test_all_names_exist_and_nothing_public_is_missing() -> None:
    assert all(hasattr(sfsim, name) for name in sfsim.__all__)
    assert {"Org", "generate", "create_app", "serve", "Server"} <= set(sfsim.__all__)


def test_create_app_serves_the_versions_list_in_process() -> None:
    from starlette.testclient import TestClient

    with TestClient(sfsim.create_app(sfsim.Org())) as client:
        answer = client.get("/services/data/")
    assert answer.status_code == 200
    assert answer.json()[-1]["version"] == "68.0"


def test_state_readers_show_what_people_did() -> None:
    org = sfsim.generate(seed=2, leads=50)
    lead = sfsim.lead_states(org)[0]["Id"]
    sfsim.edit(org, "rep1@acme.sim", "Lead", lead, {"Status": "Disqualified"})
    assert sfsim.record(org, "Lead", lead)["Status"] == "Disqualified"
    assert {"Id": lead, "Status": "Disqualified"}.items() <= sfsim.lead_states(org)[0].items()
