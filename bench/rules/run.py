"""Decisions per second: `rules.decide` on 100,000 varied leads and a 15-rule file, one core.

Run from the repository root: `python -m bench.rules.run [--leads N] [--repeat R]`. It prints the
rate of `rules.decide` (the generated scorer), of `rules.decide_reference` (one predicate call
per rule, the engine before the scorer), and of a hand-written function doing the same checks,
and the ratios; all three are first checked to agree on every lead. Then decide-and-assign with
the routing features off and on (`bench/rules/routing.py`). Best of R runs, after one warm-up.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import rules
from bench.rules.handwritten import decide_by_hand
from bench.rules.leads import generate
from bench.rules.routing import contenders as routing_contenders

RULES_FILE = Path(__file__).with_name("rules15.yaml")


def _rates(contenders: list[Callable[[], object]], count: int, repeat: int) -> list[float]:
    """Decisions per second for each contender, best of `repeat` interleaved runs.

    Interleaving means a burst of load from elsewhere slows both sides of the ratio alike.
    """
    for work in contenders:
        work()
    best = [float("inf")] * len(contenders)
    for _ in range(repeat):
        for index, work in enumerate(contenders):
            start = time.perf_counter()
            work()
            best[index] = min(best[index], time.perf_counter() - start)
    return [count / seconds for seconds in best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    ruleset = rules.parse_rules(RULES_FILE.read_text())
    assert len(ruleset.fit) + len(ruleset.interest) + len(ruleset.disqualify) == 15
    leads = generate(args.leads)
    context = rules.DecisionContext()
    decide, reference = rules.decide, rules.decide_reference
    for lead in leads:
        d = decide(ruleset, lead, context)
        assert (d.mql, d.held, d.fit, d.interest) == decide_by_hand(lead), lead
        assert d == reference(ruleset, lead, context), lead
    engine, per_rule, by_hand = _rates(
        [
            lambda: [decide(ruleset, lead, context) for lead in leads],
            lambda: [reference(ruleset, lead, context) for lead in leads],
            lambda: [decide_by_hand(lead) for lead in leads],
        ],
        len(leads),
        args.repeat,
    )
    mqls = sum(decide(ruleset, lead, context).mql for lead in leads)
    print(f"leads={len(leads)} rules=15 mql={mqls} core=1")
    print(f"rules.decide={engine:,.0f}/s")
    print(f"decide_reference={per_rule:,.0f}/s")
    print(f"hand_written={by_hand:,.0f}/s")
    print(f"ratio={by_hand / engine:.2f}x (hand-written / rules.decide)")
    print(f"speed_up={engine / per_rule:.2f}x (rules.decide / decide_reference)")
    work, facts = routing_contenders(len(leads))
    off, on = _rates(work, len(leads), args.repeat)
    print(f"routing: leads={len(leads)} " + " ".join(f"{k}={v}" for k, v in facts.items()))
    print(f"decide+assign routing_off={off:,.0f}/s (two routes, a plain 5-rep pool, a queue)")
    print(
        f"decide+assign routing_on={on:,.0f}/s (calendars, out of office, weights, "
        "10,000 Accounts matched, account-owner route)"
    )
    print(f"routing_cost={off / on:.2f}x (off / on)")


if __name__ == "__main__":
    main()
