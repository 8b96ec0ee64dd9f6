"""A lower bound on a batch in a fraction of a second: the balance term's dual, rows relaxed.

For any sigma_j in [-1, 1] per active rep, w |L_j - s_j W| >= w sigma_j (L_j - s_j W).
Dropping every row (ceilings and floors) and the soft balance bands (never negative),
each customer taking exactly one pair, every plan of the batch costs at least (cost
points, min)

    g(sigma) = sum_i min_{p of i} [c_p + w load_p (sigma_rep(p) - sum_j s_j sigma_j)]

(W is the load of every pair chosen, sigma is 0 for a rep outside the balance). g is
concave; its subgradient at sigma is w (L_j - s_j W) of each customer's cheapest pair.
The ascent takes projected steps sigma += t w dev, clipped to [-1, 1], with Polyak's
t = theta (U - g) / |w dev|^2, U the cost of a plan known, theta halved after
``STALL_STEPS`` steps without a better g; it stops after ``STEPS`` steps, once theta is
below ``MIN_THETA``, or once g is within ``tolerance`` of U. Every g is a valid bound; the
best is returned. Its maximum is the LP bound of the batch without its rows (on a batch
onto a book with room, nearly the LP bound), in one pass over the pairs per step: a
1,000-account batch onto 1,000 reps (52,000 pairs) in about 0.3 s where HiGHS takes
seconds on the LP. Deterministic: the steps are counted, not timed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from solver.models.base import EngineResult
from solver.models.stopping import gap
from solver.problem import Problem

STEPS = 500
STALL_STEPS = 15
MIN_THETA = 1e-3
ENGINE = "balance dual"


def balance_bound(problem: Problem, upper: float, tolerance: float = 0.0) -> EngineResult:
    """The best bound of the ascent (see the module docstring) on ``problem``; ``upper``:
    the cost of a plan known."""
    started = time.perf_counter()
    return dual_result(balance_dual(problem, upper, tolerance), time.perf_counter() - started)


def dual_result(dual: BalanceDual | None, wall_s: float) -> EngineResult:
    """The engine result of the ascent ``dual`` (None: a customer without a pair, no plan
    and no bound here) that took ``wall_s`` seconds."""
    if dual is None:
        return EngineResult(None, "feasible", ENGINE, wall_s)
    return EngineResult(
        None, "feasible", ENGINE, wall_s, engine_bound=dual.bound,
        bound_source=f"dual of the balance term with the rows relaxed (projected subgradient, "
        f"{dual.steps} steps)",
    )  # fmt: skip


@dataclass(frozen=True)
class BalanceDual:
    """The ascent's best bound g(sigma) (cost points) and the sigma per rep that gave it."""

    bound: float
    sigma: np.ndarray
    steps: int


def balance_dual(problem: Problem, upper: float, tolerance: float = 0.0) -> BalanceDual | None:
    """The ascent of the module docstring; None when a customer has no pair."""
    starts = problem.customer_starts()
    if np.any(np.diff(starts) == 0):
        return None
    starts = starts[:-1]
    cost, load, rep = problem.pair_cost, problem.pair_load, problem.pair_rep
    bal = problem.balance
    sigma = np.zeros(problem.m)
    if bal is None or bal.weight <= 0:  # the separable costs alone
        bound = float(np.minimum.reduceat(cost, starts).sum()) if len(cost) else 0.0
        return BalanceDual(bound, sigma, 1)
    w, active = bal.weight, bal.active
    shares = np.where(active, bal.shares, 0.0)
    best, best_sigma, theta, stall, steps = -np.inf, sigma, 1.0, 0, 0
    for steps in range(1, STEPS + 1):  # noqa: B007 (steps is reported)
        d = cost + w * load * (sigma[rep] - float(shares @ sigma))
        least = np.minimum.reduceat(d, starts)
        g = float(least.sum())
        if g > best + 1e-12 * max(1.0, abs(g)):
            best, best_sigma, stall = g, sigma, 0
        else:
            stall += 1
            if stall >= STALL_STEPS:
                theta, stall = theta / 2, 0
        if theta < MIN_THETA or gap(upper, best) <= tolerance:
            break
        chosen = _first_cheapest(d, least, problem.pair_customer)
        loads = np.bincount(rep[chosen], weights=load[chosen], minlength=problem.m)
        dev = np.where(active, loads - bal.shares * loads.sum(), 0.0)
        norm = float(dev @ dev) * w * w
        if norm <= 1e-18:
            break  # every rep exactly on its target: g is the optimum of the relaxation
        step = theta * (max(upper, best + 1e-6 * max(1.0, abs(best))) - g) / norm
        sigma = np.clip(sigma + step * w * dev, -1.0, 1.0)
    return BalanceDual(best, best_sigma, steps)


def _first_cheapest(d: np.ndarray, least: np.ndarray, customer: np.ndarray) -> np.ndarray:
    """Each customer's first pair of least ``d`` (pairs sorted by customer)."""
    at_least = np.flatnonzero(d <= least[customer])
    first = np.r_[True, customer[at_least][1:] != customer[at_least][:-1]]
    return at_least[first]
