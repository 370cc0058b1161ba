"""The measured side of the pull benchmark: one process that only pulls, then reports.

Run by `bench.pull.run` in a process of its own, so its peak memory is the pull's alone (the
simulated org lives in the parent). Prints one JSON line: seconds, API calls, records, peak RSS.
"""

from __future__ import annotations

import json
import resource
import ssl
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from app.handoff.rules_file import load_rules
from app.settings import Settings
from app.store.db import make_engine, make_sessionmaker
from app.sync.context import RunContext
from app.sync.org import read_org
from app.sync.pull_all import pull_everything
from sf_client import AccessTokenAuth, SalesforceClient


def main(database_url: str, rules: str, base_url: str, token: str, ca_file: str) -> None:
    settings = Settings(_env_file=None, database_url=database_url, rules=Path(rules))  # type: ignore[call-arg]
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    started = time.perf_counter()
    verify = ssl.create_default_context(cafile=ca_file)
    with httpx.Client(verify=verify, timeout=60) as http:
        sf = SalesforceClient(http, AccessTokenAuth(base_url, token))
        identity = sf.identity()
        now = datetime.now(UTC)
        ctx = RunContext(
            settings=settings,
            sessions=sessions,
            sf=sf,
            ruleset=load_rules(settings.rules),
            identity=identity,
            run_id=0,
            dry_run=True,
            full=False,
            now=lambda: datetime.now(UTC),
        )
        with sessions() as session:
            org = read_org(session, sf, identity, now=now)
            session.commit()
        pull_everything(ctx, org, run_start=now)
        calls = sf.usage.calls
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "seconds": round(seconds, 2),
        "api_calls": calls,
        "pulled": ctx.counts.pulled,
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:6])
