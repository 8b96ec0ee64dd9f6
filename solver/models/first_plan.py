"""A first plan on a large model, from the Lagrangian ascent's reduced costs, in seconds.

The ascent repairs its cheapest choice into a plan every few dozen steps
(:mod:`solver.models.lagrangian`). On clustered 100,000 x 1,000 that repair found no plan
in 330 steps (90 s): the cheapest choice puts thousands of accounts too many on the reps of
the big metros, whose neighbours all sit at their account limit, so no single move makes
room; the search then began from CP-SAT's first plan of the whole model, 26 % above the
bound, 100 s into the solve. On clustered 10,000 x 100 it found one 3.9 % above the bound,
and the next plan came from the restricted LP after 9.4 s. Here instead, at the ascent's
first repair (``PortfolioRun._first_plan_hook``):

1. **Fill** (:func:`solver.models.warmstart.fill`): the reps are filled in rounds, each
   customer asking for its cheapest pair by reduced cost that fits every ceiling (hours
   ceilings less ``FILL_SPARE``, room for step 2), the ones that lose most by missing it
   first. There, a few hundred customers found no pair with room.
2. **Mend**: a min-cost flow (:func:`solver.models.flow.min_cost_assignment`) that
   keeps every account limit by the fewest moves onto each customer's ``MEND_PAIRS``
   cheapest pairs, each rep taking only what its hours room holds: the chains of moves
   that carry a metro's surplus accounts out to reps with room, which the greedy repair
   (one move at a time) cannot find. The greedy repair then mends the hours rows left
   over. (CP-SAT there found no plan: on the broken reps and those around them, 8,000
   and 35,000 customers, in 21-25 s; on the whole model hinted with the fill, in 38 s.)
3. **Descend** (:func:`solver.models.moves.descend`): exact shifts, swaps and ejection
   chains, first onto each account's ``QUICK_ALTERNATIVES`` cheapest reps by reduced cost,
   one move per rep and round, then onto its ``MOVE_ALTERNATIVES`` cheapest, several per
   rep and round. On clustered 10,000 x 100 (quiet machine, from the reduced costs after
   1.0 s of the ascent) the fill and the flow took 0.46 s and gave a plan 3.4 % above
   the LP bound; the quick descent took it to 0.59 % in 1.1 s more, the wide one to
   0.49 % in 1.1 s after that. The wide descent alone was at 2.0 % after 1.0 s and
   0.47 % after 2.5 s: few candidates per account and moves on distinct reps price a
   round in a fraction of the time while most accounts still have a better rep among
   their three cheapest.

Every step keeps each hard row it found holding, so the plan returned keeps them all.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from solver.constraints.base import integral_blocks
from solver.interrupt import StopRequest
from solver.models.flow import account_caps, min_cost_assignment
from solver.models.lns import MOVE_ALTERNATIVES
from solver.models.lp import cheapest_per_customer
from solver.models.moves import descend
from solver.models.warmstart import EPS, fill, repair
from solver.problem import Problem

#: each customer's cheapest pairs by reduced cost the mending flow may move it onto
MEND_PAIRS = 10
#: a customer leaving its filled pair pays this many times the spread of the scores, so
#: the flow makes the fewest moves that keep every account limit, then the cheapest
STAY = 4.0
#: share of each hours ceiling the fill leaves free, for the mending moves
FILL_SPARE = 0.03
#: flows solved at most, each with the reps still over their hours made to shed accounts
MEND_ROUNDS = 6
#: each account's cheapest other reps by reduced cost the quick first descent moves it to
QUICK_ALTERNATIVES = 3
#: the descents run only on a mended plan at most this share above the ascent's bound:
#: on clustered 10,000 x 100 the fill and the flow came 4.5 % above the bound of that
#: step and the descents took it within 1 % of the final bound in 1.1 s; on the uniform
#: shape with its 30 % move budget 36 % above, where the fill spends the shared budget
#: first come, first served and the moves, which cannot trade it, left it 26 % above after
#: 2 s (the restricted LP's plan came 0.3 % above at 8 s)
FAR = 0.10


def mend_by_flow(
    problem: Problem, rep: np.ndarray, score: np.ndarray, deadline: float
) -> np.ndarray | None:
    """``rep`` with every account limit kept by the fewest moves, then the greedy repair
    for the rows left broken (module docstring, step 2); None when neither finds a plan
    keeping every row by ``deadline``."""
    chosen = problem.pair_index(rep)
    if (chosen < 0).any():
        return None
    blocks = integral_blocks(problem.blocks)
    accounts = [b for b in blocks if b.kind == "accounts"]
    if not any((b.usage(chosen) > b.upper + EPS).any() for b in accounts):
        return repair(problem, rep, deadline)
    cap = account_caps(problem, accounts)
    keep = cheapest_per_customer(problem, score, MEND_PAIRS + 1)
    # a rep takes new accounts only as far as its room on the other rows goes: each new
    # pair must fit that room alone, and the rep takes at most room / its heaviest new
    # pair's load more accounts (so the hours it had room for stay kept)
    count = np.bincount(rep, minlength=problem.m)
    others = [b for b in blocks if b.kind != "accounts"]
    heaviest = []
    for b in others:
        room = b.upper - b.usage(chosen)
        inside = b.row >= 0
        keep &= ~inside | (b.coeff <= room[np.maximum(b.row, 0)])
        into = inside & keep
        top = np.full(problem.m, EPS)
        np.maximum.at(top, problem.pair_rep[into], b.coeff[into])
        heaviest.append(top)
        least = b.least_per_rep(problem.pair_rep, problem.m, room)
        more = np.floor(np.maximum(least, 0.0) / top).clip(0, problem.n)
        cap = np.minimum(cap, count + more.astype(np.int64))
    keep[chosen] = True
    keep[problem.forced[problem.pair_customer] >= 0] = False  # forced: their own pair only
    keep[chosen[problem.forced >= 0]] = True
    pairs = np.flatnonzero(keep)
    priced = score.copy()  # leaving the filled pair costs more than any change of score
    priced[chosen] -= STAY * (float(np.ptp(score[pairs])) + 1.0)
    for _ in range(MEND_ROUNDS):
        moved = min_cost_assignment(problem, pairs, priced, cap)
        if moved is None:
            break
        rep = moved
        now = problem.pair_index(rep)
        count = np.bincount(rep, minlength=problem.m)
        pushed = False
        for b, m in zip(others, heaviest, strict=True):  # a rep over its hours sheds accounts
            room = b.least_per_rep(problem.pair_rep, problem.m, b.upper - b.usage(now))
            over = np.maximum(-room, 0.0)
            shed = np.ceil(over / m).astype(np.int64)
            if shed.any():
                cap = np.minimum(cap, np.maximum(count - shed, 0))
                pushed = True
        if not pushed:
            break
    return repair(problem, rep, deadline)


def first_plan(
    problem: Problem,
    score: np.ndarray,
    deadline: float,
    per_rep: int = 8,
    stop: StopRequest | None = None,
    on_plan: Callable[[np.ndarray], float] | None = None,
    bound: float = -np.inf,
) -> np.ndarray | None:
    """A plan keeping every hard row, by ``deadline`` (perf_counter seconds), from the
    reduced costs ``score`` (one per pair): fill, mend, descend (module docstring); None
    when the fill and mend find none. ``on_plan`` hears the plan after the mend and after
    each descent (each keeps every hard row and costs no more than the one before) and
    returns its cost; the descents run only when the mended plan costs at most ``FAR``
    above ``bound`` (a lower bound on every plan's cost)."""
    plan = fill(problem, score, deadline, FILL_SPARE)
    if plan is None:
        return None
    plan = mend_by_flow(problem, plan, score, deadline)
    if plan is None:
        return None
    cost = on_plan(plan) if on_plan is not None else None
    if cost is not None and np.isfinite(bound) and cost > bound + FAR * abs(bound):
        return plan
    return descents(problem, plan, score, deadline, stop, per_rep, on_plan)


def descents(
    problem: Problem,
    plan: np.ndarray,
    score: np.ndarray,
    deadline: float,
    stop: StopRequest | None = None,
    per_rep: int = 8,
    on_plan: Callable[[np.ndarray], float] | None = None,
) -> np.ndarray:
    """``plan`` (keeping every hard row) after the quick descent, then the wide one
    (module docstring, step 3), onto each account's cheapest pairs by ``score``, until
    ``deadline`` (perf_counter seconds) or ``stop``; ``on_plan`` hears the plan after each."""
    for alternatives, moves_per_rep in ((QUICK_ALTERNATIVES, 1), (MOVE_ALTERNATIVES, per_rep)):
        near = np.flatnonzero(cheapest_per_customer(problem, score, alternatives + 1))
        plan, _ = descend(problem, plan, near, deadline=deadline, stop=stop, per_rep=moves_per_rep)
        if on_plan is not None:
            on_plan(plan)
    return plan
