"""A first plan for a large batch: every account matched to a rep at once, then improved
by exact shifts.

A batch of hundreds of accounts onto a balanced book is close to an assignment: the new
accounts raise every rep's balance target a little, so most reps take one or two of them.
Each rep j offers a few slots (:func:`slot_count`); account i in slot k of rep j costs
its separable cost plus what it adds to the balance term if the slots before it hold
accounts of the batch's mean load l:

    c_ij + w (|k l + l_ij - g_j| - |k l - g_j|),   g_j = s_j (W0 + X) - L0_j,

where L0_j is the rep's standing load, W0 the book's, X the batch's load at each
account's cheapest rep (an estimate) and g_j the room under the rep's new target (hours
or accounts, as the balance counts). A slot is offered only where the account fits the
rep's ceilings with k mean accounts before it. Each account also has its own "unplaced"
slot at the batch's penalty. The minimum-cost matching of accounts to slots
(``scipy.sparse.csgraph.min_weight_full_bipartite_matching``) is then made to hold every
ceiling exactly (accounts taken in the batch's order, one that no longer fits is left
unplaced) and improved by exact shifts and swaps (:func:`solver.models.moves.descend`:
balance, soft bands and every row priced), which also place the accounts left out where
they fit.

It applies when every row is a rep's own ceiling (no floors, no row shared by reps).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from solver.models.base import EngineResult
from solver.models.moves import descend
from solver.problem import Problem

#: slots per rep at least: the matching gives a rep at most this many accounts of the
#: batch, or two more than the batch's accounts per rep when that is more
SLOTS = 3
TOLERANCE = 1e-9
ENGINE = "matching"


def applies(problem: Problem) -> bool:
    """Whether every row of ``problem`` is one rep's ceiling (no floors)."""
    for block in problem.blocks:
        if block.has_floors():
            return False
        inside = block.row >= 0
        owner = np.full(len(block.upper), -1)
        owner[block.row[inside]] = problem.pair_rep[inside]
        if np.any(owner[block.row[inside]] != problem.pair_rep[inside]):
            return False
    return True


def matched(problem: Problem, size: int, cost, seconds: float = 1.0) -> EngineResult | None:
    """The matching plan of the batch ``problem`` (its first ``size`` customers are the
    accounts placed, the last rep is "unplaced"; ``cost(rep)``: the batch objective),
    improved by exact moves for ``seconds``; None when :func:`applies` does not."""
    if size == 0 or not applies(problem):
        return None
    started = time.perf_counter()
    unplaced = problem.m - 1
    open_pair = problem.pair_customer < size
    real = np.flatnonzero(open_pair & (problem.pair_rep != unplaced))
    penalty_pair = np.flatnonzero(open_pair & (problem.pair_rep == unplaced))
    fixed = np.flatnonzero(~open_pair)
    customer, rep = problem.pair_customer[real], problem.pair_rep[real]
    slots = slot_count(size, rep)
    price = problem.pair_cost[real][:, None] + _balance_slots(problem, real, fixed, slots)
    fits = _fits_slots(problem, real, fixed, slots)
    rows = [np.broadcast_to(customer[:, None], price.shape)[fits],
            problem.pair_customer[penalty_pair]]  # fmt: skip
    cols = [(rep[:, None] * slots + np.arange(slots))[fits], problem.m * slots + rows[1]]
    vals = [price[fits], problem.pair_cost[penalty_pair]]
    row, col, val = (np.concatenate(v) for v in (rows, cols, vals))
    # weights >= 1: a shift by a constant leaves the matching (one slot per account) as it is
    shape = (size, problem.m * slots + size)
    graph = sp.csr_matrix((val - val.min() + 1.0, (row, col)), shape=shape)
    matched_row, matched_col = min_weight_full_bipartite_matching(graph)
    slot_rep = np.where(matched_col >= problem.m * slots, unplaced, matched_col // slots)
    choice = np.full(size, unplaced)
    choice[matched_row] = slot_rep
    plan = _within_ceilings(problem, choice, size)
    first = cost(plan)
    plan, shifts = descend(problem, plan, deadline=started + seconds)
    return EngineResult(
        plan, "feasible", ENGINE, time.perf_counter() - started,
        note=f"matching plan {first:,.1f}, {shifts} improving moves to {cost(plan):,.1f}",
    )  # fmt: skip


def slot_count(size: int, rep: np.ndarray) -> int:
    """Slots per rep for ``size`` accounts whose candidate pairs go to the reps ``rep``."""
    reps = max(len(np.unique(rep)), 1)
    return max(SLOTS, -(-size // reps) + 2)


def _balance_slots(problem: Problem, real: np.ndarray, fixed: np.ndarray, slots: int) -> np.ndarray:
    """Per pair of ``real`` and slot: what the account adds to the balance term in that
    slot (zeros without a balance term)."""
    bal = problem.balance
    if bal is None:
        return np.zeros((len(real), slots))
    load = problem.pair_load
    standing = np.bincount(problem.pair_rep[fixed], weights=load[fixed], minlength=problem.m)
    customer = problem.pair_customer[real]
    order = np.lexsort((problem.pair_cost[real], customer))
    cheapest = order[np.r_[True, customer[order][1:] != customer[order][:-1]]]
    batch_load = float(load[real][cheapest].sum())  # each account at its cheapest rep
    room = bal.shares * (standing.sum() + batch_load) - standing
    mean = batch_load / max(len(cheapest), 1)
    rep = problem.pair_rep[real]
    before = np.arange(slots) * mean
    gap = room[rep][:, None]
    added = np.abs(before + load[real][:, None] - gap) - np.abs(before - gap)
    return bal.weight * np.where(bal.active[rep], 1.0, 0.0)[:, None] * added


def _fits_slots(problem: Problem, real: np.ndarray, fixed: np.ndarray, slots: int) -> np.ndarray:
    """Per pair of ``real`` and slot: whether the account fits every ceiling of its rep
    with the slots before it holding accounts of the batch's mean coefficient."""
    fits = np.ones((len(real), slots), dtype=bool)
    for block in problem.blocks:
        row = block.row[real]
        inside = row >= 0
        room = block.upper - block.usage(fixed)
        mean = float(block.coeff[real][inside].mean()) if inside.any() else 0.0
        need = block.coeff[real][:, None] + np.arange(slots) * mean
        left = np.where(inside, room[np.maximum(row, 0)], np.inf)[:, None]
        fits &= need <= left + TOLERANCE
    return fits


def _within_ceilings(problem: Problem, choice: np.ndarray, size: int) -> np.ndarray:
    """The plan (every customer) with the batch's ``choice``, each account kept in the
    order of its rep index only while it fits every ceiling exactly (else unplaced)."""
    starts = problem.customer_starts()
    plan = problem.pair_rep[starts[:-1]].copy()  # aggregates: their one pair
    plan[:size] = problem.m - 1
    chosen = problem.pair_index(plan)
    used = [b.usage(chosen) for b in problem.blocks]
    pairs = problem.pair_index(np.concatenate([choice, plan[size:]]))[:size]
    for i in np.flatnonzero(choice != problem.m - 1):
        p = pairs[i]
        ok = all(b.row[p] < 0 or u[b.row[p]] + b.coeff[p] <= b.upper[b.row[p]] + TOLERANCE
                 for b, u in zip(problem.blocks, used, strict=True))  # fmt: skip
        if not ok:
            continue
        for b, u in zip(problem.blocks, used, strict=True):
            if b.row[p] >= 0:
                u[b.row[p]] += b.coeff[p]
        plan[i] = choice[i]
    return plan
