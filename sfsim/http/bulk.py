"""Bulk API 2.0 query resources under `/services/data/vNN.N/jobs/query`."""

from __future__ import annotations

from sfsim.bulk import DEFAULT_MAX_RECORDS
from sfsim.errors import SfError
from sfsim.http.gate import Call, Reply
from sfsim.http.rest import version_of
from sfsim.org import Org
from sfsim.values import format_datetime

CSV_TYPE = "text/csv"


def create_job(org: Org, call: Call) -> Reply:
    """`POST jobs/query`: a new job over the query's rows as they are now."""
    version = version_of(call)
    body = call.json()
    if not isinstance(body, dict):
        raise SfError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
    soql = body.get("query")
    if not isinstance(soql, str) or not soql.strip():
        raise SfError(400, "INVALIDJOB", "The query is required for a query job")
    for name, allowed in (("contentType", "CSV"), ("columnDelimiter", "COMMA"),
                          ("lineEnding", "LF")):  # fmt: skip
        if body.get(name, allowed) != allowed:
            raise SfError(400, "INVALIDJOB", f"{name} {body[name]!r} is not served here; "
                          f"only {allowed}")  # fmt: skip
    operation = str(body.get("operation", ""))
    selection = org.queries.select(soql, include_deleted=operation == "queryAll", version=version)
    faults = org.faults
    job = org.bulk.create(
        selection, operation=operation, user_id=call.user_id,
        created=format_datetime(org.clock.now()), version=version,
        polls=faults.bulk_polls, fail=faults.take_bulk_failure(),
    )  # fmt: skip
    return Reply(job.info())


def job_state(org: Org, call: Call) -> Reply:
    """`GET jobs/query/{id}`: the job's state, one step further along."""
    version_of(call)
    return Reply(org.bulk.poll(call.params["job_id"]).polled())


def change_job(org: Org, call: Call) -> Reply:
    """`PATCH jobs/query/{id}` with `{"state": "Aborted"}`."""
    version_of(call)
    body = call.json()
    if not isinstance(body, dict) or body.get("state") != "Aborted":
        raise SfError(400, "INVALIDJOB", "A query job's state can only be set to Aborted")
    return Reply(org.bulk.abort(call.params["job_id"]).polled())


def delete_job(org: Org, call: Call) -> Reply:
    """`DELETE jobs/query/{id}`: 204."""
    version_of(call)
    org.bulk.delete(call.params["job_id"])
    return Reply(None, 204)


def job_results(org: Org, call: Call) -> Reply:
    """`GET jobs/query/{id}/results?maxRecords=&locator=`: one CSV page and its headers."""
    version = version_of(call)
    raw = call.query.get("maxRecords", str(DEFAULT_MAX_RECORDS))
    if not raw.isdigit() or int(raw) < 1:
        raise SfError(400, "INVALIDJOB", f"maxRecords must be a positive integer, got {raw!r}")
    content, locator, count = org.bulk.page(
        call.params["job_id"], locator=call.query.get("locator"), max_records=int(raw),
        version=version,
    )  # fmt: skip
    headers = {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(count)}
    return Reply(content, content_type=CSV_TYPE, headers=headers)
