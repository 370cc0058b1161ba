"""Serving an org on loopback with uvicorn in a background thread, over HTTPS or HTTP.

Real sockets, so simple-salesforce (https only) and httpx talk to it as to a real org. The TLS
certificate for 127.0.0.1 is signed by a throwaway CA (trustme) whose certificate is written to
a file the clients can trust.
"""

from __future__ import annotations

import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import trustme
import uvicorn

from sfsim.http.app import create_app
from sfsim.org import Org

_START_TIMEOUT = 10.0


@dataclass(frozen=True)
class Server:
    """A running simulated org: where it is, what to trust, and a token for its API user."""

    base_url: str
    ca_file: str | None
    access_token: str = field(repr=False)
    org: Org

    def ssl_context(self) -> ssl.SSLContext:
        """A client context trusting this server's CA (httpx: `verify=server.ssl_context()`)."""
        return ssl.create_default_context(cafile=self.ca_file)


class _Uvicorn(uvicorn.Server):
    """uvicorn that drops open connections when it stops.

    A client may hold a keep-alive connection past the end of a test; a graceful TLS shutdown
    would then wait for that client and leave the transport unclosed when the loop ends.
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for connection in list(self.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()
        await super().shutdown(sockets)


def _tls_files(folder: Path) -> tuple[str, str, str]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cert.private_key_pem.write_to_path(str(key_file))
    for i, blob in enumerate(cert.cert_chain_pems):
        blob.write_to_path(str(cert_file), append=i > 0)
    return str(ca_file), str(cert_file), str(key_file)


@contextmanager
def serve(org: Org, *, host: str = "127.0.0.1", port: int = 0, tls: bool = True,
          tls_dir: str | None = None) -> Iterator[Server]:  # fmt: skip
    """Serve `org` until the block ends; port 0 picks a free port."""
    with tempfile.TemporaryDirectory(prefix="sfsim-") as scratch:
        folder = Path(tls_dir or scratch)
        ca_file = cert_file = key_file = None
        if tls:
            ca_file, cert_file, key_file = _tls_files(folder)
        config = uvicorn.Config(
            create_app(org), host=host, port=port, ssl_certfile=cert_file, ssl_keyfile=key_file,
            log_level="warning", lifespan="off", ws="none", access_log=False,
            date_header=False,  # the app dates answers on the org's clock
            timeout_graceful_shutdown=1,  # a client holding a connection must not stall exit
        )  # fmt: skip
        server = _Uvicorn(config)
        thread = threading.Thread(target=server.run, name="sfsim", daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + _START_TIMEOUT
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("sfsim did not start")
                time.sleep(0.01)
            bound = server.servers[0].sockets[0].getsockname()[1]
            scheme = "https" if tls else "http"
            with org.lock:
                token = org.auth.issue(org.integration_user_id)
            yield Server(f"{scheme}://{host}:{bound}", ca_file, token, org)
        finally:
            server.should_exit = True
            thread.join(timeout=_START_TIMEOUT)
