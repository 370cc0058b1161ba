"""Errors a person can act on, and the exit status each one means.

Every failure that reaches a user goes through `HandoffError` (or one of the library errors that
`app.cli.main` translates), so the CLI prints one clear line and the API answers with a status
code, never a traceback.
"""

from __future__ import annotations

import errno
from enum import IntEnum

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)


class ExitCode(IntEnum):
    """The CLI's exit statuses, as the SPEC fixes them."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    PARTIAL = 3
    LOCKED = 75


class HandoffError(Exception):
    """A failure with a message meant for the person who ran the command."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class SyncLocked(HandoffError):
    """Another sync holds the lock for this org (another process or replica)."""

    exit_code = ExitCode.LOCKED


class SyncStopped(HandoffError):
    """The service is shutting down (SIGTERM): the run stopped at a safe point, to be resumed."""


class SyncLockLost(HandoffError):
    """The run's lock lapsed while it ran (SQLite lease not renewed); it stops to stay alone."""


def environment_problem(exc: BaseException) -> str | None:
    """What is wrong around Handoff, with the fix, when `exc` is such a problem; else None.

    The database unreachable, the disk full, a corrupt SQLite file: none of them is a bug, and
    the person running Handoff can fix each one, so each is named as what it is.
    """
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return _DISK_FULL
    if not isinstance(exc, DBAPIError) or isinstance(exc, _BUG_KINDS):
        return None
    text = str(exc.orig).lower()
    if "disk is full" in text or "no space left" in text or _pgcode(exc) == "53100":
        return _DISK_FULL
    if "file is not a database" in text or "malformed" in text:
        return (
            "the SQLite database file is corrupt (not a database): restore it from a backup, "
            "or point HANDOFF_DATABASE_URL at a new file and run `handoff db upgrade`"
        )
    if "unable to open database file" in text:
        return (
            "the SQLite database file cannot be opened: check that its folder exists and is "
            "writable, and HANDOFF_DATABASE_URL"
        )
    if isinstance(exc, OperationalError | InterfaceError):
        return (
            f"the database does not answer ({_first_line(exc.orig)}): check that it is "
            "running and reachable, and HANDOFF_DATABASE_URL"
        )
    return f"the database failed ({type(exc.orig).__name__}): check its log and its disk"


_DISK_FULL = "the disk is full: free space where the database (or the log) is written, then retry"
_BUG_KINDS = (IntegrityError, ProgrammingError, DataError, NotSupportedError)


def _pgcode(exc: DBAPIError) -> str | None:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return str(code) if code else None


def _first_line(error: BaseException | None) -> str:
    """The driver's first line, less anything after `password`; never the SQL or parameters."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line.split("password")[0].strip()[:200]
