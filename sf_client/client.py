"""The REST client the app codes against: queries page by page, describes, limits, writes.

Synchronous on an httpx client the app owns and pools; the only threads are the bounded pool
that keeps several Collections chunks in flight. Nothing talks to Salesforce until the first
call, which logs in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from sf_client.bulk import DEFAULT_MAX_RECORDS, BulkPolling, BulkQueries
from sf_client.models import (
    ApiVersion,
    DeletedRecords,
    Limit,
    QueryPage,
    RecordResult,
    SObjectDescribe,
    UserInfo,
    parse_deleted,
    parse_describe,
    parse_limits,
    parse_page,
    parse_userinfo,
    parse_versions,
)
from sf_client.retry import RetryPolicy
from sf_client.soql import in_list_queries, soql_datetime
from sf_client.tokens import Authenticator, Identity, identity_from_url
from sf_client.transport import Transport
from sf_client.usage import ApiUsage
from sf_client.writes import ALLOW_DUPLICATE_SAVE, NO_AUTO_ASSIGN, CollectionsWriter, checked_ids

_API_VERSION = re.compile(r"^\d{2,3}\.\d$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
_MIN_BATCH, _MAX_BATCH = 200, 2000


class SalesforceClient:
    """One org, one integration user; safe to share between threads."""

    def __init__(
        self,
        http: httpx.Client,
        auth: Authenticator,
        *,
        api_version: str = "66.0",
        retry: RetryPolicy | None = None,
        write_concurrency: int = 4,
        bulk_polling: BulkPolling | None = None,
        sleep: Callable[[float], None] = time.sleep,
        allow_duplicate_save: bool = True,
        usage: ApiUsage | None = None,
    ) -> None:
        """`allow_duplicate_save` sends `Sforce-Duplicate-Rule-Header: allowSave=true` with every
        write, so a duplicate rule set to Alert does not block our updates (one set to Block
        still does, per record). `usage` may carry a budget (`ApiUsage(budget=...)`)."""
        if not _API_VERSION.match(api_version):
            raise ValueError("api_version looks like 66.0 (no leading v), got " + repr(api_version))
        if write_concurrency < 1:
            raise ValueError("write_concurrency must be at least 1")
        self.api_version = api_version
        self.usage = usage or ApiUsage()
        self._write_headers = dict(NO_AUTO_ASSIGN)
        if allow_duplicate_save:
            self._write_headers |= ALLOW_DUPLICATE_SAVE
        policy = retry or RetryPolicy()
        self._transport = Transport(http, auth, retry=policy, sleep=sleep, usage=self.usage)
        self._base = "/services/data/v" + api_version
        self._writer = CollectionsWriter(
            self._transport,
            self._base + "/composite/sobjects",
            concurrency=write_concurrency,
            retry=policy,
            sleep=sleep,
            headers=self._write_headers,
        )
        self.bulk = BulkQueries(self._transport, self._base, polling=bulk_polling, sleep=sleep)

    @property
    def instance_url(self) -> str:
        """The org's instance, as the token flow returned it (logs in if needed)."""
        return self._transport.token().instance_url

    def org_time_floor(self) -> datetime | None:
        """A time the org's clock had reached before any request sent from now on (from the
        `Date` of its answers so far, less their round trips); None until one carried it."""
        return self._transport.org_clock.floor()

    def identity(self) -> Identity:
        """The org and integration user: from the token's id URL, else from userinfo."""
        token = self._transport.token()
        if token.identity_url:
            return identity_from_url(token.identity_url)
        info = self.userinfo()
        return Identity(info.organization_id, info.user_id, info.preferred_username)

    def userinfo(self) -> UserInfo:
        """The OpenID userinfo of the session's user."""
        return parse_userinfo(self._json("/services/oauth2/userinfo"))

    def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[QueryPage]:
        """The query's pages in order; the next page is fetched only when asked for.

        Only the `nextRecordsUrl` string is kept between pages, so a caller that lets go of
        a page before asking for the next never holds two.
        """
        headers = _batch_header(batch_size)
        resource = "/queryAll/" if include_deleted else "/query/"
        body = self._json(self._base + resource, params={"q": soql}, headers=headers)
        while True:
            next_url = body.get("nextRecordsUrl")
            page = parse_page(body)
            del body
            last = page.done or not next_url
            yield page
            del page
            if last:
                return
            body = self._json(host_relative(str(next_url)), headers=headers)

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """The query's records one by one, releasing each page's records as they are yielded."""
        for page in self.query_pages(soql, include_deleted=include_deleted, batch_size=batch_size):
            records = page.records
            del page
            records.reverse()
            while records:
                yield records.pop()

    def query_bulk(
        self,
        soql: str,
        *,
        types: Mapping[str, str] | None = None,
        include_deleted: bool = False,
        max_records: int = DEFAULT_MAX_RECORDS,
    ) -> Iterator[dict[str, Any]]:
        """The query's records through a Bulk API 2.0 query job (for big full reads), shaped
        as `query` gives them when `types` names the selected fields' Salesforce types."""
        return self.bulk.records(
            soql, types=types, include_deleted=include_deleted, max_records=max_records
        )

    def query_in(
        self,
        template: str,
        values: Iterable[str],
        *,
        include_deleted: bool = False,
        **format_kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        """Records for `template`'s `IN {ids}`, one query per chunk of `values` that fits a URL."""
        resource = "/queryAll/" if include_deleted else "/query/"
        url = self.instance_url + self._base + resource

        def measure(soql: str) -> int:
            return len(str(httpx.URL(url, params={"q": soql})).encode())

        for soql in in_list_queries(template, values, measure=measure, **format_kwargs):
            yield from self.query(soql, include_deleted=include_deleted)

    def get_deleted(self, sobject: str, start: datetime, end: datetime) -> DeletedRecords:
        """Ids deleted between `start` and `end` (aware datetimes; at most 15 days back)."""
        params = {"start": soql_datetime(start), "end": soql_datetime(end)}
        return parse_deleted(self._json(self._sobject_path(sobject, "deleted/"), params=params))

    def describe(self, sobject: str) -> SObjectDescribe:
        """The object's fields as the integration user sees them."""
        return parse_describe(self._json(self._sobject_path(sobject, "describe")))

    def limits(self) -> dict[str, Limit]:
        """The org's limits (needs "View Setup and Configuration")."""
        return parse_limits(self._json(self._base + "/limits/"))

    def versions(self) -> list[ApiVersion]:
        """The API versions the instance serves, oldest first."""
        return parse_versions(self._json("/services/data/"))

    def get(
        self, sobject: str, record_id: str, fields: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """One record, with only `fields` when given."""
        checked_ids([{"Id": record_id}])
        params = None
        if fields is not None:
            for name in fields:
                if not _FIELD.match(name):
                    raise ValueError("not a field name: " + repr(name))
            params = {"fields": ",".join(fields)}
        result: dict[str, Any] = self._json(self._sobject_path(sobject, record_id), params=params)
        return result

    def update(self, sobject: str, record_id: str, values: Mapping[str, Any]) -> None:
        """PATCH one record (204); assignment rules stay off."""
        checked_ids([{"Id": record_id}])
        path = self._sobject_path(sobject, record_id)
        self._transport.request("PATCH", path, json=dict(values), headers=self._write_headers)

    def update_many(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        """Collections updates of records carrying "Id"; one result per record, input order."""
        _check_name(sobject)
        return self._writer.update(sobject, records)

    def _sobject_path(self, sobject: str, tail: str) -> str:
        _check_name(sobject)
        return self._base + "/sobjects/" + sobject + "/" + tail

    def _json(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return self._transport.request("GET", path, params=params, headers=headers).json()


def host_relative(url: str) -> str:
    """A `nextRecordsUrl` as the host-relative path to request.

    Salesforce sends it host-relative; some orgs (and proxies in front of them) send it
    absolute. Only the path and query are kept, so the request still goes to the instance the
    token belongs to and the bearer token never goes to any other host.
    """
    if not url.startswith(("https://", "http://")):
        return url
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def _check_name(sobject: str) -> None:
    if not _NAME.match(sobject):
        raise ValueError("not an sObject name: " + repr(sobject))


def _batch_header(batch_size: int | None) -> dict[str, str]:
    if batch_size is None:
        return {}
    if not _MIN_BATCH <= batch_size <= _MAX_BATCH:
        raise ValueError("batch_size must be between 200 and 2000")
    return {"Sforce-Query-Options": "batchSize=" + str(batch_size)}
