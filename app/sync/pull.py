"""The incremental pull: each object's changes since its watermark, a committed page at a time.

Per object: `cursor >= watermark - lookback AND cursor < run start ORDER BY cursor, Id`, through
queryAll so soft deletes arrive and are marked. Each page is upserted, its leads' and
opportunities' facts refreshed, and its watermark (the page's last stamp and Id) stored in one
transaction: a crash loses at most that page, and the watermark never passes an unstored record.
Re-reads caused by the lookback change nothing (upserts never go back to an older version).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import HandoffError
from app.store import repo_mirror, repo_sync
from app.sync import bulk_pull, fact_refresh
from app.sync.deletes import check_deleted
from app.sync.inputs import PullInputs
from app.sync.mirror import LEAD_FIELDS, PageMark, fields_hash, page_mark
from app.sync.mql_facts import FactRules
from app.sync.objects import ObjectPull
from app.sync.reconcile import reconcile
from app.sync.report import PullReport
from sf_client import BulkJobFailed, QueryPage
from sf_client.errors import BadRequest, InvalidQueryLocator, QueryTimeout
from sf_client.soql import format_soql, soql_datetime

log = logging.getLogger(__name__)

# Called after each stored page with the object's name, its records stored so far this run and
# how many it expects in all (stored before this query plus the query's `totalSize`), or None.
Progress = Callable[[str, int, int | None], None]

T = TypeVar("T")
_END = object()

# Lower bound of a narrowed first pull: no Salesforce record is older than the company.
EARLIEST = datetime(1999, 1, 1, tzinfo=UTC)
MIN_WINDOW = timedelta(minutes=1)
# An object's query is started again from its watermark at most this many times in one run
# after INVALID_QUERY_LOCATOR (an expired cursor, or one from before a re-authentication).
MAX_CURSOR_RESTARTS = 5
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def build_soql(spec: ObjectPull, lo: datetime | None, hi: datetime) -> str:
    """The window's query; field names are checked, values go through `format_soql`."""
    bad = [name for name in spec.fields if not _FIELD_NAME.match(name)]
    if bad:
        raise HandoffError(f"not a Salesforce field name: {', '.join(map(repr, bad))}")
    conditions = [format_soql("{:literal} < {:literal}", spec.cursor, soql_datetime(hi))]
    if lo is not None:
        conditions.insert(
            0, format_soql("{:literal} >= {:literal}", spec.cursor, soql_datetime(lo))
        )
    if spec.where:
        conditions.append(spec.where)
    return format_soql(
        "SELECT {:literal} FROM {:literal} WHERE {:literal} ORDER BY {:literal}, Id",
        ", ".join(spec.fields),
        spec.sobject,
        " AND ".join(conditions),
        spec.cursor,
    )


