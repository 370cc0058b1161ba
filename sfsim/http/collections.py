"""`PATCH composite/sobjects`: up to 200 updates, per-record results in order, allOrNone."""

from __future__ import annotations

from typing import Any

from sfsim.errors import SfError
from sfsim.http.gate import Call, Reply
from sfsim.http.rest import version_of
from sfsim.org import Org
from sfsim.reqlog import WriteOutcome
from sfsim.writes import Plan, plan_update

MAX_RECORDS = 200
ROLLED_BACK = SfError(
    400,
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)


def _records(call: Call) -> tuple[list[dict[str, Any]], bool]:
    body = call.json()
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SfError(400, "JSON_PARSER_ERROR", "Expected an object with a records array")
    if len(records) > MAX_RECORDS:
        raise SfError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than "
                      f"{MAX_RECORDS} records into this call")  # fmt: skip
    return records, bool(body.get("allOrNone", False))


def _plan(org: Org, record: dict[str, Any], duplicate_header: str | None) -> Plan:
    attributes = record.get("attributes")
    obj = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(obj, str):
        raise SfError(400, "INVALID_TYPE", "No SObject Type defined in the attributes")
    record_id = record.get("id") or record.get("Id")
    if not isinstance(record_id, str):
        raise SfError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
    if org.faults.lock_fails(record_id):
        message = f"unable to obtain exclusive access to this record or 1 records: {record_id}"
        raise SfError(400, "UNABLE_TO_LOCK_ROW", message)
    plan = plan_update(org.db, org.table(obj), record_id, record)
    org.refuse_by_rules(plan, duplicate_header)
    return plan


def update_collection(org: Org, call: Call) -> Reply:
    """Check every record, then apply the good ones (or none of them, under allOrNone)."""
    version_of(call)
    records, all_or_none = _records(call)
    outcomes: list[Plan | SfError] = []
    duplicate_header = call.headers.get("sforce-duplicate-rule-header")
    for record in records:
        try:
            outcomes.append(_plan(org, record, duplicate_header))
        except SfError as error:
            outcomes.append(error)
    failed = any(isinstance(o, SfError) for o in outcomes)
    results: list[dict[str, Any]] = []
    writes: list[WriteOutcome] = []
    auto_assign = call.headers.get("sforce-auto-assign")
    for record, outcome in zip(records, outcomes, strict=True):
        record_id = record.get("id") or record.get("Id")
        if isinstance(outcome, Plan) and all_or_none and failed:
            outcome = ROLLED_BACK
        if isinstance(outcome, Plan):
            org.apply(outcome, user_id=call.user_id, auto_assign=auto_assign)
            record_id = outcome.table.id_of(outcome.row)
            results.append({"id": record_id, "success": True, "errors": []})
            writes.append(WriteOutcome(record_id, "OK"))
        else:
            results.append({"success": False, "errors": [outcome.as_collection()]})
            writes.append(WriteOutcome(record_id if isinstance(record_id, str) else None,
                                       outcome.code))  # fmt: skip
    return Reply(results, 200, writes)
