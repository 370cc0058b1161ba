"""Errors a person can act on, and the exit status each one means.

Every failure that reaches a user goes through `HandoffError` (or one of the library errors that
`app.cli.main` translates), so the CLI prints one clear line and the API answers with a status
code, never a traceback.
"""

from __future__ import annotations

from enum import IntEnum


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


class SyncLockLost(HandoffError):
    """The run's lock lapsed while it ran (SQLite lease not renewed); it stops to stay alone."""