class _ObjectRun:
    """One object's pull within a run: its window, its pages, its counts."""

    def __init__(
        self,
        ctx: PullInputs,
        spec: ObjectPull,
        rules: FactRules,
        report: PullReport,
        progress: Progress | None,
    ) -> None:
        self.ctx, self.spec, self.rules, self.progress = ctx, spec, rules, progress
        self.report = report
        self.hash = fields_hash(spec.fields)
        self.stored = 0
        self.expected: int | None = None
        # Whether this read notes the Ids it returns in the store, for the reconcile after it.
        self.reconciling = False

    def has_rows(self) -> bool:
        """Whether the store holds any row of this object yet."""
        model = self.spec.purge_model
        if model is None:
            return False
        with self.ctx.sessions() as session:
            return session.scalar(select(model.id).limit(1)) is not None

    def start(self, run_start: datetime) -> datetime | None:
        """Where this object's window opens; None for a full read."""
        with self.ctx.sessions() as session:
            mark = repo_sync.get_watermark(session, self.spec.sobject)
        if self.ctx.full or mark is None or mark.system_modstamp is None:
            return None
        if mark.fields_hash != self.hash:
            log.info("%s: the field list changed; reading it again in full", self.spec.sobject)
            return None
        lookback = timedelta(seconds=self.ctx.lookback_seconds)
        return min(mark.system_modstamp - lookback, run_start)

    def store_page(self, records: list[dict[str, Any]], *, advance: bool = True) -> PageMark | None:
        """Store one page with its facts; with `advance`, move the watermark to its end (pages
        in cursor order only) in the same transaction."""
        mark = page_mark(records, self.spec.cursor)
        if mark is None:
            return None
        now = self.ctx.now()
        with self.ctx.sessions() as session:
            touched = self.spec.store(session, records)
            if self.reconciling:
                repo_mirror.note_seen(session, self.spec.sobject, [str(r["Id"]) for r in records])
            fact_refresh.store_page_leads(session, touched.lead_rows, self.rules, now)
            fact_refresh.refresh_leads(session, touched.leads, self.rules, now)
            fact_refresh.refresh_opportunities(session, touched.opportunities, self.rules)
            if advance:
                self._save_mark(session, mark, now)
            self.ctx.guard.check_lock()
            session.commit()
        self._count(records)
        self.ctx.guard.crash_point("after_pull_page")
        return mark

    def close_window(self, end: datetime) -> None:
        """Move the watermark to `end` once every record before it is stored.

        Left at the last record's stamp, a quiet org's window would open a lookback before
        that record on every run, re-reading the same last burst of changes (at a million
        leads, the hundred thousand our own writes made) until something newer arrives. The
        lookback's promise is that anything stamped before a query's start minus the lookback
        is visible to it; `end` is no later than the run's start nor than a time the org's own
        clock had reached before the query (`SalesforceClient.org_time_floor`, so a difference
        between our clock and the org's cannot skip records), so the next window may open at
        `end` minus the lookback.
        """
        with self.ctx.sessions() as session:
            mark = repo_sync.get_watermark(session, self.spec.sobject)
            if mark is not None and mark.system_modstamp is not None and mark.system_modstamp < end:
                repo_sync.save_watermark(
                    session, self.spec.sobject, now=self.ctx.now(), stamp=end, last_id=None
                )
                session.commit()

    def _save_mark(self, session: Session, mark: PageMark, now: datetime) -> None:
        repo_sync.save_watermark(
            session,
            self.spec.sobject,
            now=now,
            stamp=mark.stamp,
            last_id=mark.last_id,
            fields_hash=self.hash,
        )

    def pull_full(self, end: datetime) -> None:
        """Read everything before `end`: the first page on REST, then the rest through a Bulk
        API 2.0 query job when the page says more than HANDOFF_BULK_THRESHOLD records remain."""
        threshold = self.ctx.bulk_threshold
        if threshold <= 0:
            self.pull(None, end)
            return
        pages = self._query(None, end)
        try:
            first = next(pages, None)
        except QueryTimeout:
            self.pull(None, end, width=_halved(end - EARLIEST, self.spec.sobject))
            return
        except BadRequest as exc:
            raise _refused(self.spec.sobject, exc) from None
        if first is None:
            return
        self.expected = self.stored + first.total_size
        mark = self.store_page(first.records)
        if first.done:
            return
        if first.total_size - len(first.records) > threshold and self._bulk(mark, end):
            return
        resume = mark.stamp if mark else None
        try:
            for records in self._records(pages, counted=len(first.records)):
                stored = self.store_page(records)
                resume = stored.stamp if stored else resume
        except InvalidQueryLocator:
            self.report.cursor_restarts += 1
            log.info(
                "%s: the query cursor expired; querying again from %s", self.spec.sobject, resume
            )
            self.pull(resume, end)
        except QueryTimeout:
            width = _halved(end - (resume or EARLIEST), self.spec.sobject)
            self.pull(resume, end, width=width)

    def _bulk(self, mark: PageMark | None, end: datetime) -> bool:
        """Read [mark, end) through one query job; False (nothing lost) if the job failed."""
        spec = self.spec
        soql = bulk_pull.window_soql(build_soql(spec, mark.stamp if mark else None, end))
        types = bulk_pull.field_types(spec, self._described_types())
        records = self.ctx.sf.query_bulk(
            soql, types=types, include_deleted=spec.include_deleted,
            max_records=bulk_pull.BULK_RESULTS_PAGE,
        )  # fmt: skip
        best = mark
        try:
            # The next page is read and parsed (and each 10,000 records, fetched) while this one
            # is stored, as REST pages are.
            for page in prefetched(bulk_pull.pages_of(records, self.ctx.batch_size)):
                self.store_page(page, advance=False)
                best = bulk_pull.newest(best, page, spec.cursor)
        except BulkJobFailed as exc:
            log.warning("%s: %s; reading it on REST instead", spec.sobject, exc)
            return False
        except BadRequest as exc:
            raise _refused(spec.sobject, exc) from None
        if best is not None:
            with self.ctx.sessions() as session:
                self._save_mark(session, best, self.ctx.now())
                session.commit()
        return True

    def _described_types(self) -> dict[str, str] | None:
        """Salesforce types of the rules' own Lead fields (one describe), for the Bulk CSV."""
        if self.spec.sobject != "Lead" or all(f in LEAD_FIELDS for f in self.spec.fields):
            return None
        return {name: f.type for name, f in self.ctx.sf.describe("Lead").fields.items()}

    def _count(self, records: list[dict[str, Any]]) -> None:
        name = self.spec.sobject
        self.stored += len(records)
        deleted = sum(1 for r in records if r.get("IsDeleted"))
        self.report.count_stored(name, len(records), deleted)
        if self.progress is not None:
            self.progress(name, self.stored, self.expected)

    def pull(
        self, start: datetime | None, end: datetime, *, width: timedelta | None = None
    ) -> None:
        """Read [start, end) page by page, `width` at a time when given; on QUERY_TIMEOUT halve
        the window and go on.

        On INVALID_QUERY_LOCATOR the cursor is gone (idle too long, too many open, or opened
        by a session that has since been replaced), so the same window is queried again from
        the last stored page's stamp: the watermark never passed an unstored record, and the
        records read twice are upserts that change nothing.
        """
        lo, restarts = start, 0
        while True:
            hi = end if width is None else min(end, (lo or EARLIEST) + width)
            resume = lo
            try:
                for page in self._pages(lo, hi):
                    mark = self.store_page(page)
                    resume = mark.stamp if mark else resume
            except InvalidQueryLocator as exc:
                restarts += 1
                if restarts > MAX_CURSOR_RESTARTS:
                    raise HandoffError(
                        f"Salesforce kept closing the {self.spec.sobject} query's cursor "
                        f"(INVALID_QUERY_LOCATOR {restarts} times: {exc.message}); the pages "
                        "read so far are kept, and the next sync goes on from there"
                    ) from None
                self.report.cursor_restarts += 1
                log.info(
                    "%s: the query cursor expired; querying again from %s",
                    self.spec.sobject,
                    resume,
                )
                lo = resume
                continue
            except QueryTimeout:
                width = _halved(hi - (resume or EARLIEST), self.spec.sobject)
                log.info(
                    "%s: query timed out; narrowing the window to %s", self.spec.sobject, width
                )
                lo = resume
                continue
            if hi >= end:
                return
            lo = hi

    def _query(self, lo: datetime | None, hi: datetime) -> Iterator[QueryPage]:
        return self.ctx.sf.query_pages(
            build_soql(self.spec, lo, hi),
            include_deleted=self.spec.include_deleted,
            batch_size=self.ctx.batch_size,
        )

    def _pages(self, lo: datetime | None, hi: datetime) -> Iterator[list[dict[str, Any]]]:
        return self._records(self._query(lo, hi))

    def _records(
        self, pages: Iterator[QueryPage], *, counted: int = 0
    ) -> Iterator[list[dict[str, Any]]]:
        """The records of one query's pages; `counted` of them were already stored (a first page
        read apart), so the progress total stays the query's own count."""
        base = self.stored - counted
        try:
            for page in prefetched(pages):
                # Salesforce answers the query's full count on every page.
                self.expected = base + page.total_size
                yield page.records
        except (QueryTimeout, InvalidQueryLocator):
            raise
        except BadRequest as exc:
            raise _refused(self.spec.sobject, exc) from None


