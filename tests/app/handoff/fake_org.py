"""A small org behind respx for the handoff tests: describe, IN-list queries, Collections PATCH.

It answers in Salesforce's shapes (query pages with `attributes`, Collections results with
`statusCode` errors, the `Sforce-Limit-Info` header) and keeps its leads in memory, so a test
checks the org state a run leaves, not the calls it made. Faults: 503 for the next K writes
(with or without the write landing), rows that fail once with a given code, and a person's
change applied just before the next pre-write read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx

INSTANCE = "https://acme.my.salesforce.com"
BASE = f"{INSTANCE}/services/data/v66.0"
_IN_LIST = re.compile(r"IN \(([^)]*)\)")


def _field(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name, "label": name, "type": kind, "updateable": True, "nillable": True,
        "length": extra.pop("length", 0), "referenceTo": [], "restrictedPicklist": False,
        "picklistValues": extra.pop("picklistValues", []), **extra,
    }  # fmt: skip


STATUSES = [
    "Open - Not Contacted", "Nurturing", "Working - Contacted", "Marketing Qualified",
    "Closed - Not Converted",
]  # fmt: skip


def describe_body() -> dict[str, Any]:
    statuses = [
        {"active": True, "defaultValue": i == 0, "label": s, "validFor": None, "value": s}
        for i, s in enumerate(STATUSES)
    ]
    fields = [
        _field("Id", "id", length=18),
        _field("Status", "picklist", picklistValues=statuses, restrictedPicklist=True),
        _field("OwnerId", "reference", length=18),
        _field("IsConverted", "boolean"),
        _field("NumberOfEmployees", "int"),
        _field("Title", "string", length=128),
        _field("LeadSource", "picklist"),
        _field("Email", "email", length=80),
        _field("Phone", "phone", length=40),
        _field("Country", "string", length=80),
        _field("MQL_Date__c", "date"),
        _field("Lead_Score__c", "double"),
        _field("MQL_Reason__c", "string", length=255),
    ]
    return {"name": "Lead", "keyPrefix": "00Q", "fields": fields}


@dataclass
class FakeOrg:
    """Leads by Id (Salesforce field names), plus the request log and the faults to inject."""

    leads: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[httpx.Request] = field(default_factory=list)
    writes_unavailable: int = 0  # the next K Collections calls answer 503, writing nothing
    answers_lost: int = 0  # the next K Collections calls write, then answer 503
    failing: dict[str, str] = field(default_factory=dict)  # lead Id -> statusCode, once
    before_read: list[Callable[[FakeOrg], None]] = field(default_factory=list)
    usage: int = 1000

    def install(self, router: respx.MockRouter) -> None:
        """One route for the org's host (so respx's unused-route check holds for any test that
        reaches the org); requests the org does not serve are a test failure."""
        router.route(host="acme.my.salesforce.com").mock(side_effect=self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path.endswith("/sobjects/Lead/describe"):
            return self._describe(request)
        if request.method == "GET" and re.search(r"/query/?$", path):
            return self._query(request)
        if request.method == "PATCH" and path.endswith("/composite/sobjects"):
            return self._collections(request)
        raise AssertionError(f"the fake org does not serve {request.method} {request.url}")

    def writes(self) -> list[httpx.Request]:
        return [r for r in self.calls if r.method == "PATCH"]

    def queries(self) -> list[httpx.Request]:
        return [r for r in self.calls if r.url.path.endswith("/query/")]

    def _answer(self, request: httpx.Request, status: int, body: Any) -> httpx.Response:
        self.calls.append(request)
        self.usage += 1
        headers = {"Sforce-Limit-Info": f"api-usage={self.usage}/100000"}
        if status == 503:
            return httpx.Response(503, text="<html>Service Unavailable</html>", headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    def _describe(self, request: httpx.Request) -> httpx.Response:
        return self._answer(request, 200, describe_body())

    def _query(self, request: httpx.Request) -> httpx.Response:
        soql = request.url.params["q"]
        while self.before_read:
            self.before_read.pop(0)(self)
        found = _IN_LIST.search(soql)
        ids = re.findall(r"'([^']*)'", found.group(1)) if found else []
        records = [
            {
                "attributes": {"type": "Lead", "url": f"/services/data/v66.0/sobjects/Lead/{i}"},
                "Id": i,
                "Status": self.leads[i]["Status"],
                "OwnerId": self.leads[i]["OwnerId"],
                "IsConverted": self.leads[i].get("IsConverted", False),
            }
            for i in ids
            if i in self.leads
        ]
        return self._answer(
            request, 200, {"totalSize": len(records), "done": True, "records": records}
        )

    def _collections(self, request: httpx.Request) -> httpx.Response:
        if self.writes_unavailable > 0:
            self.writes_unavailable -= 1
            return self._answer(request, 503, None)
        body = json.loads(request.content)
        results = []
        for record in body["records"]:
            lead_id = record["id"]
            code = self.failing.pop(lead_id, None)
            if code is not None:
                error = {"statusCode": code, "message": f"{code} on {lead_id}", "fields": []}
                results.append({"success": False, "errors": [error]})
                continue
            values = {k: v for k, v in record.items() if k not in ("attributes", "id")}
            self.leads[lead_id].update(values)
            results.append({"id": lead_id, "success": True, "errors": []})
        if self.answers_lost > 0:
            self.answers_lost -= 1
            return self._answer(request, 503, None)
        return self._answer(request, 200, results)
