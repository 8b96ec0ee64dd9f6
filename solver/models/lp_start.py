"""A bound and a start plan from a restricted LP, for large models with floors.

On a large model with two-sided bands the Lagrangian ascent stalls short of the LP bound
(2.9 % below it on 10,000 x 100 with value and workload bands) and its cheapest choice
breaks a hundred band rows at once, more than the greedy repair can mend. The LP itself
does better on both counts:

- **Bound.** The LP on each customer's ``Params.k`` cheapest pairs by the Lagrangian's
  reduced cost, priced over every pair (:func:`solver.models.lp.pricing_rounds`): the
  priced bound is valid at every round, whatever pairs the restricted LP left out. Later
  rounds keep only the last solution's pairs, each customer's ``Params.narrow`` cheapest
  by reduced cost and the entering ones: they take a tenth to a quarter of the first
  round's time, so the rounds reach the LP optimum (10,000 x 100 with both bands: five
  to eight rounds). A round whose rows needed their artificial slack is followed by
  another while pairs enter.
- **Start.** A basic solution of that LP has at most as many fractional customers as
  binding rows. Its largest shares break band rows (42 reps' rows on clustered 10,000 x
  100, value floors short by up to a quarter), which the mend
  (:func:`solver.models.mend.mend`) closes with exact shifts and chains that lower the
  rows' breach, then CP-SAT around the reps still breached. When it gets stuck the
  greedy repair (:func:`solver.models.warmstart.repair`) tries the rounded plan.

A restricted LP whose artificial slacks end at 0 holds every row with accounts split
between reps, so the model is feasible fractionally; a positive slack proves nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.models.base import rep_from_x
from solver.models.lp import build_lp, cheapest_per_customer, pricing_rounds
from solver.models.mend import mend
from solver.models.warmstart import repair
from solver.problem import Problem

log = logging.getLogger(__name__)

#: an LP value this far from 0 and 1 makes its customer fractional
FRACTIONAL = 1e-6
#: an artificial slack up to this holds the rows (HiGHS's interior point tolerances)
SLACK_TOL = 1e-6


@dataclass(frozen=True)
class Params:
    """Sizes of the restricted LP and of the rounding model (measured on 10,000 x 100 with
    both bands, benchmarks/RESULTS.md)."""

    k: int = 4  # each customer's cheapest pairs by reduced cost in the first restricted LP
    add_k: int = 4  # pairs priced below zero added per customer and round
    rounds: int = 10  # restricted LPs solved at most
    #: each later round's pairs: the last solution's, each customer's ``narrow`` cheapest
    #: by reduced cost and the entering ones (``lp.pricing_rounds``)
    narrow: int = 2
    #: each customer's cheapest pairs by reduced cost the mend may shift it onto (beside
    #: its LP pairs): 6 mended clustered 10,000 x 100 with both bands in 4.5 s, all pairs
    #: in 19 s at about the same cost
    pairs: int = 6
    #: another round starts only with this share of the last round's time left (a round
    #: cut short by the deadline is lost)
    next_round: float = 0.8
    #: a narrowed round's time against the first round's (measured 0.1 to 0.28)
    narrowed: float = 0.3
    #: no further round once the priced bound is within ``settled`` of the restricted
    #: optimum (rows held) after a round of ``settled_min_s`` seconds or more: on clustered
    #: 100,000 x 1,000 rounds 5 to 9 (47 s) raised the bound by 0.0012 %, time the search
    #: could use; on clustered 10,000 x 100 with both bands (rounds of about 1 s) the
    #: search after round 4's reduced costs ended at 0.99 and 1.08 %, after round 6's
    #: (priced out) at 0.90 to 0.93 %
    settled: float = 1e-4
    settled_min_s: float = 5.0


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
    rounded_here: bool = True  # False: the caller rounds the rounds (``on_round``)

    def note(self) -> str:
        if self.bound is None:
            return "no restricted LP solved in time"
        took = f"restricted LP, {self.rounds} round(s) in {self.wall_s:.1f} s"
        if not self.holds:  # its bound then prices the artificial slacks: no use
            return f"{took}: its rows needed slack"
        said = f"{took}, priced bound {self.bound:,.1f}, its rows held"
        if not self.rounded_here:
            return said
        placed = "rounded into a plan" if self.plan is not None else "not rounded into a plan"
        return f"{said}, {placed}"


def lp_start(
    problem: Problem,
    score: np.ndarray,
    lp_deadline: float,
    round_s: float,
    deadline: float,
    seed: int = 0,
    workers: int = 1,
    params: Params | None = None,
    first_deadline: float | None = None,
    known_plan: np.ndarray | None = None,
    on_round: Callable[[np.ndarray, np.ndarray, float], None] | None = None,
) -> LpStart:
    """Column generation from each customer's ``params.k`` lowest-``score`` pairs (the
    Lagrangian's excess) and the pairs of ``known_plan`` (a plan keeping every hard row,
    when there is one) until priced out, ``params.rounds`` rounds or ``lp_deadline`` (when
    ``first_deadline`` is later, the first round may run until it: without a round there
    is no bound and no start), then the last round's solution rounded into a plan in
    ``round_s`` seconds, by ``deadline`` at the latest (perf_counter seconds; module
    docstring). With ``known_plan``'s pairs the first restricted LP holds its rows without the
    artificial slacks, whose price would otherwise set its duals. With ``on_round(x,
    excess, seconds)`` (e.g. :meth:`solver.models.rounding_beside.RoundingBeside.offer`,
    which rounds slow rounds beside the next) the caller hears each round whose rows held
    without slack as it ends, with the seconds it took, and rounds the last one itself.
    After a slow round the rounds end once the priced bound is within ``params.settled``
    of the restricted optimum."""
    params = params or Params()
    start = time.perf_counter()
    keep = cheapest_per_customer(problem, score, params.k)
    if known_plan is not None:
        held = problem.pair_index(known_plan)
        keep[held[held >= 0]] = True
    lp = build_lp(problem)
    bound, last, count = None, None, 0
    began = time.perf_counter()
    rounds = pricing_rounds(
        problem,
        lp,
        keep,
        max(lp_deadline, first_deadline or lp_deadline),
        params.rounds,
        params.add_k,
        params.narrow,
    )
    for last in rounds:
        count += 1
        bound = last.bound if bound is None else max(bound, last.bound)
        took, began = time.perf_counter() - began, time.perf_counter()
        log.info(
            "restricted LP round %d in %.1f s: optimum %.1f, priced bound %.1f, largest "
            "slack %.3g, %d pairs entering",
            count, took, last.objective, last.bound, last.slack, last.entering,
        )  # fmt: skip
        if on_round is not None and last.slack <= SLACK_TOL:
            on_round(last.x, last.excess, took)
        expect = params.next_round * took * (params.narrowed if count == 1 else 1.0)
        if (last.slack > SLACK_TOL and not last.entering) or lp_deadline - began < expect:
            break  # rows need slack with no pair to enter (the phase one decides), or no time
        settled = last.objective - bound <= params.settled * max(1.0, abs(bound))
        if last.slack <= SLACK_TOL and settled and took >= params.settled_min_s:
            break
    if last is None:
        return LpStart(None, None, None, None, 0, False, None, time.perf_counter() - start)
    holds = last.slack <= SLACK_TOL
    ends = min(deadline, time.perf_counter() + round_s)
    plan = None
    if holds and on_round is None:
        plan = round_lp(problem, last.x, last.excess, ends, seed, workers, params)
    wall = time.perf_counter() - start
    return LpStart(
        bound, last.x, last.excess, last.bound, count, holds, plan, wall, on_round is None
    )


def round_lp(
    problem: Problem,
    x: np.ndarray,
    excess: np.ndarray,
    deadline: float,
    seed: int,
    workers: int,
    params: Params,
) -> np.ndarray | None:
    """A plan keeping every hard row from the LP solution ``x``: its largest shares mended
    (:func:`solver.models.mend.mend`, shifts onto each customer's LP pairs and its
    ``params.pairs`` cheapest by ``excess``), else the greedy repair; None when neither
    finds one by ``deadline``."""
    rep = rep_from_x(problem, x)
    pool = cheapest_per_customer(problem, excess, params.pairs) | (x > FRACTIONAL)
    plan = mend(problem, rep, deadline, seed, workers, pool)
    return plan if plan is not None else repair(problem, rep, deadline)
