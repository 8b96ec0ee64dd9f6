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
    usage = [
        np.bincount(
            b.row[chosen][b.row[chosen] >= 0],
            weights=b.coeff[chosen][b.row[chosen] >= 0],
            minlength=len(b.upper),
        )
        for b in blocks
    ]
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
        best = None
        for i in members:
            p = chosen[i]
            relief = blocks[k].coeff[p]
            for q in range(starts[i], starts[i + 1]):
                if q == p or not _fits(blocks, usage, p, q):
                    continue
                score = (cost[q] - cost[p]) / max(relief, EPS)
                if best is None or score < best[0]:
                    best = (score, i, q)
        if best is None:
            return None
        _, i, q = best
        _move(blocks, usage, chosen[i], q)
        chosen[i] = q
    return None


def _fits(blocks, usage, p: int, q: int) -> bool:
    for k, b in enumerate(blocks):
        rq = b.row[q]
        if rq < 0:
            continue
        extra = b.coeff[q] - (b.coeff[p] if b.row[p] == rq else 0.0)
        if usage[k][rq] + extra > b.upper[rq] + EPS:
            return False
    return True


def _move(blocks, usage, p: int, q: int) -> None:
    for k, b in enumerate(blocks):
        if b.row[p] >= 0:
            usage[k][b.row[p]] -= b.coeff[p]
        if b.row[q] >= 0:
            usage[k][b.row[q]] += b.coeff[q]
