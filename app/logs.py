"""The app's logging, set from `HANDOFF_LOG_LEVEL` by every entry point.

DEBUG shows the traceback of every failure a command reports (and of any bug); INFO shows a
run's steps; WARNING and ERROR only problems. Logs go to stderr, one line each, so a container
runtime or systemd collects them; secrets never reach them (the code never logs one).
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "handoff-stderr"


def configure_logging(level: str) -> None:
    """Send the `handoff` loggers' records at `level` and above to stderr (idempotent)."""
    logger = logging.getLogger("handoff")
    logger.setLevel(level)
    if not any(handler.get_name() == _HANDLER_NAME for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
        logger.propagate = False
