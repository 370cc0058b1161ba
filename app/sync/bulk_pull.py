"""Full reads of big objects through a Bulk API 2.0 query job instead of REST pages.

A full read starts on REST as always; its first page says how many records the window holds
(`totalSize`). Above HANDOFF_BULK_THRESHOLD (Salesforce's guidance: about 2,000) the rest of the
window is read by one query job: a create, a few polls and one call per 50,000 records, where
REST costs a call per 2,000. Incremental reads stay on REST.

The job's results come in no particular order, so its pages are stored without moving the
watermark; only when every page is stored does the watermark move to the newest record read.
A crash part-way leaves the watermark where the REST page put it, and the next run reads the
rest again (upserts make that harmless). A job that fails is logged and the window read on REST.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from app.sync.mirror import PageMark, parse_datetime
from app.sync.objects import ObjectPull

# Results per Bulk page (Salesforce's default); the pull stores them in pages of its batch size.
BULK_RESULTS_PAGE = 50_000

# The Salesforce types of the fields we select ourselves; the rules' own Lead fields get theirs
# from the Lead describe. Everything not listed reads as text, as the REST API gives it.
OWN_FIELD_TYPES = {
    "IsConverted": "boolean",
    "IsDeleted": "boolean",
    "IsClosed": "boolean",
    "IsWon": "boolean",
    "Amount": "currency",
    "CreatedDate": "datetime",
    "SystemModstamp": "datetime",
}


def window_soql(soql: str) -> str:
    """The REST window query without its ORDER BY: Bulk jobs chunk by primary key, and an
    ORDER BY turns that off and times out on big objects."""
    head, sep, _order = soql.rpartition(" ORDER BY ")
    return head if sep else soql


def field_types(spec: ObjectPull, described: dict[str, str] | None) -> dict[str, str]:
    """Types for the job's columns: ours, then the describe's for the rest."""
    types = {name: kind for name, kind in (described or {}).items() if name in spec.fields}
    types.update({name: OWN_FIELD_TYPES[name] for name in spec.fields if name in OWN_FIELD_TYPES})
    return types


def pages_of(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Records in lists of `size`, so a Bulk page of 50,000 is stored as REST pages are."""
    page: list[dict[str, Any]] = []
    for record in records:
        page.append(record)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def newest(mark: PageMark | None, records: list[dict[str, Any]], cursor: str) -> PageMark | None:
    """The latest (stamp, Id) among `mark` and `records`: where the watermark may go once all
    pages are stored."""
    best = mark
    for record in records:
        stamp = parse_datetime(record.get(cursor))
        if stamp is None:
            continue
        key: tuple[datetime, str] = (stamp, str(record["Id"]))
        if best is None or key > (best.stamp, best.last_id):
            best = PageMark(*key)
    return best
