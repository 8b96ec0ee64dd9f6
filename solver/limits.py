"""Stated size limits: how many candidate pairs each engine takes on the memory at hand.

Peak memory grows linearly with the candidate pairs (customer x eligible rep kept after
pruning). The rates below are peak resident bytes per pair measured on generated territory
instances (benchmarks/RESULTS.md, "Size limits"), rounded up; ``BASE_BYTES`` covers the
interpreter and libraries. A solve whose estimate exceeds the memory available stops before
it starts, with a TooLargeError that says what to change, instead of being killed midway.
"""

from __future__ import annotations

from pathlib import Path

import psutil

from solver.errors import TooLargeError
from solver.models.names import AUTO, CPSAT, ENGINE_CHOICES, FLOW, LNS, MILP

GIB = 2**30
BASE_BYTES = 400 * 2**20
#: loading and candidate generation, sized like an engine
BUILD = "build"
#: peak bytes per candidate pair, by engine (and BUILD)
#: measured peak RSS (benchmarks/results/scaling.csv): 338 MB at 655k pairs, 494 MB at 1.43M,
#: 1.1 GB at 4.86M, i.e. about 0.2 GB + 180 B per pair for load + bound + search; the
#: default path with the restricted LP's rounds rounded beside them: 2.24 GiB at 4.86M
#: (clustered 100,000 x 1,000, benchmarks/RESULTS.md), hence 450 B for LNS
BYTES_PER_PAIR = {
    BUILD: 400,
    LNS: 450,
    FLOW: 1_000,
    CPSAT: 7_000,
    MILP: 3_000,
}
#: "auto" sizes itself by the engines its portfolio runs (Portfolio.memory_engine)
assert set(ENGINE_CHOICES) - {AUTO} <= set(BYTES_PER_PAIR), "every choice needs its rate"


#: where a Linux container's memory limit is read (cgroup v2 and v1)
CGROUP_ROOT = Path("/sys/fs/cgroup")
SELF_CGROUP = Path("/proc/self/cgroup")
#: cgroup v1 reports "no limit" as a number near 2**63
NO_LIMIT = 2**60


def available_bytes() -> int:
    """Memory this process may use: what the machine has available (psutil, on every OS),
    capped by the container's cgroup limit minus its usage where there is one, since a
    container's MemAvailable ignores that limit and the kernel would kill the solve."""
    free = int(psutil.virtual_memory().available)
    room = cgroup_room_bytes()
    return free if room is None else min(free, room)


def cgroup_room_bytes(root: Path | None = None, self_cgroup: Path | None = None) -> int | None:
    """Bytes left under the tightest cgroup memory limit of this process and its parent
    groups: ``memory.max - memory.current`` (v2) or ``memory.limit_in_bytes -
    memory.usage_in_bytes`` (v1); None when no limit is set or none can be read."""
    root = CGROUP_ROOT if root is None else root
    self_cgroup = SELF_CGROUP if self_cgroup is None else self_cgroup
    try:
        lines = self_cgroup.read_text().splitlines()
    except OSError:
        return None
    rooms = []
    for line in lines:
        if line.count(":") < 2:
            continue
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # v2 unified hierarchy
            base, limit_file, usage_file = root, "memory.max", "memory.current"
        elif "memory" in controllers.split(","):
            base, limit_file, usage_file = (
                root / "memory",
                "memory.limit_in_bytes",
                ("memory.usage_in_bytes"),
            )
        else:
            continue
        folder = base / path.lstrip("/")
        for group in (folder, *folder.parents):
            limit = _read_int(group / limit_file)
            if limit is not None and limit < NO_LIMIT:
                rooms.append(max(0, limit - (_read_int(group / usage_file) or 0)))
            if group == base:
                break
    return min(rooms) if rooms else None


def _read_int(path: Path) -> int | None:
    """An integer file of the cgroup tree; None when absent or 'max' (no limit)."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def estimated_bytes(pairs: int, engine: str) -> int:
    """Peak memory estimate (bytes) = BASE_BYTES + pairs x BYTES_PER_PAIR[engine]."""
    return BASE_BYTES + pairs * BYTES_PER_PAIR.get(engine, max(BYTES_PER_PAIR.values()))


def max_pairs(engine: str, memory_bytes: int | None = None) -> int:
    """The most candidate pairs ``engine`` takes within ``memory_bytes`` (default: available)."""
    memory = available_bytes() if memory_bytes is None else memory_bytes
    return max(0, (memory - BASE_BYTES) // BYTES_PER_PAIR[engine])


#: pairs needing at most this many bytes beyond the base are never refused (a few new
#: accounts placed: the available memory is not read for them)
SMALL_PAIRS_BYTES = 8 * 2**20


def check_size(pairs: int, engine: str, memory_limit_gb: float | None = None) -> None:
    """Raise TooLargeError when ``pairs`` candidate pairs need more memory than allowed
    (``memory_limit_gb``, else what the machine has available)."""
    need = estimated_bytes(pairs, engine)
    if memory_limit_gb is None and need - BASE_BYTES <= SMALL_PAIRS_BYTES:
        return
    memory = available_bytes() if memory_limit_gb is None else int(memory_limit_gb * GIB)
    if need <= memory:
        return
    raise TooLargeError(
        f"{pairs:,} candidate pairs need about {need / GIB:.1f} GiB with the {engine} "
        f"engine, above the {memory / GIB:.1f} GiB "
        f"{'allowed by memory_limit_gb' if memory_limit_gb is not None else 'available'}; "
        f"{_hint(engine)}"
    )


def _hint(engine: str) -> str:
    """What to change: an engine that needs more memory per pair than the neighbourhood
    search is told the ratio; otherwise fewer candidate pairs."""
    rate, lean = BYTES_PER_PAIR.get(engine, 0), BYTES_PER_PAIR[LNS]
    if rate > lean:
        return f'use engine = "{AUTO}" or "{LNS}" (about {rate / lean:.0f}x less memory per pair)'
    return "lower max_candidates (reps kept per customer), or split the run by region"
