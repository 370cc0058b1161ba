"""sObject Collections updates: chunks of 200, several in flight, locked rows tried again.

Salesforce answers 200 even when rows fail and reports each row in input order, so the results
here are per record. A row that failed only because another transaction held it
(UNABLE_TO_LOCK_ROW) rides again in a later chunk, a bounded number of times, before it is
reported failed. An error that ends the run (the daily limit, a refused token, a missing
permission) is raised; any other error of a whole chunk fails that chunk's rows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sf_client.errors import (
    ApiBudgetSpent,
    AuthenticationError,
    PermissionDenied,
    RequestLimitExceeded,
    SalesforceError,
    SessionExpired,
)
from sf_client.models import RecordResult, parse_record_result
from sf_client.retry import RetryPolicy
from sf_client.transport import Transport

log = logging.getLogger("sf_client")

CHUNK_SIZE = 200
"""The most records one Collections request takes."""
NO_AUTO_ASSIGN = {"Sforce-Auto-Assign": "FALSE"}
"""Without it an active assignment rule may re-route the lead and overwrite our OwnerId."""
ALLOW_DUPLICATE_SAVE = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}
"""Lets an update through a duplicate rule whose action on edit is Alert (Block still blocks)."""
LOCKED = "UNABLE_TO_LOCK_ROW"
_RUN_ENDING = (
    RequestLimitExceeded,
    SessionExpired,
    AuthenticationError,
    PermissionDenied,
    ApiBudgetSpent,
)
_RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


class CollectionsWriter:
    """Writes one batch of records of one object type through a bounded thread pool."""

    def __init__(
        self,
        transport: Transport,
        path: str,
        *,
        concurrency: int,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        headers: Mapping[str, str] = NO_AUTO_ASSIGN,
    ) -> None:
        self._transport = transport
        self._headers = dict(headers)
        self._path = path
        self._concurrency = concurrency
        self._retry = retry
        self._sleep = sleep

    def update(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        """One result per record, in input order."""
        ids = checked_ids(records)
        results: dict[int, RecordResult] = {}
        pending = list(range(len(records)))
        for round_no in range(1, self._retry.lock_row_rounds + 1):
            if round_no > 1:
                self._sleep(self._retry.delay(round_no - 1))
            outcome = self._round(sobject, records, ids, pending)
            last = round_no == self._retry.lock_row_rounds
            pending = [i for i in pending if not last and outcome[i].error_code == LOCKED]
            results.update((i, r) for i, r in outcome.items() if i not in pending)
            if not pending:
                break
            self._transport.usage.count_rows_retried(len(pending))
            log.info(
                "%d %s rows were locked; trying them again in a later chunk", len(pending), sobject
            )
        failed = sum(not r.success for r in results.values())
        log.info("updated %d %s rows, %d failed", len(records), sobject, failed)
        return [results[i] for i in range(len(records))]

    def _round(
        self,
        sobject: str,
        records: Sequence[Mapping[str, Any]],
        ids: list[str],
        pending: list[int],
    ) -> dict[int, RecordResult]:
        chunks = [pending[k : k + CHUNK_SIZE] for k in range(0, len(pending), CHUNK_SIZE)]
        outcome: dict[int, RecordResult] = {}
        workers = max(1, min(self._concurrency, len(chunks)))
        with ThreadPoolExecutor(workers, thread_name_prefix="sf-write") as pool:
            futures = [
                pool.submit(
                    self._chunk, sobject, [records[i] for i in chunk], [ids[i] for i in chunk]
                )
                for chunk in chunks
            ]
            for chunk, future in zip(chunks, futures, strict=True):
                outcome.update(zip(chunk, _collect(future, pool), strict=True))
        return outcome

    def _chunk(
        self, sobject: str, records: list[Mapping[str, Any]], ids: list[str]
    ) -> list[RecordResult]:
        body = {
            "allOrNone": False,
            "records": [_collections_record(sobject, record) for record in records],
        }
        try:
            response = self._transport.request(
                "PATCH", self._path, json=body, headers=self._headers
            )
        except _RUN_ENDING:
            raise
        except SalesforceError as exc:
            log.warning("a %s chunk of %d rows failed as a whole: %s", sobject, len(ids), exc)
            return [RecordResult(i, False, exc.error_code, exc.message, exc.fields) for i in ids]
        raw = response.json()
        if not isinstance(raw, list) or len(raw) != len(ids):
            raise SalesforceError("Collections answered with a result count that does not match")
        return [parse_record_result(i, item) for i, item in zip(ids, raw, strict=True)]


def checked_ids(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The records' Ids; refuses a missing or malformed Id and a duplicate (naming it)."""
    seen: set[str] = set()
    ids: list[str] = []
    for record in records:
        record_id = record.get("Id")
        if not isinstance(record_id, str) or not _RECORD_ID.match(record_id):
            raise ValueError(
                "every record needs an Id of 15 or 18 characters, got " + repr(record_id)
            )
        if record_id in seen:
            raise ValueError("duplicate Id in one update: " + record_id)
        seen.add(record_id)
        ids.append(record_id)
    return ids


def _collections_record(sobject: str, record: Mapping[str, Any]) -> dict[str, Any]:
    values = {key: value for key, value in record.items() if key != "Id"}
    return {"attributes": {"type": sobject}, "id": record["Id"], **values}


def _collect(future: Future[list[RecordResult]], pool: ThreadPoolExecutor) -> list[RecordResult]:
    """A chunk's results; on a run-ending error, chunks not yet started are dropped."""
    try:
        return future.result()
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
