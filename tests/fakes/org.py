"""The one Salesforce fake of the app's tests: an org behind respx, for the pull and the handoff.

It answers `query` and `queryAll` for the SOQL shapes the app sends (field lists, `AND`ed
comparisons, `IN` lists, `ORDER BY`), pages with `nextRecordsUrl` by the `batchSize` asked,
repeats `totalSize` on every page, and sends `Sforce-Limit-Info`; getDeleted, userinfo, the Lead
describe and sObject Collections updates (with `statusCode` record errors) too, all in
Salesforce's shapes, so a test checks the org state a run leaves rather than the calls it made.
Faults: functions queued in `faults` that may answer a request instead of the org; 503 for the
next K writes (`writes_unavailable`), or after they landed (`answers_lost`); records that fail
once with a given code (`failing`); a person's change made just before the next pre-write
re-read (`before_read`). Where a test needs a whole org that behaves (history, conversions,
faults of every kind), it uses `sfsim` instead.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import respx

from rules.ids import to18

INSTANCE = "https://acme.my.salesforce.com"
API = "/services/data/v66.0"
ORG_ID = "00D000000000001EAA"
INTEGRATION_USER = "005000000000000AAA"
REP = "005000000000001AAA"
REP_2 = "005000000000002AAA"
QUEUE = "00G000000000001EAA"
MQL = "Marketing Qualified"
STATUSES = (
    "Open - Not Contacted",
    "Nurturing",
    "Marketing Qualified",
    "Working - Contacted",
    "Sales Qualified",
    "Closed - Not Converted",
    "Closed - Converted",
)
LEAD_FIELD_TYPES = {
    "Id": "id",
    "Status": "picklist",
    "OwnerId": "reference",
    "IsConverted": "boolean",
    "ConvertedDate": "date",
    "ConvertedOpportunityId": "reference",
    "LeadSource": "picklist",
    "CreatedDate": "datetime",
    "SystemModstamp": "datetime",
    "LastModifiedById": "reference",
    "IsDeleted": "boolean",
    "MasterRecordId": "reference",
    "NumberOfEmployees": "int",
    "Title": "string",
    "Email": "email",
    "Phone": "phone",
    "Country": "string",
    "Company": "string",
    "Website": "url",
    "MQL_Date__c": "date",
    "Lead_Score__c": "double",
    "MQL_Reason__c": "string",
}
# The pre-write re-read of the handoff step (`app.handoff.write.PRECHECK_SOQL`).
PRECHECK = "SELECT Id, Status, OwnerId, IsConverted FROM Lead WHERE Id IN"
_SELECT = re.compile(
    r"^SELECT (?P<fields>.+?) FROM (?P<sobject>\w+)"
    r"(?: WHERE (?P<where>.+?))?(?: ORDER BY (?P<order>.+?))?$"
)
_CONDITION = re.compile(r"^(?P<field>\w+) (?P<op>>=|<=|!=|=|<|>|IN) (?P<value>.+)$")
Fault = Callable[[httpx.Request], httpx.Response | None]


def sf_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json=[{"message": message, "errorCode": code, "fields": []}])


def _literal(text: str) -> Any:
    text = text.strip()
    if text.startswith("("):
        return [_literal(part) for part in text[1:-1].split(",")]
    if text.startswith("'"):
        return text[1:-1].replace("\\'", "'")
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if re.match(r"^\d{4}-\d\d-\d\dT", text):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    return float(text)


def _comparable(value: Any) -> Any:
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT", value):
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    return value


def _matches(record: dict[str, Any], condition: str) -> bool:
    found = _CONDITION.match(condition.strip())
    assert found, condition
    value = _comparable(record.get(found["field"]))
    wanted = _literal(found["value"])
    op = found["op"]
    if op == "IN":
        return value in wanted
    if op in ("=", "!="):
        return (value == wanted) == (op == "=")
    if value is None:
        return False
    return {">=": value >= wanted, "<=": value <= wanted, "<": value < wanted, ">": value > wanted}[
        op
    ]


class Records:
    """Salesforce records by object, in the REST API's shape; Ids drawn from `ids`."""

    def __init__(self, ids: Iterator[int] | None = None) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self._ids = ids if ids is not None else itertools.count(1)

    def new_id(self, prefix: str) -> str:
        return to18(f"{prefix}{next(self._ids):012d}")

    def add(self, sobject: str, **fields: Any) -> dict[str, Any]:
        record = {"attributes": {"type": sobject}, **fields}
        record.setdefault("Id", self.new_id("a00"))
        record.setdefault("IsDeleted", False)
        self.records[sobject][record["Id"]] = record
        return record

    @property
    def leads(self) -> dict[str, dict[str, Any]]:
        """The org's Leads by Id (Salesforce field names); a test may edit them in place."""
        return self.records["Lead"]


