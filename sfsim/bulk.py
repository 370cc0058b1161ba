"""Bulk API 2.0 query jobs: the org's side of create, state, results by locator, abort, delete.

A job takes its snapshot of matching rows when it is created (as a REST cursor does) and
becomes `JobComplete` after a few state reads (`Faults.bulk_polls`), so a client must poll.
Results are CSV pages of at most `maxRecords` rows; `Sforce-Locator` names the next page and is
the literal `null` on the last. Values are written as Salesforce writes them: empty for null,
`true`/`false`, plain numbers, datetimes as `2026-10-02T08:15:42.000Z`.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sfsim import ids
from sfsim.errors import SfError
from sfsim.query import Selection

JOB_PREFIX = "750"
DEFAULT_MAX_RECORDS = 50_000
_MAX_JOBS = 200
_OPERATIONS = ("query", "queryAll")


@dataclass
class QueryJob:
    """One query job and its snapshot."""

    job_id: str
    operation: str
    selection: Selection
    created_by: str
    created: str
    version: str
    state: str = "UploadComplete"
    polls_left: int = 1
    error_message: str | None = None

    def info(self) -> dict[str, Any]:
        """The job object as create and state answer it."""
        body: dict[str, Any] = {
            "id": self.job_id, "operation": self.operation, "object": self.selection.sobject,
            "createdById": self.created_by, "createdDate": self.created,
            "systemModstamp": self.created, "state": self.state, "concurrencyMode": "Parallel",
            "contentType": "CSV", "apiVersion": float(self.version), "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }  # fmt: skip
        return body

    def polled(self) -> dict[str, Any]:
        """The job object as a state read answers it (with its counters)."""
        done = self.state == "JobComplete"
        body = self.info()
        body.update({
            "jobType": "V2Query",
            "numberRecordsProcessed": len(self.selection.rows) if done else 0,
            "retries": 0, "totalProcessingTime": 0,
        })  # fmt: skip
        if self.error_message is not None:
            body["errorMessage"] = self.error_message
        return body


def locator_for(offset: int) -> str:
    """An opaque locator (base64 of the offset, unpadded: `MTAwMDA` for 10,000)."""
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def offset_of(locator: str) -> int | None:
    """The offset a locator of ours stands for; None for anything else."""
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) == 28 and value.endswith("+0000") and value[10] == "T":
        return value[:-5] + "Z"
    return value


def _reader(column: str) -> tuple[str, str | None]:
    parent, _, name = column.rpartition(".")
    return (name, parent) if parent else (column, None)


class BulkQueryJobs:
    """The org's query jobs, newest kept; the caller holds the org lock."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, QueryJob] = OrderedDict()
        self._issued = 0

    def create(self, selection: Selection, *, operation: str, user_id: str, created: str,
               version: str, polls: int, fail: bool) -> QueryJob:  # fmt: skip
        """Register a job over `selection`; `fail` makes it end Failed instead of complete."""
        if operation not in _OPERATIONS:
            raise SfError(400, "INVALIDJOB", f"Invalid operation: {operation}")
        if selection.count:
            raise SfError(400, "INVALIDJOB", "Aggregate queries are not supported by Bulk API")
        job = QueryJob(ids.make_id(JOB_PREFIX, self._issued), operation, selection, user_id,
                       created, version, polls_left=max(polls, 0))  # fmt: skip
        if fail:
            job.error_message = "InternalServerError : the query job failed (simulated)"
        self._issued += 1
        self._jobs[job.job_id] = job
        while len(self._jobs) > _MAX_JOBS:
            self._jobs.popitem(last=False)
        return job

    def get(self, job_id: str) -> QueryJob:
        """A job by id, or Salesforce's 404."""
        job = self._jobs.get(job_id)
        if job is None:
            raise SfError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def poll(self, job_id: str) -> QueryJob:
        """A state read: the job moves one step toward its end."""
        job = self.get(job_id)
        if job.state in ("UploadComplete", "InProgress"):
            if job.polls_left > 0:
                job.polls_left -= 1
                job.state = "InProgress"
            else:
                job.state = "Failed" if job.error_message else "JobComplete"
        return job

    def abort(self, job_id: str) -> QueryJob:
        """Stop a job that has not ended (Salesforce refuses to abort an ended one)."""
        job = self.get(job_id)
        if job.state not in ("UploadComplete", "InProgress"):
            raise SfError(400, "INVALIDJOB", f"Job {job_id} is {job.state} and cannot be aborted")
        job.state = "Aborted"
        return job

    def delete(self, job_id: str) -> None:
        """Remove a job and its results."""
        self.get(job_id)
        del self._jobs[job_id]

    def page(self, job_id: str, *, locator: str | None, max_records: int, version: str,
             ) -> tuple[bytes, str, int]:  # fmt: skip
        """One results page: (CSV bytes, next locator or `null`, records in the page)."""
        job = self.get(job_id)
        if job.version != version:
            raise SfError(409, "INVALIDJOB",
                          f"Job {job_id} was created with API version {job.version}; "
                          "read its results with the same version")  # fmt: skip
        if job.state != "JobComplete":
            raise SfError(412, "JOB_NOT_COMPLETE", f"Job {job_id} is not complete: {job.state}")
        offset = 0 if not locator else offset_of(locator)
        rows = job.selection.rows
        if offset is None or offset > len(rows):
            raise SfError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}")
        end = min(offset + max_records, len(rows))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        columns = job.selection.columns
        writer.writerow(columns)
        readers = [_reader(c) for c in columns]
        for record in job.selection.render(rows[offset:end]):
            cells = []
            for name, parent in readers:
                if parent is None:
                    cells.append(_cell(record.get(name)))
                else:
                    nested = record.get(parent)
                    cells.append(_cell(nested.get(name) if nested else None))
            writer.writerow(cells)
        following = locator_for(end) if end < len(rows) else "null"
        return out.getvalue().encode(), following, end - offset
