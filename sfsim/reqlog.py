"""What the org was asked and what it answered, for tests to assert on."""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class WriteOutcome:
    """One record of a write: its id and `OK` or the error code it got."""

    id: str | None
    outcome: str


@dataclass
class LoggedRequest:
    """One request: no headers but the assignment and duplicate-rule ones, never a token."""

    method: str
    path: str
    status: int
    auto_assign: str | None = None
    user_id: str | None = None
    duplicate_rule_header: str | None = None
    writes: list[WriteOutcome] = field(default_factory=list)
    elapsed_ms: float = 0.0  # handling and encoding, without latency faults or transport
    cpu_ms: float = 0.0  # CPU the serving thread spent on it (steady on a busy machine)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready form for the control endpoint."""
        return asdict(self)


class RequestLog:
    """The last requests (bounded so a long benchmark does not grow without end)."""

    def __init__(self, size: int = 100_000) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=size)

    def add(self, entry: LoggedRequest) -> None:
        """Record a request."""
        self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        """Every recorded request, oldest first."""
        return list(self._entries)

    def clear(self) -> None:
        """Forget everything recorded."""
        self._entries.clear()
