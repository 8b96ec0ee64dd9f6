"""The best plan found so far by any engine of one solve, shared between threads.

Engines that run side by side (HiGHS branch-and-cut in its own thread, CP-SAT and the
neighbourhood search in the main one) offer every plan they find; the search takes the
pool's best when it beats its own. A plan enters only if it keeps every row of the integer
model (the rows CP-SAT sees), so a plan from HiGHS is a valid start for the search.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.constraints.base import integral_blocks
from solver.problem import Problem


@dataclass(frozen=True)
class Incumbent:
    rep: np.ndarray
    cost: float  # exact objective, min sense
    source: str  # the engine that found it


def keeps_rows(problem: Problem, rep: np.ndarray) -> bool:
    """Every customer has a candidate pair and every integer row holds (exact arithmetic)."""
    chosen = problem.pair_index(rep)
    if (chosen < 0).any():
        return False
    return all(
        np.all(usage <= b.upper + 1e-9) and np.all(usage >= b.lower - 1e-9)
        for b in integral_blocks(problem.blocks)
        for usage in (b.usage(chosen),)
    )


class IncumbentPool:
    """Thread-safe best plan; ``objective(rep)`` is the exact cost (min sense)."""

    def __init__(self, problem: Problem, objective: Callable[[np.ndarray], float]) -> None:
        self._problem = problem
        self._objective = objective
        self._lock = threading.Lock()
        self._best: Incumbent | None = None

    @property
    def best(self) -> Incumbent | None:
        return self._best

    def offer(self, rep: np.ndarray, source: str, cost: float | None = None) -> bool:
        """Keep ``rep`` if it is valid and strictly cheaper than the best so far (``cost``:
        its exact cost when the caller knows it)."""
        rep = np.asarray(rep, dtype=np.int64)
        if rep.shape != (self._problem.n,) or not keeps_rows(self._problem, rep):
            return False
        cost = self._objective(rep) if cost is None else cost
        with self._lock:
            best = self._best
            if best is not None and cost >= best.cost - 1e-9 * max(1.0, abs(best.cost)):
                return False
            self._best = Incumbent(rep.copy(), cost, source)
        return True
