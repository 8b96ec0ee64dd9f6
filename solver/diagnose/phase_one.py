"""Do the limits hold even fractionally? The elastic LP (phase one), and the limits it blames.

Every limit row r (a rep's capacity, account cap, each side of a balance band or rep
floor, the move budget) gets a slack s_r >= 0 costing w_r = 1 / max(|limit_r|, 1); every
customer is shared out in full (sum_p x_p = 1). Its optimum z is the least total share by
which the limits must give for a fractional plan to exist: z > 0 proves that no plan, whole
or split, keeps them all, which is what a set of bands that cannot hold together usually
is. HiGHS decides it in a fraction of a second on small models.

Large models are solved by column generation over the pair variables (as the LP bound,
:func:`solver.models.lp.solve_lp`): each round solves the LP on each customer's cheapest
pairs by reduced cost and adds those priced below zero. With row duals u (customers) and
v <= 0 (limits), ``u'1 + v'b + sum_i min_p d_p`` (d = -A'u - A'v, the reduced costs of the
pairs at cost 0) is a lower bound on z at every round, so a positive value proves the
limits infeasible before the generation ends.

The rows whose duals are non-zero at the optimum already cannot hold together (the same
duals certify z > 0 with only them kept); a deletion filter then drops those that are not
needed, each test an LP with only the remaining rows, to a minimal set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from solver.models.lp import (
    LinearProgram,
    Pricing,
    _dual_view,
    _linprog,
    block_rows,
    build_lp,
    cheapest_per_customer,
)
from solver.problem import Problem

#: an elastic optimum (or bound) above this proves infeasibility (shares of a limit)
PROVED = 1e-6
#: a dual this large (relative to the largest) marks a row in the certificate
DUAL_TOL = 1e-9
#: cost of the slack of a row that is not a limit (balance and soft band rows always hold)
NOT_A_LIMIT = 1e6


@dataclass(frozen=True)
class PhaseOne:
    """The elastic LP's outcome: ``proved`` that the limits cannot hold, ``missed`` per
    limit row (in :func:`block_rows` order) by how much the closest fractional plan misses
    it, ``blamed`` the limit rows of the certificate (non-zero duals)."""

    proved: bool
    solved: bool  # False: the time limit ended the generation before a verdict
    missed: np.ndarray
    blamed: np.ndarray
    wall_s: float


def elastic_lp(problem: Problem, time_limit_s: float | None = None) -> PhaseOne:
    """Solve the elastic LP (column generation from ``Pricing.min_pairs`` pairs)."""
    start = time.perf_counter()
    lp = build_lp(problem)
    n_limits = len(block_rows(problem.blocks))
    phase = _phase_one_lp(lp, n_limits)
    pricing = Pricing()
    if lp.n_x >= pricing.min_pairs:
        keep = cheapest_per_customer(problem, lp.c[: lp.n_x], pricing.start_k)
    else:
        keep = np.ones(lp.n_x, dtype=bool)
    extra = np.arange(lp.n_x, len(phase.c))
    tol = 1e-9
    for _ in range(pricing.rounds if not keep.all() else 1):
        left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - start)
        if left is not None and left <= 0:
            break
        cols = np.concatenate([np.flatnonzero(keep), extra])
        res = _linprog(phase, cols, left, method="highs-ipm" if not keep.all() else "highs")
        if res.status != 0:
            break
        u = res.eqlin.marginals
        v = res.ineqlin.marginals
        bound, _, reduced = _dual_view(problem, phase, u, v)
        entering = (~keep) & (reduced < -tol)
        if bound > PROVED or not entering.any():  # a proof, or the optimum: a verdict
            slack = res.x[len(cols) - phase.a_ub.shape[0] :][:n_limits]
            top = max(float(np.abs(v).max(initial=0.0)), 1e-12)
            blamed = np.flatnonzero(np.abs(v[:n_limits]) > DUAL_TOL * top)
            proved = bound > PROVED or res.fun > PROVED
            return PhaseOne(proved, True, slack, blamed, time.perf_counter() - start)
        keep |= cheapest_per_customer(
            problem, np.where(entering, reduced, np.inf), pricing.add_k, finite_only=True
        )
    empty = np.zeros(0, dtype=np.int64)
    return PhaseOne(False, False, np.zeros(n_limits), empty, time.perf_counter() - start)


def _phase_one_lp(lp: LinearProgram, n_limits: int) -> LinearProgram:
    """The LP with cost 0 on its own columns and a slack per <= row (the last columns)."""
    n_rows = lp.a_ub.shape[0]
    weight = np.full(n_rows, NOT_A_LIMIT)
    weight[:n_limits] = 1.0 / np.maximum(np.abs(lp.b_ub[:n_limits]), 1.0)
    a_ub = sp.hstack([lp.a_ub, -sp.identity(n_rows, format="csr")], format="csr")
    a_eq = sp.hstack([lp.a_eq, sp.csr_matrix((lp.a_eq.shape[0], n_rows))], format="csr")
    upper = np.concatenate([lp.upper, np.full(n_rows, np.inf)])
    c = np.concatenate([np.zeros(len(lp.c)), weight])
    return LinearProgram(c, a_ub, lp.b_ub, a_eq, lp.b_eq, upper, lp.n_x)


def holds_without(problem: Problem, dropped: np.ndarray, time_limit_s: float | None) -> bool | None:
    """Whether the LP is feasible with the limit rows ``dropped`` (indices in
    :func:`block_rows` order) left out; None when HiGHS cannot tell in time."""
    lp = build_lp(problem)
    keep = np.ones(lp.a_ub.shape[0], dtype=bool)
    keep[dropped] = False
    trimmed = LinearProgram(
        np.zeros(len(lp.c)), lp.a_ub[keep], lp.b_ub[keep], lp.a_eq, lp.b_eq, lp.upper, lp.n_x
    )
    res = _linprog(trimmed, None, time_limit_s)
    if res.status == 0:
        return True
    return False if res.status == 2 else None


def minimal_rows(problem: Problem, blamed: np.ndarray, deadline: float) -> np.ndarray:
    """The deletion filter: ``blamed`` (an infeasible set of limit rows) shrunk, while time
    allows, to rows each needed for the infeasibility."""
    n_limits = len(block_rows(problem.blocks))
    core = list(blamed)
    for row in list(core):
        left = deadline - time.perf_counter()
        if left <= 0.05:
            break
        trial = [r for r in core if r != row]
        outside = np.setdiff1d(np.arange(n_limits), trial)
        if holds_without(problem, outside, left) is False:
            core = trial
    return np.array(core, dtype=np.int64)


#: ascent steps of the Lagrangian phase one at most, and the first step (shares of a row)
DUAL_STEPS = 300
FIRST_STEP = 0.5


def dual_phase_one(problem: Problem, time_limit_s: float) -> PhaseOne:
    """The elastic LP's dual by projected subgradient, for models too large for the LP.

    With every limit row scaled to its limit (w_r = 1 / max(|limit_r|, 1)) and multipliers
    0 <= lambda_r <= 1 (the elastic slack's price), g(lambda) = sum_i min_p d_p -
    sum_r lambda_r w_r limit_r (ceilings; floors with the opposite sign), d_p = sum_r
    +-lambda_r w_r a_rp, is at most the elastic optimum z at every lambda (weak duality)
    and at best equals it: g > ``PROVED`` at any step proves the limits cannot hold. The
    rows with lambda_r > 0 then form the certificate. One pass over the pairs per step;
    steps of ``FIRST_STEP`` / sqrt(k) in each row's own scale. ``solved`` is False unless
    it proves: a model that is feasible is never declared so here.
    """
    start = time.perf_counter()
    sides = []  # (block, row of each pair, sign, limit per row, weight per row)
    for block in problem.blocks:
        row = np.where(block.row >= 0, block.row, len(block.upper))
        sides.append((block, row, 1.0, block.upper, 1.0 / np.maximum(np.abs(block.upper), 1.0)))
        if block.has_floors():
            lower = np.where(block.lower > 0, block.lower, 0.0)
            sides.append(
                (block, row, -1.0, lower, np.where(lower > 0, 1.0 / np.maximum(lower, 1.0), 0.0))
            )
    lam = [np.zeros(len(limit)) for _, _, _, limit, _ in sides]
    starts = problem.customer_starts()[:-1]
    best, best_lam = 0.0, None
    n_limits = len(block_rows(problem.blocks))
    for step in range(1, DUAL_STEPS + 1):
        if time.perf_counter() - start > time_limit_s:
            break
        d = np.zeros(len(problem.pair_rep))
        g = 0.0
        price: dict[int, np.ndarray] = {}  # per block, its rows' net price (one gather each)
        for (block, _, sign, limit, weight), mu in zip(sides, lam, strict=True):
            net = price.setdefault(id(block), np.zeros(len(limit) + 1))
            net[:-1] += sign * mu * weight
            g -= sign * float((mu * weight) @ limit)
        for block, row, sign, _, _ in sides:
            if sign > 0:  # each block once
                d += price[id(block)][row] * block.coeff
        least = np.minimum.reduceat(d, starts)
        g += float(least.sum())
        if g > best:
            best, best_lam = g, [mu.copy() for mu in lam]
            if best > PROVED:
                break
        chosen = np.flatnonzero(d <= least[problem.pair_customer])
        first = np.ones(len(chosen), dtype=bool)
        first[1:] = problem.pair_customer[chosen[1:]] != problem.pair_customer[chosen[:-1]]
        chosen = chosen[first]
        grads = []
        for block, _, sign, limit, weight in sides:
            grads.append(sign * (block.usage(chosen) - limit) * weight)
        top = max(float(np.abs(gr).max(initial=0.0)) for gr in grads)
        if top <= 0:
            break
        t = FIRST_STEP / np.sqrt(step) / top
        for mu, gr in zip(lam, grads, strict=True):
            np.clip(mu + t * gr, 0.0, 1.0, out=mu)
    wall = time.perf_counter() - start
    if best_lam is None or best <= PROVED:
        return PhaseOne(False, False, np.zeros(n_limits), np.zeros(0, dtype=np.int64), wall)
    on = []
    for (block, _, sign, _, _), mu in zip(sides, best_lam, strict=True):
        if sign > 0:
            on.append(mu > 0)
        else:
            on.append(mu[block.lower > 0] > 0)
    blamed = np.flatnonzero(np.concatenate(_in_row_order(problem, on)))
    return PhaseOne(True, True, np.zeros(n_limits), blamed, wall)


def _in_row_order(problem: Problem, on: list[np.ndarray]) -> list[np.ndarray]:
    """Per-side masks in :func:`block_rows` order (each block's ceilings, then floors)."""
    out, k = [], 0
    for block in problem.blocks:
        out.append(on[k])
        k += 1
        if block.has_floors():
            out.append(on[k])
            k += 1
    return out
