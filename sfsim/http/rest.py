"""Salesforce REST resources under `/services/data/`: handlers over the org, one per resource."""

from __future__ import annotations

from typing import Any

from sfsim import ids
from sfsim.describe import describe
from sfsim.errors import SfError, not_found
from sfsim.http.gate import Call, Reply
from sfsim.org import Org
from sfsim.query import batch_size_from, invalid_locator
from sfsim.render import formatter
from sfsim.reqlog import WriteOutcome
from sfsim.values import format_datetime, parse_datetime
from sfsim.writes import find_record, plan_update

OLDEST_VERSION = 31
NEWEST_VERSION = 68


def _release(major: int) -> str:
    index = major - 30
    season = ("Spring", "Summer", "Winter")[index % 3]
    year = 14 + index // 3 + (1 if season == "Winter" else 0)
    return f"{season} '{year:02d}"


def versions() -> list[dict[str, str]]:
    """The versions list, oldest first."""
    return [
        {"label": _release(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(OLDEST_VERSION, NEWEST_VERSION + 1)
    ]


def version_of(call: Call) -> str:
    """The API version in the path (404 for one this org does not serve)."""
    version = call.params["version"]
    major, _, minor = version.partition(".")
    if not (major.isdigit() and minor == "0" and OLDEST_VERSION <= int(major) <= NEWEST_VERSION):
        raise not_found()
    return version


def resources(_org: Org, call: Call) -> Reply:
    """`/services/data/vNN.N/`: the resource directory."""
    base = f"/services/data/v{version_of(call)}"
    names = ("sobjects", "query", "queryAll", "limits", "composite")
    return Reply({name: f"{base}/{name}" for name in names})


def limits(org: Org, call: Call) -> Reply:
    """`limits/`: the daily allocation and a few fixed allowances."""
    version_of(call)
    faults = org.faults
    return Reply({
        "DailyApiRequests": {"Max": faults.api_max,
                             "Remaining": max(faults.api_max - faults.api_used, 0)},
        "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
        "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
        "DataStorageMB": {"Max": 5120, "Remaining": 4210},
    })  # fmt: skip


def _query(org: Org, call: Call, *, include_deleted: bool) -> Reply:
    version = version_of(call)
    soql = call.query.get("q")
    if not soql:
        raise SfError(400, "MALFORMED_QUERY", "A query string has to be specified")
    if org.faults.times_out(soql):
        raise SfError(400, "QUERY_TIMEOUT", "Your query request was running for too long.")
    batch = batch_size_from(call.headers.get("sforce-query-options"))
    return _paged(org, call, org.queries.run(soql, include_deleted=include_deleted,
                                             version=version, batch=batch,
                                             session=call.session))  # fmt: skip


def _paged(org: Org, call: Call, page: dict[str, Any]) -> Reply:
    """A query page; its `nextRecordsUrl` made absolute when that fault is on."""
    if org.faults.absolute_next_urls and "nextRecordsUrl" in page:
        page["nextRecordsUrl"] = call.base_url + page["nextRecordsUrl"]
    return Reply(page)


def query(org: Org, call: Call) -> Reply:
    """`query/?q=`: the first page."""
    return _query(org, call, include_deleted=False)


def query_all(org: Org, call: Call) -> Reply:
    """`queryAll/?q=`: the first page, deleted rows included."""
    return _query(org, call, include_deleted=True)


def query_more(org: Org, call: Call) -> Reply:
    """`query/0r8...-2000`: a later page of a cursor."""
    version = version_of(call)
    batch = batch_size_from(call.headers.get("sforce-query-options"))
    if org.faults.take_cursor_expiry():
        raise invalid_locator()
    return _paged(org, call, org.queries.more(call.params["locator"], version=version,
                                              batch=batch, session=call.session))  # fmt: skip


def describe_object(org: Org, call: Call) -> Reply:
    """`sobjects/{type}/describe`."""
    version = version_of(call)
    return Reply(describe(org.table(call.params["sobject"]).definition, version))


def _window(call: Call) -> tuple[int, int]:
    start = parse_datetime(call.query.get("start", ""))
    end = parse_datetime(call.query.get("end", ""))
    if start is None or end is None or end <= start:
        raise SfError(400, "INVALID_REPLICATION_DATE",
                      "start and end must be dateTimes and start must precede end")  # fmt: skip
    return start - start % 60, end - end % 60


def deleted(org: Org, call: Call) -> Reply:
    """`sobjects/{type}/deleted/?start=&end=` (getDeleted)."""
    version_of(call)
    table = org.table(call.params["sobject"])
    start, end = _window(call)
    gone, stamp = table.getter("IsDeleted"), table.getter("SystemModstamp")
    records = [
        {"id": table.id_of(r), "deletedDate": format_datetime(stamp(r))}
        for r in range(table.size)
        if table.exists(r) and gone(r) and start <= stamp(r) < end
    ]
    earliest = org.clock.now() - 15 * 86400
    return Reply({"deletedRecords": records,
                  "earliestDateAvailable": format_datetime(earliest - earliest % 60),
                  "latestDateCovered": format_datetime(end)})  # fmt: skip


def updated(org: Org, call: Call) -> Reply:
    """`sobjects/{type}/updated/?start=&end=` (getUpdated)."""
    version_of(call)
    table = org.table(call.params["sobject"])
    start, end = _window(call)
    gone, stamp = table.getter("IsDeleted"), table.getter("SystemModstamp")
    changed = [table.id_of(r) for r in range(table.size)
               if table.exists(r) and not gone(r) and start <= stamp(r) < end]  # fmt: skip
    return Reply({"ids": changed, "latestDateCovered": format_datetime(end)})


def _record_row(org: Org, call: Call) -> tuple[Any, int]:
    table = org.table(call.params["sobject"])
    record_id = call.params["record_id"]
    if not ids.is_well_formed(record_id):
        raise SfError(404, "NOT_FOUND", "Provided external ID field does not exist or is not "
                      f"accessible: {record_id}")  # fmt: skip
    try:
        return table, find_record(table, record_id)
    except SfError as error:
        if error.code == "INVALID_CROSS_REFERENCE_KEY":
            raise not_found() from error
        raise


def get_record(org: Org, call: Call) -> Reply:
    """`sobjects/{type}/{id}`: every field (or those in `?fields=`)."""
    version = version_of(call)
    table, row = _record_row(org, call)
    obj = table.definition
    wanted = [obj.field(f.strip()) for f in call.query.get("fields", "").split(",") if f.strip()]
    if any(f is None for f in wanted):
        raise SfError(400, "INVALID_FIELD", "No such column on sobject of type " + obj.name)
    fields = [f for f in wanted if f is not None] or obj.fields
    body: dict[str, Any] = {"attributes": {
        "type": obj.name, "url": f"/services/data/v{version}/sobjects/{obj.name}/{table.id_of(row)}"
    }}  # fmt: skip
    for definition in fields:
        body[definition.name] = formatter(definition)(table.get(row, definition.name))
    return Reply(body)


def patch_record(org: Org, call: Call) -> Reply:
    """`PATCH sobjects/{type}/{id}`: 204, or the error with its single-record status."""
    version_of(call)
    table, row = _record_row(org, call)
    record_id = table.id_of(row)
    body = call.json()
    if not isinstance(body, dict):
        raise SfError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
    try:
        plan = plan_update(org.db, table, record_id, body)
        org.refuse_by_rules(plan, call.headers.get("sforce-duplicate-rule-header"))
    except SfError as error:
        return Reply([error.as_rest()], error.status, [WriteOutcome(record_id, error.code)])
    org.apply(plan, user_id=call.user_id, auto_assign=call.headers.get("sforce-auto-assign"))
    return Reply(None, 204, [WriteOutcome(record_id, "OK")])
