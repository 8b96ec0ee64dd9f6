"""Stated size limits: how many candidate pairs each engine takes on the memory at hand.

Peak memory grows linearly with the candidate pairs (customer x eligible rep kept after
pruning). The rates below are peak resident bytes per pair measured on generated territory
instances (benchmarks/RESULTS.md, "Size limits"), rounded up; ``BASE_BYTES`` covers the
interpreter and libraries. A solve whose estimate exceeds the memory available stops before
it starts, with a TooLargeError that says what to change, instead of being killed midway.
"""

from __future__ import annotations

import os
from pathlib import Path

from solver.errors import TooLargeError

GIB = 2**30
BASE_BYTES = 400 * 2**20
#: peak bytes per candidate pair, by engine ("build" = loading and candidate generation)
#: measured peak RSS (benchmarks/results/scaling.csv): 338 MB at 655k pairs, 494 MB at 1.43M,
#: 1.1 GB at 4.86M, i.e. about 0.2 GB + 180 B per pair for load + bound + search
BYTES_PER_PAIR = {
    "build": 400,
    "lns": 400,
    "flow": 1_000,
    "cpsat": 7_000,
    "milp": 3_000,
}


def available_bytes() -> int:
    """Memory this process may use: MemAvailable from /proc/meminfo, else physical memory."""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def estimated_bytes(pairs: int, engine: str) -> int:
    """Peak memory estimate (bytes) = BASE_BYTES + pairs x BYTES_PER_PAIR[engine]."""
    return BASE_BYTES + pairs * BYTES_PER_PAIR.get(engine, max(BYTES_PER_PAIR.values()))


def max_pairs(engine: str, memory_bytes: int | None = None) -> int:
    """The most candidate pairs ``engine`` takes within ``memory_bytes`` (default: available)."""
    memory = available_bytes() if memory_bytes is None else memory_bytes
    return max(0, (memory - BASE_BYTES) // BYTES_PER_PAIR[engine])


def check_size(pairs: int, engine: str, memory_limit_gb: float | None = None) -> None:
    """Raise TooLargeError when ``pairs`` candidate pairs need more memory than allowed
    (``memory_limit_gb``, else what the machine has available)."""
    memory = available_bytes() if memory_limit_gb is None else int(memory_limit_gb * GIB)
    need = estimated_bytes(pairs, engine)
    if need <= memory:
        return
    hint = {
        "cpsat": 'use engine = "auto" or "lns" (about 15x less memory per pair)',
        "milp": 'use engine = "auto" or "lns"',
    }.get(engine, "lower max_candidates (reps kept per customer), or split the run by region")
    raise TooLargeError(
        f"{pairs:,} candidate pairs need about {need / GIB:.1f} GiB with the {engine} "
        f"engine, above the {memory / GIB:.1f} GiB "
        f"{'allowed by memory_limit_gb' if memory_limit_gb is not None else 'available'}; "
        f"{hint}"
    )
