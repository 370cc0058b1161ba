"""`python -m sfsim serve --seed demo`: a simulated org on loopback until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from sfsim.org import SOAP_PASSWORD, SOAP_SECURITY_TOKEN
from sfsim.seed.generate import generate
from sfsim.server import serve


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sfsim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve a seeded org over HTTPS on loopback")
    run.add_argument("--seed", default="demo", help="a preset (demo) or a number")
    run.add_argument("--leads", type=int, default=None, help="number of leads (preset default)")
    run.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    run.add_argument("--latency-ms", type=int, default=0, help="added to every API call")
    run.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    run.add_argument("--data-now", type=int, default=None,
                     help="epoch seconds the seeded data ends at (default: now)")  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, seed, serve and print where to connect."""
    args = _parser().parse_args(argv)
    org = generate(seed=args.seed, leads=args.leads, now=args.data_now or int(time.time()))
    org.faults.latency_ms = args.latency_ms
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serve(org, port=args.port, tls=not args.http) as server:
        print(f"sfsim serving org {org.org_id} at {server.base_url}", flush=True)
        print(f"instance_url={server.base_url}")
        print(f"ca_file={server.ca_file or ''}")
        print(f"access_token={server.access_token}")
        print(f"consumer_key={org.auth.consumer_key}")
        print(f"consumer_secret={org.auth.consumer_secret}")
        print("soap_username=integration@handoff.sim")
        print(f"soap_password={SOAP_PASSWORD}")
        print(f"soap_security_token={SOAP_SECURITY_TOKEN}", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
