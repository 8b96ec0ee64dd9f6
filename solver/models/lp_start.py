"""A bound and a start plan from a restricted LP, for large models with floors.

On a large model with two-sided bands the Lagrangian ascent stalls short of the LP bound
(2.9 % below it on 10,000 x 100 with value and workload bands) and its cheapest choice
breaks a hundred band rows at once, more than the greedy repair can mend. The LP itself
does better on both counts:

- **Bound.** The LP on each customer's ``Params.k`` cheapest pairs by the Lagrangian's
  reduced cost, priced over every pair (:func:`solver.models.lp.pricing_rounds`): the
  priced bound is valid at every round, whatever pairs the restricted LP left out.
- **Start.** A basic solution of that LP has at most as many fractional customers as
  binding rows. Every other customer keeps its LP pair; CP-SAT then places the
  fractional customers together with the ``Params.free`` customers that lose least by
  moving (their second-cheapest reduced cost), each on its LP pairs and its
  ``Params.pairs`` cheapest ones, in the room the fixed accounts leave every row on both
  sides (:func:`solver.models.lns.part_problem`). When CP-SAT finds no plan there the
  greedy repair (:func:`solver.models.warmstart.repair`) tries the rounded plan.

A restricted LP whose artificial slacks end at 0 holds every row with accounts split
between reps, so the model is feasible fractionally; a positive slack proves nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from solver.constraints.base import integral_blocks
from solver.models.base import rep_from_x
from solver.models.cpsat import solve_cpsat
from solver.models.lns import part_problem
from solver.models.lp import _cheapest_per_customer, build_lp, pricing_rounds
from solver.models.warmstart import repair
from solver.problem import Problem

#: an LP value this far from 0 and 1 makes its customer fractional
FRACTIONAL = 1e-6
#: an artificial slack up to this holds the rows (HiGHS's interior point tolerances)
SLACK_TOL = 1e-6
#: share of the rounding's time CP-SAT may take (the greedy repair has the rest)
CPSAT_SHARE = 0.7


@dataclass(frozen=True)
class Params:
    """Sizes of the restricted LP and of the rounding model (measured on 10,000 x 100 with
    both bands, benchmarks/RESULTS.md)."""

    k: int = 4  # each customer's cheapest pairs by reduced cost in the first restricted LP
    add_k: int = 4  # pairs priced below zero added per customer and round
    rounds: int = 3  # restricted LPs solved at most
    free: int = 2_000  # whole customers freed beside the fractional ones when rounding
    pairs: int = 4  # each freed customer's cheapest pairs (beside its LP pairs)
    #: another round starts only with this share of the last round's time left (a round
    #: cut short by the deadline is lost)
    next_round: float = 0.8


@dataclass(frozen=True)
class LpStart:
    """The restricted LP's outcome: the best priced bound of its rounds (None when no
    round finished in time), the last round's solution and excess, whether its rows held
    without slack, the rounded plan, and the time taken."""

    bound: float | None
    x: np.ndarray | None
    excess: np.ndarray | None
    priced: float | None  # the last round's bound: a plan using pair p costs >= it + excess[p]
    rounds: int
    holds: bool
    plan: np.ndarray | None
    wall_s: float

    def note(self) -> str:
        if self.bound is None:
            return "no restricted LP solved in time"
        took = f"restricted LP, {self.rounds} round(s) in {self.wall_s:.1f} s"
        if not self.holds:  # its bound then prices the artificial slacks: no use
            return f"{took}: its rows needed slack"
        placed = "rounded into a plan" if self.plan is not None else "not rounded into a plan"
        return f"{took}, priced bound {self.bound:,.1f}, its rows held, {placed}"


def lp_start(
    problem: Problem,
    score: np.ndarray,
    lp_deadline: float,
    round_s: float,
    deadline: float,
    seed: int = 0,
    workers: int = 1,
    params: Params | None = None,
) -> LpStart:
    """Column generation from each customer's ``params.k`` lowest-``score`` pairs (the
    Lagrangian's excess) until priced out, ``params.rounds`` rounds or ``lp_deadline``,
    then the last round's solution rounded into a plan in ``round_s`` seconds, by
    ``deadline`` at the latest (perf_counter seconds; module docstring)."""
    params = params or Params()
    start = time.perf_counter()
    keep = _cheapest_per_customer(problem, score, params.k)
    lp = build_lp(problem)
    bound, last, count = None, None, 0
    began = time.perf_counter()
    for last in pricing_rounds(problem, lp, keep, lp_deadline, params.rounds, params.add_k):
        count += 1
        bound = last.bound if bound is None else max(bound, last.bound)
        took, began = time.perf_counter() - began, time.perf_counter()
        if last.slack > SLACK_TOL or lp_deadline - began < params.next_round * took:
            break  # rows need slack (the phase one decides), or no time for another round
    if last is None:
        return LpStart(None, None, None, None, 0, False, None, time.perf_counter() - start)
    holds = last.slack <= SLACK_TOL
    ends = min(deadline, time.perf_counter() + round_s)
    plan = round_lp(problem, last.x, last.excess, ends, seed, workers, params) if holds else None
    wall = time.perf_counter() - start
    return LpStart(bound, last.x, last.excess, last.bound, count, holds, plan, wall)


def round_lp(
    problem: Problem,
    x: np.ndarray,
    excess: np.ndarray,
    deadline: float,
    seed: int,
    workers: int,
    params: Params,
) -> np.ndarray | None:
    """A plan keeping every hard row from the LP solution ``x``: CP-SAT on the fractional
    customers and the cheapest to move (module docstring), else the greedy repair of the
    largest shares; None when neither finds one by ``deadline``."""
    rep = rep_from_x(problem, x)
    chosen = problem.pair_index(rep)
    cust = problem.pair_customer
    movable = problem.forced < 0
    fractional = np.zeros(problem.n, dtype=bool)
    fractional[cust[(x > FRACTIONAL) & (x < 1.0 - FRACTIONAL)]] = True
    fractional &= movable
    regret = np.full(problem.n, np.inf)
    off = np.ones(len(cust), dtype=bool)
    off[chosen] = False  # the excess of every pair but the chosen one
    np.minimum.at(regret, cust[off], excess[off])
    regret[~movable | fractional] = np.inf
    extra = np.argsort(regret, kind="stable")[: params.free]
    free = fractional.copy()
    free[extra[np.isfinite(regret[extra])]] = True
    keep = _cheapest_per_customer(problem, excess, params.pairs) | (x > FRACTIONAL)
    keep[chosen] = True
    keep &= free[cust]
    sub, free_idx, fixed_load = part_problem(
        problem, rep, chosen, integral_blocks(problem.blocks), free, keep
    )
    result = solve_cpsat(
        sub,
        CPSAT_SHARE * (deadline - time.perf_counter()),
        seed,
        workers,
        hint=rep[free_idx],
        total_load=float(problem.pair_load @ x),
        load_offset=fixed_load,
        infeasible_raises=False,
        deadline=deadline,
    )
    if result is not None:
        plan = rep.copy()
        plan[free_idx] = result.rep
        return plan
    return repair(problem, rep, deadline)