def prefetched(items: Iterator[T]) -> Iterator[T]:
    """`items` in order, the next one fetched on another thread while the caller handles this one.

    Storing a page and fetching the next take about as long, so overlapping them nearly halves
    the pull. At most one item is in flight (memory stays at two pages), the iterator is advanced
    by one thread at a time, and an error fetching item N+1 is raised only once the caller asks
    for it, after item N is stored and committed, exactly as without the overlap.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="handoff-prefetch") as fetcher:
        ahead = fetcher.submit(next, items, _END)
        while True:
            item = ahead.result()
            if item is _END:
                return
            ahead = fetcher.submit(next, items, _END)
            yield cast(T, item)


def _halved(width: timedelta, sobject: str) -> timedelta:
    half = timedelta(seconds=int(width.total_seconds() // 2))
    if half < MIN_WINDOW:
        raise HandoffError(
            f"Salesforce timed out reading {sobject} even one minute at a time "
            "(QUERY_TIMEOUT); try again later, when the org is less busy"
        )
    return half


class ObjectMissing(HandoffError):
    """The org has no such object, or the integration user cannot see it."""


def _refused(sobject: str, exc: BadRequest) -> HandoffError:
    """A clear message for a query the org refused: a missing object or field is a setup fact."""
    if exc.error_code == "INVALID_TYPE":
        return ObjectMissing(
            f"the org has no {sobject} object the integration user can read ({exc.message}); "
            "check the user's profile or permission sets"
        )
    if exc.error_code == "INVALID_FIELD":
        return HandoffError(
            f"Salesforce refused a field of {sobject}: {exc.message.rstrip('.')}. Check the "
            "field names in "
            "the rules file (HANDOFF_RULES) and the integration user's field-level security"
        )
    return HandoffError(f"Salesforce refused the {sobject} query: {exc}")


def pull_object(
    ctx: PullInputs,
    spec: ObjectPull,
    rules: FactRules,
    report: PullReport,
    *,
    run_start: datetime,
    progress: Progress | None = None,
) -> None:
    """Pull one object up to `run_start`, then its hard deletes, into the pull's `report`."""
    job = _ObjectRun(ctx, spec, rules, report, progress)
    start = job.start(run_start)
    # A full read over stored rows notes every Id it sees in the store, to find the rows the
    # org lost; over an empty store (a first sync) there is nothing to find, and nothing noted.
    job.reconciling = start is None and spec.purge_model is not None and job.has_rows()
    if job.reconciling:
        with ctx.sessions() as session:
            repo_mirror.forget_seen(session, spec.sobject)  # left by a read that crashed
            session.commit()
    # Read before this object's query: the org's clock had passed it when the query started.
    org_floor = ctx.sf.org_time_floor()
    if start is None:
        job.pull_full(run_start)
    else:
        job.pull(start, run_start)
    if org_floor is not None:
        job.close_window(min(run_start, org_floor))
    if job.reconciling:
        report.count_deleted(spec.sobject, reconcile(ctx, spec, rules))
    if progress is not None and job.stored == 0:
        progress(spec.sobject, 0, 0)
    check_deleted(ctx, spec, rules, report, run_start=run_start)
