"""The app's logging, set from `HANDOFF_LOG_LEVEL` by every entry point.

DEBUG shows the traceback of every failure a command reports (and of any bug); INFO shows a
run's steps; WARNING and ERROR only problems. Logs go to stderr, one line each, so a container
runtime or systemd collects them; secrets never reach them (the code never logs one).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "handoff-stderr"


class _StderrHandler(logging.StreamHandler[Any]):
    """Writes to whatever `sys.stderr` is at the time of the record, as `logging.lastResort` does
    (a test harness or a daemon may replace it after logging is configured)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(level: str) -> None:
    """Send the `handoff` loggers' records at `level` and above to stderr (idempotent)."""
    logger = logging.getLogger("handoff")
    logger.setLevel(level)
    if not any(handler.get_name() == _HANDLER_NAME for handler in logger.handlers):
        handler = _StderrHandler()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
        logger.propagate = False
