"""One measured backtest or calibration in a process of its own: prints seconds and peak RSS.

`python -m bench.backtest.child backtest|calibration DATABASE_URL`
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from app.reports.backtest import backtest
from app.reports.calibration import calibration
from app.store.db import make_engine, make_sessionmaker
from bench.backtest.rules import CANDIDATE, CURRENT
from rules import parse_rules


def _status_mb(key: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def main() -> None:
    what, url = sys.argv[1], sys.argv[2]
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    candidate, current = parse_rules(CANDIDATE), parse_rules(CURRENT)
    # Reset the peak (Linux: clear_refs 5), so it is the work's own, not the imports'.
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_mb("VmRSS")
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
    peak = _status_mb("VmHWM")
    engine.dispose()
    print(json.dumps({"what": what, "seconds": round(seconds, 2), "peak_rss_mb": round(peak),
                      "rss_before_mb": round(before), "summary": summary}))  # fmt: skip


if __name__ == "__main__":
    main()
