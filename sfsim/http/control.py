"""`/__sfsim__/`: the control surface over HTTP (a path no real org has).

Tests in other processes (the demo, crash tests) use it to read the org, act as people, read the
request log and switch faults; in-process tests call the same functions in Python.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sfsim import people
from sfsim.errors import SfError
from sfsim.http.gate import JSON_TYPE
from sfsim.org import Org
from sfsim.seed.generate import generate
from sfsim.state import lead_states, record
from sfsim.values import parse_datetime
from sfsim.write_rules import WriteRule

FAULT_FIELDS = ("latency_ms", "unavailable", "expire_after", "lock_share", "query_timeouts",
                "api_max", "api_used", "bulk_polls", "bulk_failures", "per_app_max",
                "per_app_used", "rotate_refresh", "short_ids", "absolute_next_urls",
                "expire_cursors", "in_list_timeout_over")  # fmt: skip


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, headers={"Content-Type": JSON_TYPE})


def _act(org: Org, action: str, body: dict[str, Any]) -> Any:
    who = body.get("user", org.integration_user_id)
    if action == "update":
        people.edit(org, who, body.get("type", "Lead"), body["id"], body["fields"])
        return {"ok": True}
    if action == "activity":
        return {"id": people.log_activity(org, body.get("kind", "Task"), body["lead_id"], by=who,
                                          subject=body.get("subject", "Call"),
                                          completed=body.get("completed", True))}  # fmt: skip
    if action == "convert":
        done = people.convert(org, body["lead_id"], by=who, opportunity=body.get("opportunity"))
        return {"account_id": done.account_id, "contact_id": done.contact_id,
                "opportunity_id": done.opportunity_id}  # fmt: skip
    if action in ("delete", "undelete"):
        getattr(people, action)(org, body.get("type", "Lead"), body["id"], by=who)
        return {"ok": True}
    if action == "out-of-office":
        return {"id": people.set_out_of_office(org, who, int(body["start"]), int(body["end"]),
                                               message=body.get("message", ""))}  # fmt: skip
    if action == "hard-delete":
        people.hard_delete(org, body.get("type", "Lead"), body["id"])
        return {"ok": True}
    raise SfError(404, "NOT_FOUND", f"no action {action}")


def _faults(org: Org, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    with org.lock:
        if request.method == "DELETE":
            org.faults.reset()
        for name in FAULT_FIELDS:
            if name in body:
                setattr(org.faults, name, body[name])
        return {name: getattr(org.faults, name) for name in FAULT_FIELDS}


def _clock(org: Org, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("pin"):
        moment = parse_datetime(str(body["pin"]))
        if moment is None:
            raise SfError(400, "INVALID_DATE", "pin takes an ISO datetime with an offset")
        org.clock.pin(moment)
    elif "pin" in body:
        org.clock.release()
    if body.get("advance"):
        org.clock.advance(int(body["advance"]))
    return {"now": org.clock.now_datetime().isoformat()}


Endpoint = Callable[[Request], Awaitable[Response]]


def _endpoint(work: Callable[[Org, Request, dict[str, Any]], Any]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        org: Org = request.app.state.org
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
            return _json(work(org, request, body))
        except SfError as error:
            return _json([error.as_rest()], error.status)
        except (KeyError, ValueError, TypeError) as error:
            return _json([{"errorCode": "BAD_REQUEST", "message": str(error)}], 400)

    return endpoint


def _write_rules(org: Org, request: Request, body: dict[str, Any]) -> list[dict[str, Any]]:
    """GET the org's write rules, POST one more (`WriteRule` fields), DELETE them all."""
    with org.lock:
        if request.method == "DELETE":
            org.write_rules.clear()
        elif request.method == "POST":
            org.write_rules.append(WriteRule.from_json(body))
        return [rule.as_json() for rule in org.write_rules]


def _refresh_token(org: Org, _request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """A refresh token for a user, as a person authorising the app once would grant."""
    with org.lock:
        user = org.user_id(body.get("user", org.integration_user_id))
        return {"refresh_token": org.auth.issue_refresh(user),
                "consumer_key": org.auth.consumer_key}  # fmt: skip


def _state(org: Org, _request: Request, _body: dict[str, Any]) -> dict[str, Any]:
    with org.lock:
        sizes = {name: org.table(name).size for name in org.db.names()}
        return {"org_id": org.org_id, "integration_user_id": org.integration_user_id,
                "rows": sizes, "api_used": org.faults.api_used, "api_max": org.faults.api_max,
                "now": org.clock.now_datetime().isoformat()}  # fmt: skip


def _seed(org: Org, _request: Request, body: dict[str, Any]) -> dict[str, Any]:
    generate(org, seed=body.get("seed", "demo"), leads=body.get("leads"))
    return {"leads": org.table("Lead").size}


def _issue_token(org: Org, _request: Request, body: dict[str, Any]) -> dict[str, Any]:
    with org.lock:
        return {
            "access_token": org.auth.issue(org.user_id(body.get("user", org.integration_user_id)))
        }


def _requests(org: Org, request: Request, _body: dict[str, Any]) -> list[dict[str, Any]]:
    with org.lock:
        if request.method == "DELETE":
            org.log.clear()
            return []
        return [entry.as_json() for entry in org.log.entries()]


ROUTES = [
    Route("/__sfsim__/state", _endpoint(_state)),
    Route("/__sfsim__/leads", _endpoint(lambda org, _r, _b: lead_states(org))),
    Route(
        "/__sfsim__/records/{sobject}/{record_id}",
        _endpoint(lambda org, r, _b: record(org, **r.path_params)),
    ),
    Route(
        "/__sfsim__/act/{action}",
        _endpoint(lambda org, r, b: _act(org, r.path_params["action"], b)),
        methods=["POST"],
    ),
    Route("/__sfsim__/requests", _endpoint(_requests), methods=["GET", "DELETE"]),
    Route("/__sfsim__/faults", _endpoint(_faults), methods=["GET", "POST", "DELETE"]),
    Route(
        "/__sfsim__/clock", _endpoint(lambda org, _r, b: _clock(org, b)), methods=["GET", "POST"]
    ),
    Route("/__sfsim__/tokens", _endpoint(_issue_token), methods=["POST"]),
    Route("/__sfsim__/seed", _endpoint(_seed), methods=["POST"]),
    Route("/__sfsim__/write-rules", _endpoint(_write_rules), methods=["GET", "POST", "DELETE"]),
    Route("/__sfsim__/refresh-tokens", _endpoint(_refresh_token), methods=["POST"]),
]
