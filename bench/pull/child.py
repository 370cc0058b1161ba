"""The measured side of the pull benchmark: one process that only pulls, then reports.

Run by `bench.pull.run` in a process of its own, so its peak memory is the pull's alone (the
simulated org lives in the parent). Prints one JSON line: seconds, API calls, records, peak RSS.
"""

from __future__ import annotations

import json
import ssl
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from app.handoff.rules_file import load_rules
from app.settings import Settings
from app.store.db import make_engine, make_sessionmaker
from app.sync import PullInputs, PullStep
from app.sync.org import read_org
from bench.peak_memory import peak_rss_mb
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
        inputs = PullInputs(
            sessions=sessions,
            sf=sf,
            ruleset=load_rules(settings.rules),
            now=lambda: datetime.now(UTC),
            lookback_seconds=settings.lookback_seconds,
            batch_size=settings.pull_batch_size,
        )
        with sessions() as session:
            org = read_org(session, sf, identity, now=now)
            session.commit()
        report = PullStep(inputs, org).run(now)
        calls = sf.usage.calls
    seconds = time.perf_counter() - started
    result = {
        "seconds": round(seconds, 2),
        "api_calls": calls,
        "pulled": report.pulled,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:6])
