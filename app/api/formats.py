"""JSON or CSV for the reports: `?format=csv` or `Accept: text/csv` asks for CSV."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import Response

FormatQuery = Annotated[
    Literal["json", "csv"] | None,
    Query(description="`csv` for CSV (or send `Accept: text/csv`); JSON by default"),
]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def wants_csv(request: Request, format_: str | None) -> bool:
    """The query parameter wins; otherwise CSV when the client accepts it and not JSON first."""
    if format_ is not None:
        return format_ == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept.split("text/csv")[0]


def csv_response(text: str, name: str) -> Response:
    return Response(
        content=text,
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
