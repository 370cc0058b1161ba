"""How the API answers when something is wrong: 422 naming the parameter, never a bare 500.

Bad input is reported in FastAPI's validation shape (`detail[].loc` names the parameter), so
clients see one format whether pydantic or our own checks caught it, but never with the input
in it: a 10 MB body must not come back as a 10 MB answer, and a body that is not UTF-8 must not
break the answer. When the database cannot answer (down, full, a corrupt file), clients get a
plain 503 with `Retry-After` and the log gets what happened, named by `environment_problem`.
A failure we did not foresee is a bug: logged with its traceback, answered with a 500 that
leaks nothing.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from app.errors import environment_problem

log = logging.getLogger("handoff.api")

# A body may hold thousands of mistakes; the first ones say enough.
MAX_PROBLEMS = 20
RETRY_AFTER_SECONDS = 5


def invalid(parameter: str, message: str, *, location: str = "query") -> RequestValidationError:
    """A 422 naming `parameter`, in the same shape as FastAPI's own validation errors."""
    return RequestValidationError(
        [{"type": "value_error", "loc": (location, parameter), "msg": message, "input": None}]
    )


def _validation_failed(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"type": str(error.get("type", "")), "loc": list(error.get("loc", ())), "msg": error["msg"]}
        for error in exc.errors()[:MAX_PROBLEMS]
    ]
    return JSONResponse({"detail": problems}, status_code=422)


def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    problem = environment_problem(exc)
    if problem is None:
        return _unexpected(request, exc)
    log.error(
        "database unavailable on %s %s: %s",
        request.method,
        request.url.path,
        problem,
        exc_info=exc if log.isEnabledFor(logging.DEBUG) else None,
    )
    return database_unavailable_response()


def database_unavailable_response() -> JSONResponse:
    """The answer to any request the database cannot serve; the detail is in the log."""
    return JSONResponse(
        {"detail": "the database is unavailable; try again shortly"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(RequestValidationError, _validation_failed)
    app.add_exception_handler(DBAPIError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
