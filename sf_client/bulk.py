"""Bulk API 2.0 query jobs: create, poll with backoff, read the CSV results a page at a time.

A full pull of a big object costs one call per 2,000 records over REST; a Bulk 2.0 query job
costs a create, a few polls and one call per results page (50,000 records by default). The CSV
of each page is parsed as it is handed out and let go before the next page is asked for, so a
million-row result is never held whole. Records come out in the REST shape the rest of the code
reads (typed values, None for empty cells, relationship columns nested), given the fields' types.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sf_client.errors import SalesforceError
from sf_client.transport import Transport

log = logging.getLogger("sf_client")

DEFAULT_MAX_RECORDS = 50_000
# Salesforce's guidance: above about 2,000 records an operation is a Bulk API candidate.
BULK_THRESHOLD = 2_000
_TERMINAL_FAILURES = frozenset({"Failed", "Aborted"})
_NUMBER_TYPES = frozenset({"double", "currency", "percent"})
_INTEGER_TYPES = frozenset({"int", "long"})


class BulkJobFailed(SalesforceError):
    """A query job ended Failed or Aborted, or did not finish in time; its id is in the text."""


@dataclass(frozen=True, slots=True)
class BulkPolling:
    """How often to ask for a job's state: from `first` seconds growing by `factor` up to
    `longest`, giving up (and aborting the job) once the waits would pass `timeout` seconds in all
    (airbyte starts at 0.5 s and grows toward 2 s; big jobs take minutes, so this grows further)."""

    first: float = 0.5
    factor: float = 1.5
    longest: float = 10.0
    timeout: float = 3600.0

    def __post_init__(self) -> None:
        if self.first <= 0 or self.factor < 1 or self.longest < self.first or self.timeout <= 0:
            raise ValueError("polling needs first > 0, factor >= 1, longest >= first, timeout > 0")


@dataclass(frozen=True, slots=True)
class BulkJob:
    """A query job's state as the org reports it."""

    job_id: str
    state: str
    records_processed: int
    error_message: str | None


def _job(body: Mapping[str, Any]) -> BulkJob:
    return BulkJob(
        job_id=str(body["id"]),
        state=str(body["state"]),
        records_processed=int(body.get("numberRecordsProcessed") or 0),
        error_message=body.get("errorMessage"),
    )


Convert = Callable[[str], Any]


def _boolean(text: str) -> bool:
    return text.lower() == "true"


def _number(text: str) -> float:
    return float(text)


