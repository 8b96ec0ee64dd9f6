"""Read the public generalized-assignment instances (OR-Library, Yagiura) kept in shared/.

Format (OR-Library): a stream of integers. Multi-instance files start with the count P;
each instance is ``m n``, then costs c[agent][job] (m rows of n), resources a[agent][job]
(m rows of n), capacities b[agent] (m). Single-instance files omit P. Sense: gap1-12 are
maximisation (profits), types A-E minimisation. Sources and best-known values: the
folder's README.md and best_known.csv.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: where the instances live, relative to the project root; overridable by environment
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "gap"
GAP_DIR = Path(os.environ.get("TERRITORY_GAP_DIR", DEFAULT_DIR))


@dataclass(frozen=True)
class GapInstance:
    name: str
    cost: np.ndarray  # n x m (customer, rep): transposed from the file's agent-major layout
    workload: np.ndarray  # n x m
    capacity: np.ndarray  # m


def _parse(numbers: list[int], pos: int, name: str) -> tuple[GapInstance, int]:
    m, n = numbers[pos], numbers[pos + 1]
    pos += 2
    cost = np.array(numbers[pos : pos + m * n], dtype=float).reshape(m, n)
    pos += m * n
    work = np.array(numbers[pos : pos + m * n], dtype=float).reshape(m, n)
    pos += m * n
    cap = np.array(numbers[pos : pos + m], dtype=float)
    return GapInstance(name, cost.T.copy(), work.T.copy(), cap), pos + m


def read_orlib(path: Path) -> list[GapInstance]:
    """All instances of an OR-Library multi-instance file, named ``<stem>-<k>`` (1-based)."""
    numbers = [int(t) for t in path.read_text().split()]
    count, pos, out = numbers[0], 1, []
    for k in range(count):
        inst, pos = _parse(numbers, pos, f"{path.stem}-{k + 1}")
        out.append(inst)
    return out


def read_single(path: Path) -> GapInstance:
    numbers = [int(t) for t in path.read_text().split()]
    return _parse(numbers, 0, path.name)[0]


def best_known(sense: str) -> dict[str, float]:
    """Best-known objective per instance name for the given sense ('min' or 'max')."""
    with (GAP_DIR / "best_known.csv").open(newline="") as handle:
        return {
            r["instance"]: float(r["best_known"])
            for r in csv.DictReader(handle)
            if r["sense"] == sense
        }
