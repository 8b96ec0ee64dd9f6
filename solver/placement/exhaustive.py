"""Plans made without an engine: every plan of a tiny batch, priced exactly (the proof of
optimality by enumeration), and a greedy plan of any batch (the fallback).

A batch of one or two accounts has a few dozen plans (each account on one of its
candidate reps, or unplaced). Pricing all of them with the batch's own objective
(:func:`solver.placement.batch.batch_cost`: separable costs, the whole book's balance,
soft bands) and keeping the cheapest one that holds every row (ceilings and floors) is
exact, and faster than starting any engine: the bound is the objective itself.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from solver.models.base import EngineResult
from solver.models.moves import descend
from solver.problem import Problem

#: most plans enumerated; a larger batch goes to the engines
MAX_PLANS = 256
#: rows are held to this absolute tolerance, as the checker holds them
TOLERANCE = 1e-9
ENGINE = "enumeration"


def plan_count(problem: Problem) -> int:
    """How many plans the batch has (the product of its customers' pair counts)."""
    counts = np.diff(problem.customer_starts())
    return math.prod(int(c) for c in counts if c > 1)


def exhaustive(problem: Problem, cost) -> EngineResult | None:
    """The cheapest plan of ``problem`` that holds every row, with the proof that it is
    (``cost(rep, chosen)``: the batch objective of the plan ``rep`` using the pairs
    ``chosen``); None when the batch has more than :data:`MAX_PLANS` plans. A result
    without a plan (``rep`` None) means no plan holds every row (a floor out of reach)."""
    if plan_count(problem) > MAX_PLANS:
        return None
    started = time.perf_counter()
    starts = problem.customer_starts()
    chosen = starts[:-1].copy()  # a customer with one pair keeps it
    open_ = [i for i in range(problem.n) if starts[i + 1] - starts[i] > 1]
    choices = [range(starts[i], starts[i + 1]) for i in open_]
    best, best_cost = None, math.inf
    fixed = np.setdiff1d(np.arange(problem.n), open_)
    held = [b.usage(chosen[fixed]) for b in problem.blocks]  # the rows' use by the rest
    for combo in itertools.product(*choices):
        chosen[open_] = combo
        if not _holds(problem, np.array(combo, dtype=np.int64), held):
            continue
        rep = problem.pair_rep[chosen]
        value = cost(rep, chosen)
        if value < best_cost:
            best, best_cost = rep, value
    wall = time.perf_counter() - started
    if best is None:
        return EngineResult(None, "infeasible", ENGINE, wall)
    return EngineResult(
        best, "optimal", ENGINE, wall, engine_bound=best_cost, search_complete=True,
        bound_source="every plan of the batch priced (enumeration)",
    )  # fmt: skip


def _holds(problem: Problem, pairs: np.ndarray, held: list[np.ndarray] | None = None) -> bool:
    """Whether every row holds with the pairs ``pairs`` (one per customer given), added to
    ``held`` (per block, per row: what the rest of the plan uses), if given."""
    for k, block in enumerate(problem.blocks):
        use = block.usage(pairs) if held is None else held[k] + block.usage(pairs)
        if np.any(use > block.upper + TOLERANCE) or np.any(use < block.lower - TOLERANCE):
            return False
    return True


def greedy(problem: Problem, cost, seconds: float = 1.0) -> EngineResult | None:
    """Each open customer in turn on its cheapest pair by separable cost that still fits
    every ceiling (the last pair, the unplaced option, in no row, always fits), then
    improved by exact shifts (:func:`solver.models.moves.descend`, balance and every row
    priced) for ``seconds``: a plan of any batch without floors, whatever the
    engines manage under load. None when the plan breaks a floor."""
    started = time.perf_counter()
    starts = problem.customer_starts()
    rep = problem.pair_rep[starts[:-1]].copy()
    chosen = starts[:-1].copy()
    single = np.diff(starts) == 1
    used = [b.usage(chosen[single]) for b in problem.blocks]
    price = problem.pair_cost
    for i in np.flatnonzero(~single):
        pairs = np.arange(starts[i], starts[i + 1])
        fits = np.ones(len(pairs), dtype=bool)
        for block, use in zip(problem.blocks, used, strict=True):
            row = block.row[pairs]
            inside = row >= 0
            room = np.where(inside, block.upper[np.maximum(row, 0)] - use[np.maximum(row, 0)], 0)
            fits &= ~inside | (block.coeff[pairs] <= room + TOLERANCE)
        p = pairs[fits][np.argmin(price[pairs[fits]])]
        for block, use in zip(problem.blocks, used, strict=True):
            if block.row[p] >= 0:
                use[block.row[p]] += block.coeff[p]
        rep[i], chosen[i] = problem.pair_rep[p], p
    if not _holds(problem, chosen):
        return None
    first = cost(rep)
    rep, shifts = descend(problem, rep, deadline=started + seconds)  # exact shifts
    return EngineResult(
        rep, "feasible", "greedy", time.perf_counter() - started,
        note=f"greedy plan {first:,.1f}, {shifts} improving shifts to {cost(rep):,.1f}",
    )  # fmt: skip