def _integer(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _datetime(text: str) -> str:
    return text[:-1] + "+0000" if text.endswith("Z") else text


def converter(sf_type: str | None) -> Convert | None:
    """How a non-empty CSV cell of a field of this Salesforce type becomes its JSON value
    (None: kept as text, like dates and Ids on the REST wire). Datetimes come as
    `2026-10-02T08:15:42.000Z` in Bulk results and `...+0000` over REST; REST's form is kept."""
    if sf_type == "datetime":
        return _datetime
    if sf_type == "boolean":
        return _boolean
    if sf_type in _NUMBER_TYPES:
        return _number
    if sf_type in _INTEGER_TYPES:
        return _integer
    return None


class CsvRecords:
    """Turns result rows into REST-shaped records: one plan per header, built once per job."""

    def __init__(self, header: list[str], types: Mapping[str, str]) -> None:
        lowered = {name.lower(): kind for name, kind in types.items()}
        self._plan: list[tuple[str, str | None, Convert | None]] = []
        for column in header:
            parent, _, child = column.rpartition(".")
            self._plan.append(
                (
                    child if parent else column,
                    parent or None,
                    converter(lowered.get(column.lower())),
                )
            )
        self._parents = sorted({p for _, p, _ in self._plan if p is not None and "." not in p})

    def record(self, row: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for (name, parent, convert), cell in zip(self._plan, row, strict=True):
            value = None if cell == "" else (cell if convert is None else convert(cell))
            if parent is None:
                out[name] = value
                continue
            target = out
            for step in parent.split("."):
                nested = target.get(step)
                if nested is None:
                    nested = target[step] = {}
                target = nested
            target[name] = value
        # A parent whose every column is empty was a null lookup, as REST shows it.
        for parent in self._parents:
            if all(v is None for v in out[parent].values()):
                out[parent] = None
        return out


class BulkQueries:
    """Bulk 2.0 query jobs over the client's transport (same session, retries and usage)."""

    def __init__(
        self,
        transport: Transport,
        base: str,
        *,
        polling: BulkPolling | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._transport = transport
        self._jobs = base + "/jobs/query"
        self._polling = polling or BulkPolling()
        self._sleep = sleep

    def create(self, soql: str, *, include_deleted: bool = False) -> BulkJob:
        """Start a query job (`queryAll` also returns deleted and archived rows)."""
        body = {
            "operation": "queryAll" if include_deleted else "query",
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        return _job(self._transport.request("POST", self._jobs, json=body).json())

    def state(self, job_id: str) -> BulkJob:
        """The job's current state."""
        return _job(self._transport.request("GET", self._path(job_id)).json())

    def wait(self, job: BulkJob) -> BulkJob:
        """Poll until the job completes; BulkJobFailed when it fails, aborts or times out."""
        waited, delay = 0.0, self._polling.first
        while job.state != "JobComplete":
            if job.state in _TERMINAL_FAILURES:
                detail = job.error_message or "no reason given"
                raise BulkJobFailed(f"Bulk API query job {job.job_id} ended {job.state}: {detail}")
            if waited + delay > self._polling.timeout:
                self.abort(job.job_id)
                raise BulkJobFailed(
                    f"Bulk API query job {job.job_id} was still {job.state} after "
                    f"{self._polling.timeout:.0f} s; it was aborted"
                )
            self._sleep(delay)
            waited += delay
            delay = min(self._polling.longest, delay * self._polling.factor)
            job = self.state(job.job_id)
        return job

    def abort(self, job_id: str) -> None:
        """Ask the org to stop the job."""
        self._transport.request("PATCH", self._path(job_id), json={"state": "Aborted"})

    def delete(self, job_id: str) -> None:
        """Remove a finished job and its results (they would be purged after 7 days anyway)."""
        self._transport.request("DELETE", self._path(job_id))

    def result_pages(
        self, job_id: str, *, max_records: int = DEFAULT_MAX_RECORDS
    ) -> Iterator[tuple[list[str], Iterator[list[str]]]]:
        """Each results page as (header, rows), following `Sforce-Locator` until it is `null`.

        The rows are parsed from the page's text as they are read; the next page is asked for
        only after the caller let go of this one.
        """
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        locator: str | None = None
        while True:
            params = {"maxRecords": str(max_records)}
            if locator:
                params["locator"] = locator
            response = self._transport.request(
                "GET", self._path(job_id) + "/results", params=params,
                headers={"Accept": "text/csv"},
            )  # fmt: skip
            locator = response.headers.get("Sforce-Locator")
            text = response.text
            del response
            if (
                "\x00" in text
            ):  # seen in real orgs' text fields; airbyte and simple-salesforce drop it
                text = text.replace("\x00", "")
            reader = csv.reader(io.StringIO(text))
            del text
            header = next(reader, None)
            if header is not None:
                yield header, reader
            if not locator or locator == "null":
                return

    def records(
        self,
        soql: str,
        *,
        types: Mapping[str, str] | None = None,
        include_deleted: bool = False,
        max_records: int = DEFAULT_MAX_RECORDS,
    ) -> Iterator[dict[str, Any]]:
        """The query's records through one job, REST-shaped; the job is deleted once read.

        `types` maps selected columns (`Owner.Type` for a parent's field) to Salesforce field
        types (`boolean`, `double`, `int`...), so values come out as REST gives them; a column
        without a type stays text.
        """
        job = self.wait(self.create(soql, include_deleted=include_deleted))
        log.info("Bulk API query job %s complete: %d records", job.job_id, job.records_processed)
        plan: CsvRecords | None = None
        for header, rows in self.result_pages(job.job_id, max_records=max_records):
            if plan is None:
                plan = CsvRecords(header, types or {})
            for row in rows:
                yield plan.record(row)
        self.delete(job.job_id)

    def _path(self, job_id: str) -> str:
        if not job_id.isalnum():
            raise ValueError("not a job id: " + repr(job_id))
        return self._jobs + "/" + job_id
