"""LP-guided start: take each customer's largest LP share, then repair broken rows greedily.

Repair moves one customer at a time off an over-full row to the alternative pair that
fits every row and costs least per unit of load relieved. Only the few customers the LP
split between reps usually need it. Returns None when the greedy repair gets stuck.
"""

from __future__ import annotations

import numpy as np

from solver.models.base import rep_from_x
from solver.problem import Problem

EPS = 1e-6


def lp_rounding(problem: Problem, x: np.ndarray) -> np.ndarray | None:
    return repair(problem, rep_from_x(problem, x))


def repair(problem: Problem, rep: np.ndarray) -> np.ndarray | None:
    chosen = problem.pair_index(rep)
    if (chosen < 0).any():
        return None
    blocks = [b.integral() for b in problem.blocks]  # what the integer engines enforce
    usage = [b.usage(chosen) for b in blocks]
    cost = problem.pair_cost
    starts = problem.customer_starts()
    for _ in range(4 * problem.n + 10):
        hit = next(
            (
                (k, int(r))
                for k, b in enumerate(blocks)
                for r in np.flatnonzero(usage[k] > b.upper + EPS)
            ),
            None,
        )
        if hit is None:
            return problem.pair_rep[chosen]
        k, r = hit
        members = np.flatnonzero((blocks[k].row[chosen] == r) & (problem.forced < 0))
        if not len(members):
            return None
        lens = starts[members + 1] - starts[members]
        owner = np.repeat(members, lens)
        q = np.arange(len(owner)) - np.repeat(np.cumsum(lens) - lens, lens) + starts[owner]
        p = chosen[owner]
        ok = (q != p) & _fits(blocks, usage, p, q)
        if not ok.any():
            return None
        relief = np.maximum(blocks[k].coeff[p], EPS)
        score = np.where(ok, (cost[q] - cost[p]) / relief, np.inf)
        best = int(np.argmin(score))
        i, new = int(owner[best]), int(q[best])
        _move(blocks, usage, chosen[i], new)
        chosen[i] = new
    return None


def _fits(blocks, usage, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per (p, q): moving a customer from pair p to pair q keeps every row within limits."""
    ok = np.ones(len(q), dtype=bool)
    for k, b in enumerate(blocks):
        rq = b.row[q]
        inside = rq >= 0
        extra = b.coeff[q] - np.where(b.row[p] == rq, b.coeff[p], 0.0)
        room = np.where(inside, b.upper[np.maximum(rq, 0)] - usage[k][np.maximum(rq, 0)], np.inf)
        ok &= ~inside | (extra <= room + EPS)
    return ok


def _move(blocks, usage, p: int, q: int) -> None:
    for k, b in enumerate(blocks):
        if b.row[p] >= 0:
            usage[k][b.row[p]] -= b.coeff[p]
        if b.row[q] >= 0:
            usage[k][b.row[q]] += b.coeff[q]
