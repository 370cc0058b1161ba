"""The Starlette application: Salesforce's paths, with and without trailing slashes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from email.utils import formatdate

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sfsim.errors import SfError, not_found
from sfsim.http import bulk, collections, control, oauth, rest, soap
from sfsim.http.gate import Handler, error_response, json_response, run
from sfsim.org import Org

Endpoint = Callable[[Request], Awaitable[Response]]
DATA = "/services/data/v{version}"


def _rest(handler: Handler) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return await run(request.app.state.org, request, handler)

    return endpoint


def _both(path: str, endpoint: Endpoint, methods: list[str]) -> list[BaseRoute]:
    return [Route(path, endpoint, methods=methods), Route(path + "/", endpoint, methods=methods)]


async def _versions(request: Request) -> Response:
    return json_response(rest.versions(), 200, request.app.state.org)


async def _not_found(request: Request, _exc: Exception) -> Response:
    return error_response(not_found(), request.app.state.org)


async def _not_allowed(request: Request, _exc: Exception) -> Response:
    error = SfError(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{request.method}' not allowed.")
    return error_response(error, request.app.state.org)


def _routes() -> list[BaseRoute]:
    table: list[tuple[str, Handler, list[str]]] = [
        (DATA, rest.resources, ["GET"]),
        (f"{DATA}/limits", rest.limits, ["GET"]),
        (f"{DATA}/query", rest.query, ["GET"]),
        (f"{DATA}/queryAll", rest.query_all, ["GET"]),
        (f"{DATA}/query/{{locator}}", rest.query_more, ["GET"]),
        (f"{DATA}/queryAll/{{locator}}", rest.query_more, ["GET"]),
        (f"{DATA}/sobjects/{{sobject}}/describe", rest.describe_object, ["GET"]),
        (f"{DATA}/sobjects/{{sobject}}/deleted", rest.deleted, ["GET"]),
        (f"{DATA}/sobjects/{{sobject}}/updated", rest.updated, ["GET"]),
        (f"{DATA}/sobjects/{{sobject}}/{{record_id}}", rest.get_record, ["GET"]),
        (f"{DATA}/composite/sobjects", collections.update_collection, ["PATCH"]),
        (f"{DATA}/jobs/query", bulk.create_job, ["POST"]),
        (f"{DATA}/jobs/query/{{job_id}}", bulk.job_state, ["GET"]),
        (f"{DATA}/jobs/query/{{job_id}}/results", bulk.job_results, ["GET"]),
    ]
    routes: list[BaseRoute] = _both("/services/data", _versions, ["GET"])
    for path, handler, methods in table:
        routes += _both(path, _rest(handler), methods)
    routes += [
        Route(f"{DATA}/sobjects/{{sobject}}/{{record_id}}", _rest(rest.patch_record),
              methods=["PATCH"]),
        Route(f"{DATA}/jobs/query/{{job_id}}", _rest(bulk.change_job), methods=["PATCH"]),
        Route(f"{DATA}/jobs/query/{{job_id}}", _rest(bulk.delete_job), methods=["DELETE"]),
        Route("/services/oauth2/token", oauth.token, methods=["POST"]),
        Route("/services/Soap/u/{version}", soap.login, methods=["POST"]),
        Route("/services/oauth2/userinfo", oauth.userinfo, methods=["GET", "POST"]),
        *control.ROUTES,
    ]  # fmt: skip
    return routes


class _OrgDate:
    """Every answer's `Date` header on the org's clock, as a real org's answers carry its own
    time (a test that pins or advances the clock moves it too); the server adds none itself."""

    def __init__(self, app: ASGIApp, org: Org) -> None:
        self.app = app
        self.org = org

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Date"] = formatdate(self.org.clock.now(), usegmt=True)
            await send(message)

        await self.app(scope, receive, dated)


def create_app(org: Org) -> Starlette:
    """An ASGI app serving `org` (the org is shared: control calls and requests see one state)."""
    app = Starlette(
        routes=_routes(),
        exception_handlers={404: _not_found, 405: _not_allowed},
        middleware=[Middleware(_OrgDate, org=org)],
    )
    app.router.redirect_slashes = False
    app.state.org = org
    return app
