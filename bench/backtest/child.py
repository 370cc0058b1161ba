"""One measured backtest or calibration in a process of its own: prints seconds and peak RSS.

`python -m bench.backtest.child backtest|calibration DATABASE_URL`
"""

from __future__ import annotations

import json
import resource
import sys
import time

from app.reports.backtest import backtest
from app.reports.calibration import calibration
from app.store.db import make_engine, make_sessionmaker
from bench.backtest.rules import CANDIDATE, CURRENT
from rules import parse_rules


def main() -> None:
    what, url = sys.argv[1], sys.argv[2]
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    candidate, current = parse_rules(CANDIDATE), parse_rules(CURRENT)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    with sessions() as session:
        if what == "backtest":
            report = backtest(session, candidate, current)
            summary = report.verdict
        else:
            found = calibration(session, current, target_mql_per_month=2000)
            chosen = found.for_target
            summary = (
                f"for 2000 MQLs a month: fit {chosen.fit}, interest {chosen.interest}"
                if (chosen)
                else "no thresholds"
            )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.dispose()
    print(json.dumps({"what": what, "seconds": round(seconds, 2), "peak_rss_mb": round(peak),
                      "rss_before_mb": round(before), "summary": summary}))  # fmt: skip


if __name__ == "__main__":
    main()
