"""`python -m bench` (or `make bench`): every benchmark, one after another, at full size.

Each prints its own figures side by side with the alternative it is measured against. They
take a while (the report store alone loads 2,000,000 rows per database), so `--quick` runs them
at a tenth of the size to check they work.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

FULL: dict[str, list[str]] = {
    "rules": [],
    "sfsim": [],
    "pull": [],
    "sync": [],
    "reports": [],
    "audit": [],
    "backtest": [],
}
QUICK: dict[str, list[str]] = {
    "rules": ["--leads", "10000"],
    "sfsim": ["--leads", "100000"],
    "pull": ["--leads", "10000"],
    "sync": ["--leads", "5000"],
    "reports": ["--rows", "100000", "--drive-seconds", "3"],
    "audit": ["--leads", "2000", "--edits", "30"],
    "backtest": ["--leads", "20000", "--database", "sqlite"],
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(FULL)}")
    args = parser.parse_args()
    unknown = set(args.names) - set(FULL)
    if unknown:
        parser.error(f"unknown benchmark: {', '.join(sorted(unknown))}")
    plan = QUICK if args.quick else FULL
    failed = []
    for name in args.names or list(plan):
        print(f"\n=== bench/{name} ===", flush=True)
        done = subprocess.run([sys.executable, "-m", f"bench.{name}.run", *plan[name]], check=False)
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
