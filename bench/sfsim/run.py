"""Benchmarks of the simulated org: page serving over loopback HTTPS, and generation at scale.

    python -m bench.sfsim.run [--page-leads 100000] [--pages 60] [--leads 1000000]

Serving: the time for httpx to fetch one 2,000-record Lead page (`nextRecordsUrl` of an open
cursor, keep-alive, TLS) and, apart, a first page (the scan and sort behind it included).
Generation runs in a child process so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import resource
import ssl
import statistics
import subprocess
import sys
import time

import httpx

FIELDS = (
    "Id, Status, OwnerId, Owner.Type, IsConverted, ConvertedOpportunityId, NumberOfEmployees, "
    "Title, Country, LeadSource, Email, Website_Visits__c, MQL_Date__c, CreatedDate, "
    "SystemModstamp"
)
PAGE_SOQL = f"SELECT {FIELDS} FROM Lead"
FIRST_SOQL = f"SELECT {FIELDS} FROM Lead WHERE SystemModstamp > 2020-01-01T00:00:00Z " \
             "ORDER BY SystemModstamp, Id"  # fmt: skip


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _start_server(leads: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """`python -m sfsim serve` in its own process (so client and server do not share a GIL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sfsim", "serve", "--seed", "1", "--leads", str(leads)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    facts: dict[str, str] = {}
    for line in process.stdout:
        key, sep, value = line.strip().partition("=")
        if sep:
            facts[key] = value
        if "soap_security_token" in facts:
            return process, facts
    raise RuntimeError("sfsim did not start")


def _fetch_pages(http: httpx.Client, pages: int) -> tuple[list[float], list[float], int]:
    page_times: list[float] = []
    first_times: list[float] = []
    size = 0
    while len(page_times) < pages:
        started = time.perf_counter()
        first = http.get("/services/data/v62.0/query/", params={"q": FIRST_SOQL})
        first_times.append(time.perf_counter() - started)
        url = first.json().get("nextRecordsUrl")
        while url and len(page_times) < pages:
            started = time.perf_counter()
            answer = http.get(url)
            page_times.append(time.perf_counter() - started)
            size = len(answer.content)
            url = answer.json().get("nextRecordsUrl")
    return page_times, first_times, size


def bench_pages(leads: int, pages: int) -> None:
    """Fetch `pages` full pages through open cursors, and the first pages that opened them."""
    process, facts = _start_server(leads)
    try:
        with httpx.Client(
            base_url=facts["instance_url"],
            verify=ssl.create_default_context(cafile=facts["ca_file"]),
            headers={"Authorization": f"Bearer {facts['access_token']}"},
        ) as http:
            page_times, first_times, size = _fetch_pages(http, pages)
            log = http.get("/__sfsim__/requests").json()
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(
        f"2,000-record Lead page over HTTPS ({len(FIELDS.split(','))} fields, {size / 1024:.0f}"
        f" KiB, server in its own process): {_ms(page_times)} over {len(page_times)} pages"
    )
    served = [e["elapsed_ms"] / 1000 for e in log if "/0r8" in e["path"]]
    cpu = [e["cpu_ms"] / 1000 for e in log if "/0r8" in e["path"]]
    print(f"  of which the server's own handling and JSON encoding: {_ms(served)}")
    print(f"  server CPU per page (steady under machine load): {_ms(cpu)}")
    print(
        f"first page incl. scan+sort of {leads:,} leads: {_ms(first_times)} "
        f"over {len(first_times)} queries"
    )


def bench_generation(leads: int) -> None:
    """Generate `leads` leads in a child process: wall time, CPU time, peak RSS."""
    code = f"import sfsim; sfsim.generate(seed=1, leads={leads})"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(
        f"generate {leads:,} leads: {wall:.1f} s wall, {cpu:.1f} s CPU, "
        f"peak RSS {after.ru_maxrss / 1024:.0f} MB"
    )


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(prog="python -m bench.sfsim.run")
    parser.add_argument("--page-leads", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--leads", type=int, default=1_000_000)
    args = parser.parse_args()
    bench_pages(args.page_leads, args.pages)
    bench_generation(args.leads)


if __name__ == "__main__":
    main()
