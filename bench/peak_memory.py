"""A benchmark child's own peak resident memory."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: `VmHWM` of its own address space.

    Not `ru_maxrss`: Linux carries that across exec from the address space a child was spawned
    in, which under `vfork` is the parent's; a benchmark's parent holding the simulated org (a
    million leads: 500 MB-1 GB) made every child "peak" at the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