class FakeOrg(Records):
    """Records by object, served through respx like Salesforce would."""

    def __init__(self) -> None:
        super().__init__()
        self.deleted: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
        self.missing_objects: set[str] = set()
        self.faults: list[Fault] = []
        self.queries: list[str] = []
        self.calls = 0
        # Every request the org answered, in order.
        self.requests: list[httpx.Request] = []
        self.writes_unavailable = 0  # the next K Collections calls answer 503, writing nothing
        self.answers_lost = 0  # the next K Collections calls write, then answer 503
        self.failing: dict[str, str] = {}  # lead Id -> statusCode, once
        self.before_read: list[Callable[[FakeOrg], None]] = []
        self._locators: dict[str, list[dict[str, Any]]] = {}
        self._seed_org()

    def _seed_org(self) -> None:
        self.add("Organization", Id=ORG_ID, Name="Acme", TimeZoneSidKey="UTC")
        self.records["Organization"][ORG_ID]["FiscalYearStartMonth"] = 1
        for user_id, name in ((INTEGRATION_USER, "Integration"), (REP, "Rep"), (REP_2, "Rep 2")):
            user(self, name, Id=user_id)
        queue(self, "Lead queue", Id=QUEUE, DeveloperName="Leads", takes_leads=False)
        self.add("QueueSobject", Id="03g000000000001AAA", QueueId=QUEUE, SobjectType="Lead")
        for status in STATUSES:
            self.add("LeadStatus", ApiName=status, IsConverted=status == "Closed - Converted")
        # Every org has default business hours; a new org's are 24 hours, 7 days.
        days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        all_day = {f"{d}{e}Time": "00:00:00.000Z" for d in days for e in ("Start", "End")}
        self.add("BusinessHours", Id="01m000000000001AAA", Name="Default", IsDefault=True,
                 IsActive=True, TimeZoneSidKey="UTC", **all_day)  # fmt: skip

    def writes(self) -> list[httpx.Request]:
        """The Collections updates the org received."""
        return [r for r in self.requests if r.method == "PATCH"]

    def prewrite_reads(self) -> list[httpx.Request]:
        """The handoff's re-reads of Status and OwnerId just before a write."""
        return [
            r for r in self.requests
            if r.url.path.endswith("/query/") and r.url.params.get("q", "").startswith(PRECHECK)
        ]  # fmt: skip

    def install(self, router: respx.Router) -> None:
        """One route for the org's host, so respx's unused-route check holds for any test that
        reaches the org; a request the org does not serve answers 404 as Salesforce does."""
        self.router = router
        router.route(host="acme.my.salesforce.com").mock(side_effect=self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.requests.append(request)
        for fault in list(self.faults):
            try:
                answer = fault(request)
            except BaseException:
                self.faults.remove(fault)
                raise
            if answer is not None:
                self.faults.remove(fault)
                return self._with_usage(answer)
        return self._with_usage(self._route(request))

    def _with_usage(self, response: httpx.Response) -> httpx.Response:
        response.headers["Sforce-Limit-Info"] = f"api-usage={self.calls}/15000"
        return response

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/services/oauth2/userinfo":
            body = {"user_id": INTEGRATION_USER, "organization_id": ORG_ID, "name": "Int"}
            return httpx.Response(200, json=body)
        if path in (API + "/query/", API + "/queryAll/"):
            return self._query(request, include_deleted=path.endswith("queryAll/"))
        if path.startswith(API + "/query/"):
            return self._page(path.rsplit("/", 1)[1], self._batch_size(request))
        if path == API + "/sobjects/Lead/describe":
            return httpx.Response(200, json=self._describe())
        if path == API + "/composite/sobjects" and request.method == "PATCH":
            return self._collections(request)
        found = re.match(rf"^{API}/sobjects/(\w+)/deleted/$", path)
        if found:
            return self._get_deleted(found[1])
        return error(404, "NOT_FOUND", "The requested resource does not exist")

    @staticmethod
    def _batch_size(request: httpx.Request) -> int:
        option = request.headers.get("Sforce-Query-Options", "batchSize=2000")
        return int(option.split("=")[1])

    def _query(self, request: httpx.Request, *, include_deleted: bool) -> httpx.Response:
        soql = request.url.params["q"]
        self.queries.append(soql)
        if soql.startswith(PRECHECK):
            while self.before_read:
                self.before_read.pop(0)(self)
        parsed = _SELECT.match(soql)
        assert parsed, soql
        sobject = parsed["sobject"]
        if sobject in self.missing_objects:
            return error(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        fields = [f.strip() for f in parsed["fields"].split(",")]
        known = set(LEAD_FIELD_TYPES) if sobject == "Lead" else None
        unknown = [f for f in fields if known is not None and f not in known]
        if unknown:
            return error(400, "INVALID_FIELD", f"No such column '{unknown[0]}' on entity 'Lead'")
        rows = [
            r
            for r in self.records[sobject].values()
            if (include_deleted or not r.get("IsDeleted"))
            and all(_matches(r, c) for c in (parsed["where"] or "").split(" AND ") if c)
        ]
        if parsed["order"]:
            keys = [k.strip() for k in parsed["order"].split(",")]
            rows.sort(key=lambda r: tuple(_comparable(r.get(k)) for k in keys))
        selected = [{"attributes": r["attributes"]} | {f: r.get(f) for f in fields} for r in rows]
        locator = f"01g{next(self._ids):015d}"
        self._locators[locator] = json.loads(json.dumps(selected))
        return self._page(f"{locator}-0", self._batch_size(request))

    def _page(self, cursor: str, size: int) -> httpx.Response:
        locator, offset = cursor.rsplit("-", 1)
        rows = self._locators[locator]
        start = int(offset)
        end = min(start + size, len(rows))
        body: dict[str, Any] = {"totalSize": len(rows), "done": end >= len(rows)}
        if end < len(rows):
            body["nextRecordsUrl"] = f"{API}/query/{locator}-{end}"
        body["records"] = rows[start:end]
        return httpx.Response(200, json=body)

    def _get_deleted(self, sobject: str) -> httpx.Response:
        rows = [{"id": i, "deletedDate": sf_time(when)} for i, when in self.deleted[sobject]]
        body = {
            "deletedRecords": rows,
            "earliestDateAvailable": "2026-01-01T00:00:00.000+0000",
            "latestDateCovered": None,
        }
        return httpx.Response(200, json=body)

    def _describe(self) -> dict[str, Any]:
        statuses = [
            {"active": True, "defaultValue": i == 0, "label": v, "validFor": None, "value": v}
            for i, v in enumerate(STATUSES)
        ]
        lengths = {"id": 18, "reference": 18, "email": 80, "phone": 40, "string": 255}
        fields = [
            {
                "name": name, "label": name, "type": kind,
                "updateable": name not in ("Id", "CreatedDate", "SystemModstamp", "IsDeleted"),
                "nillable": True, "length": lengths.get(kind, 0), "referenceTo": [],
                "restrictedPicklist": name == "Status",
                "picklistValues": statuses if name == "Status" else [],
            }
            for name, kind in LEAD_FIELD_TYPES.items()
        ]  # fmt: skip
        return {"name": "Lead", "keyPrefix": "00Q", "fields": fields}

    def _collections(self, request: httpx.Request) -> httpx.Response:
        if self.writes_unavailable > 0:
            self.writes_unavailable -= 1
            return _unavailable()
        body = json.loads(request.content)
        results = []
        for record in body["records"]:
            lead_id = record["id"]
            code = self.failing.pop(lead_id, None)
            if code is not None:
                failure = {"statusCode": code, "message": f"{code} on {lead_id}", "fields": []}
                results.append({"success": False, "errors": [failure]})
                continue
            values = {k: v for k, v in record.items() if k not in ("attributes", "id")}
            self.leads[lead_id].update(values, LastModifiedById=INTEGRATION_USER)
            results.append({"id": lead_id, "success": True, "errors": []})
        if self.answers_lost > 0:
            self.answers_lost -= 1
            return _unavailable()
        return httpx.Response(200, json=results)


def _unavailable() -> httpx.Response:
    """What Salesforce's edge sends in a maintenance window: 503 with an HTML page."""
    return httpx.Response(503, text="<html>Service Unavailable</html>")


T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def lead(org: Records, *, at: datetime = T0, **fields: Any) -> dict[str, Any]:
    """A Lead shaped like the API's, every selected field present (null when empty)."""
    values: dict[str, Any] = {
        "Id": org.new_id("00Q"),
        "Status": "Open - Not Contacted",
        "OwnerId": QUEUE,
        "IsConverted": False,
        "ConvertedDate": None,
        "ConvertedOpportunityId": None,
        "LeadSource": "Web",
        "CreatedDate": sf_time(at),
        "SystemModstamp": sf_time(at),
        "LastModifiedById": REP,
        "MasterRecordId": None,
        "NumberOfEmployees": 10,
        "Email": "pat@example.com",
        "Country": "US",
    }
    return org.add("Lead", **(values | fields))


def change(record: dict[str, Any], at: datetime, **fields: Any) -> None:
    """A person edits a record: its values change and its SystemModstamp moves to `at`."""
    record.update(fields, SystemModstamp=sf_time(at))


def activity(
    org: Records, kind: str, who: str, at: datetime, *, by: str = REP, closed: bool = True
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "Id": org.new_id("00T" if kind == "Task" else "00U"),
        "WhoId": who,
        "OwnerId": by,
        "CreatedById": by,
        "CreatedDate": sf_time(at),
        "ActivityDate": at.date().isoformat(),
        "SystemModstamp": sf_time(at),
    }
    if kind == "Task":
        values |= {"IsClosed": closed, "Status": "Completed" if closed else "Not Started"}
    return org.add(kind, **values)


def history(
    org: Records, lead_id: str, old: str | None, new: str, at: datetime, *, by: str = REP
) -> dict[str, Any]:
    return org.add(
        "LeadHistory",
        Id=org.new_id("017"),
        LeadId=lead_id,
        Field="Status",
        OldValue=old,
        NewValue=new,
        CreatedById=by,
        CreatedDate=sf_time(at),
    )


def user(org: Records, name: str, **fields: Any) -> dict[str, Any]:
    """An active standard User, as the run's `SELECT ... FROM User` returns it."""
    values = {"Name": name, "IsActive": True, "UserType": "Standard"} | fields
    values["Id"] = values.get("Id") or org.new_id("005")
    return org.add("User", **values)


def queue(org: Records, name: str, *, takes_leads: bool = True, **fields: Any) -> dict[str, Any]:
    """A queue (a Group of Type Queue), with the QueueSobject row that lets it own Leads."""
    values = {"Name": name, "DeveloperName": name.replace(" ", "_"), "Type": "Queue"} | fields
    values["Id"] = values.get("Id") or org.new_id("00G")
    group = org.add("Group", **values)
    if takes_leads:
        org.add("QueueSobject", Id=org.new_id("03g"), QueueId=group["Id"], SobjectType="Lead")
    return group


def opportunity(
    org: Records, *, at: datetime = T0, won: bool, closed: bool = True, **fields: Any
) -> dict[str, Any]:
    """An Opportunity shaped like the API's; a won one is closed, an open one neither."""
    values: dict[str, Any] = {
        "Name": "Deal",
        "StageName": "Closed Won" if won else ("Closed Lost" if closed else "Prospecting"),
        "IsClosed": closed or won,
        "IsWon": won,
        "CloseDate": at.date().isoformat(),
        "Amount": 1000.0,
        "LeadSource": "Web",
        "OwnerId": REP,
        "Type": "New Business",
        "CreatedDate": sf_time(at),
        "SystemModstamp": sf_time(at),
    } | fields
    values["Id"] = values.get("Id") or org.new_id("006")
    return org.add("Opportunity", **values)
