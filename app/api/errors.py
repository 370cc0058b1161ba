"""How the API answers when something is wrong: 422 naming the parameter, never a bare 500.

Bad input is reported in FastAPI's own validation shape (`detail[].loc` names the parameter), so
clients see one format whether pydantic or our own checks caught it. A failure we did not foresee
is a bug: it is logged with its traceback and answered with a plain 500 that leaks nothing.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

log = logging.getLogger("handoff.api")


def invalid(parameter: str, message: str, *, location: str = "query") -> RequestValidationError:
    """A 422 naming `parameter`, in the same shape as FastAPI's own validation errors."""
    return RequestValidationError(
        [{"type": "value_error", "loc": (location, parameter), "msg": message, "input": None}]
    )


def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc))
    return JSONResponse(
        {"detail": "the database is unavailable; try again shortly"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
