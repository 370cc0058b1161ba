"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no time zones, so a plain `DateTime(timezone=True)` comes back naive there and aware on
PostgreSQL; comparing the two is the classic SystemModstamp bug. `UtcDateTime` stores UTC and
always hands back aware UTC datetimes, and refuses naive ones on the way in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import JSON, TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not UTC:  # most values are already UTC: skip the conversion
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Raw Salesforce records: JSONB on PostgreSQL (smaller, indexable), JSON text on SQLite.
JsonDocument: Any = JSON().with_variant(JSONB(), "postgresql")
