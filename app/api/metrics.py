"""`GET /metrics`: the Prometheus exposition of this app's registry (a read key is needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.auth import ReadAccess

router = APIRouter(tags=["operations"], dependencies=ReadAccess)

METRICS_EXAMPLE = """\
# HELP handoff_open_mqls Open MQLs by SLA state, now
# TYPE handoff_open_mqls gauge
handoff_open_mqls{sla="breached"} 2.0
handoff_open_mqls{sla="pending"} 3.0
"""


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}, "example": METRICS_EXAMPLE}},
            "description": "Prometheus text exposition format",
        }
    },
)
def get_metrics(request: Request) -> Response:
    """Sync runs by state, run durations, records pulled and API calls of the newest run, the
    org's API usage against its limit, writes by result, and open MQLs by SLA state, all read
    from the store at scrape time."""
    body = generate_latest(request.app.state.metrics)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
