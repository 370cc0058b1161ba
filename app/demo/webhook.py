"""The demo's own breach-notification receiver: a loopback HTTP server that counts what it gets.

The demo's rules notify on every SLA breach; so that the notifications go somewhere real without
leaving the machine, the demo serves this receiver on 127.0.0.1 and points its own process's
`HANDOFF_BREACH_WEBHOOK` at it (overriding any value from the shell: the demo never sends outside).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WEBHOOK_ENV = "HANDOFF_BREACH_WEBHOOK"


@dataclass
class DemoWebhook:
    """What the receiver got: one entry per request (idempotency key and JSON body)."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def distinct(self) -> int:
        """Notifications, counting a resend with the same idempotency key once."""
        return len({item["key"] for item in self.received})


@contextmanager
def demo_webhook() -> Iterator[DemoWebhook]:
    """Serve the receiver and point `HANDOFF_BREACH_WEBHOOK` at it until the demo stops."""
    webhook = DemoWebhook()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                webhook.received.append(
                    {"key": self.headers.get("Idempotency-Key"), "body": json.loads(body or b"{}")}
                )
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            del format, args  # quiet: the demo summary says what arrived

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="demo-webhook", daemon=True)
    thread.start()
    webhook.url = f"http://127.0.0.1:{server.server_address[1]}/breach"
    previous = os.environ.get(WEBHOOK_ENV)
    os.environ[WEBHOOK_ENV] = webhook.url
    try:
        yield webhook
    finally:
        if previous is None:
            os.environ.pop(WEBHOOK_ENV, None)
        else:
            os.environ[WEBHOOK_ENV] = previous
        server.shutdown()
        server.server_close()
