"""Large-neighbourhood search: re-optimise the accounts of a few related reps at a time.

Each step frees the accounts of a group of reps, keeps every other account where it is,
and solves that small assignment exactly with CP-SAT: rows get the room the fixed accounts
leave them on both sides (ceiling less their load, floor less their load), and the
balance targets stay those of the whole plan. A step is kept only when
the exact objective of the whole plan drops, so every intermediate plan satisfies every
hard rule.

Groups. A group starts at a random seed rep and grows by reps related to those already in
it: rep b is related to rep a by the number of a's accounts for which b is among the
``ALTERNATIVES`` cheapest other reps, in reduced cost when the LP or Lagrangian pricing is
given (``score``), else in cost (and the other way round). Related reps are drawn with
probability proportional to that count, so groups differ from step to step.

Size. The group grows by one rep after steps whose CP-SAT solve was proved optimal (the
neighbourhood was easy) and shrinks by one after a step that hit its time limit without
improving (it was too hard); each shrink makes the next growth wait twice as long (see
``NeighbourhoodSize``). Measured final sizes at 60 s: 7-29 reps on Yagiura's type C and
6-15 on type E generalized-assignment instances, 2-6 on the tighter type D.

The search ends at the time limit, or when ``stop`` is set (Ctrl-C), between two steps. In
deterministic mode it runs a fixed number of steps instead (one per ``STEP_LIMIT_S`` of the
limit), each a one-worker CP-SAT solve bounded by deterministic time, so the same inputs
and seed give the same plan on any machine load.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

import numpy as np

from solver.constraints import RowBlock
from solver.constraints.base import integral_blocks
from solver.interrupt import StopRequest
from solver.models.base import EngineResult, EngineStats
from solver.models.cpsat import solve_cpsat
from solver.models.engine import Context
from solver.models.incumbents import IncumbentPool
from solver.models.moves import descend
from solver.models.names import LNS
from solver.problem import Problem

#: reps whose accounts the first step re-optimises
NEIGHBOURHOOD_REPS = 4
#: fewest reps in a neighbourhood
MIN_NEIGHBOURHOOD_REPS = 2
#: most solved-to-optimality steps in a row a larger size has to wait for
MAX_PATIENCE = 64
#: time for one step's CP-SAT solve, in seconds
STEP_LIMIT_S = 1.0
#: cheapest alternative reps per account that count towards relatedness
ALTERNATIVES = 3
#: cheapest other reps per account (by ``score``) the exact local moves may move it to
MOVE_ALTERNATIVES = 10
#: weight of an unrelated rep when drawing the next member of a group (relative to 1 account)
UNRELATED_WEIGHT = 0.05


def cheapest_pairs(
    problem: Problem, score: np.ndarray, alternatives: int = ALTERNATIVES
) -> np.ndarray:
    """n x (alternatives + 1) pair indices: each customer's lowest-``score`` pairs, cheapest
    first, padded with -1 (enough to hold ``alternatives`` pairs besides the current one)."""
    width = alternatives + 1
    order = np.lexsort((score, problem.pair_customer))
    starts = problem.customer_starts()
    slot = np.arange(len(order)) - starts[problem.pair_customer[order]]
    top = np.full((problem.n, width), -1, dtype=np.int64)
    near = slot < width
    top[problem.pair_customer[order[near]], slot[near]] = order[near]
    return top


def relatedness(
    problem: Problem, rep: np.ndarray, top: np.ndarray, alternatives: int = ALTERNATIVES
) -> np.ndarray:
    """m x m symmetric counts: R[a, b] = accounts of a with b among their ``alternatives``
    cheapest other reps (``top`` from ``cheapest_pairs``), plus the same with a, b swapped."""
    other = np.where(top >= 0, problem.pair_rep[np.maximum(top, 0)], -1)
    alt = (other >= 0) & (other != rep[:, None])
    alt &= np.cumsum(alt, axis=1) <= alternatives
    owner = np.broadcast_to(rep[:, None], other.shape)
    counts = np.zeros((problem.m, problem.m))
    np.add.at(counts, (owner[alt], other[alt]), 1.0)
    return counts + counts.T


def draw_group(
    rng: np.random.Generator, seed_rep: int, size: int, related: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """A boolean mask of ``size`` active reps grown from ``seed_rep`` by relatedness draws."""
    in_set = np.zeros(len(active), dtype=bool)
    in_set[seed_rep] = True
    weight = related[seed_rep].astype(float)
    for _ in range(min(size, int(active.sum())) - 1):
        pool = np.flatnonzero(active & ~in_set)
        odds = weight[pool] + UNRELATED_WEIGHT
        pick = pool[rng.choice(len(pool), p=odds / odds.sum())]
        in_set[pick] = True
        weight += related[pick]
    return in_set


@dataclasses.dataclass
class NeighbourhoodSize:
    """Reps per neighbourhood, adapted to how hard the last steps were.

    After ``patience`` steps whose solve was proved optimal, with no fruitless step between,
    the size grows by one. A fruitless step (not proved optimal, plan not improved) shrinks
    it by one and doubles ``patience`` (up to ``MAX_PATIENCE``), so a size that keeps
    proving too large is tried less and less often. Bounds: ``MIN_NEIGHBOURHOOD_REPS`` to
    ``largest``.
    """

    largest: int
    size: int = NEIGHBOURHOOD_REPS
    patience: int = 1
    streak: int = 0

    def __post_init__(self) -> None:
        self.size = min(self.size, self.largest)

    def update(self, complete: bool, improved: bool) -> None:
        if complete:
            self.streak += 1
            if self.streak >= self.patience and self.size < self.largest:
                self.size += 1
                self.streak = 0
        elif not improved:
            self.streak = 0
            self.size = max(self.size - 1, MIN_NEIGHBOURHOOD_REPS)
            self.patience = min(2 * self.patience, MAX_PATIENCE)


def _subproblem(
    problem: Problem,
    rep: np.ndarray,
    chosen: np.ndarray,
    blocks: tuple[RowBlock, ...],
    in_set: np.ndarray,
) -> tuple[Problem, np.ndarray, np.ndarray] | None:
    """The accounts of the reps in ``in_set`` with only those reps as candidates, plus the
    load the fixed accounts put on each rep."""
    free = (problem.forced < 0) & in_set[rep]
    if free.sum() < 2:
        return None
    keep = free[problem.pair_customer] & in_set[problem.pair_rep]
    return part_problem(problem, rep, chosen, blocks, free, keep)


def part_problem(
    problem: Problem,
    rep: np.ndarray,
    chosen: np.ndarray,
    blocks: tuple[RowBlock, ...],
    free: np.ndarray,
    keep: np.ndarray,
) -> tuple[Problem, np.ndarray, np.ndarray]:
    """The customers ``free`` (mask) on the pairs ``keep`` (mask; each free customer needs
    one), every other customer fixed at ``rep`` (pairs ``chosen``): the rows of ``blocks``
    get the room the fixed accounts leave on both sides. Returns the part, the free
    customers' indices, and the balance load the fixed accounts put on each rep."""
    free_idx = np.flatnonzero(free)
    new_index = np.full(problem.n, -1, dtype=np.int64)
    new_index[free_idx] = np.arange(len(free_idx))
    fixed = chosen[~free]
    sub_blocks = []
    for b in blocks:
        used = b.usage(fixed)
        sub_blocks.append(
            RowBlock(
                b.rule, b.kind, b.row[keep], b.coeff[keep], b.upper - used, b.labels, b.lower - used
            )
        )
    fixed_load = np.bincount(rep[~free], weights=problem.pair_load[fixed], minlength=problem.m)
    sub = dataclasses.replace(
        problem,
        customers=problem.customers.iloc[free_idx].reset_index(drop=True),
        pair_customer=new_index[problem.pair_customer[keep]],
        pair_rep=problem.pair_rep[keep],
        pair_terms={name: cost[keep] for name, cost in problem.pair_terms.items()},
        pair_workload=problem.pair_workload[keep],
        pair_load=problem.pair_load[keep],
        blocks=tuple(sub_blocks),
        forced=np.full(len(free_idx), -1, dtype=np.int64),
        forced_reason=np.full(len(free_idx), "", dtype=object),
        facts=None,
        pairs=None,
        soft=tuple(
            t.subset(keep).shifted(t.rep_sums(rep[~free], fixed, problem.m)) for t in problem.soft
        ),
    )
    return sub, free_idx, fixed_load


@dataclasses.dataclass
class SearchStats:
    """Counters of one neighbourhood search (costs in cost points, min sense)."""

    steps: int = 0  # neighbourhoods tried
    improving_steps: int = 0  # of them, the ones that lowered the plan's cost
    adopted: int = 0  # plans taken from the pool (found by engines in other threads)
    start_cost: float = math.nan
    end_cost: float = math.nan
    size: int = 0  # reps in the last neighbourhood
    shifts: int = 0  # accounts moved by the exact local moves (in kept plans)

    def note(self) -> str:
        shifts = f"{self.shifts} accounts shifted, " if self.shifts else ""
        text = (
            f"{self.steps} neighbourhoods, {self.improving_steps} improving, {shifts}"
            f"last of {self.size} reps; start {self.start_cost:,.1f} -> {self.end_cost:,.1f}"
        )
        return text + (f"; plans taken from HiGHS: {self.adopted}" if self.adopted else "")


class NeighbourhoodSearch:
    """The search above as an engine: from the start plan, for the budget."""

    name = LNS

    def supports(self, problem: Problem) -> list[str]:
        return []

    def run(self, problem: Problem, start: np.ndarray | None, ctx: Context) -> EngineResult | None:
        if ctx.objective is None:
            return None
        t0 = time.perf_counter()
        relaxation = ctx.relaxation
        if start is None:  # the repair found no start (tight floors): CP-SAT finds one
            first = solve_cpsat(
                problem,
                FIRST_PLAN_SHARE * ctx.budget.seconds,
                ctx.seed,
                ctx.workers,
                total_load=relaxation.total_load if relaxation is not None else None,
                deterministic=ctx.budget.deterministic,
                stop=ctx.stop,
                deadline=t0 + ctx.budget.seconds,  # building a large model counts too
            )
            if first is None:
                return None
            start = first.rep
        rep, stats = improve(
            problem,
            start,
            ctx.budget.seconds - (time.perf_counter() - t0),
            ctx.seed,
            ctx.workers,
            ctx.objective,
            stop=ctx.stop,
            deterministic=ctx.budget.deterministic,
            score=relaxation.excess if relaxation is not None else None,
            report=ctx.progress,
            pool=ctx.pool,
            moves=ctx.local_moves,
        )
        wall = time.perf_counter() - t0
        return EngineResult(
            rep, "feasible", self.name, wall, note=stats.note(), stats=EngineStats(search=stats)
        )


#: share of the budget CP-SAT may take to find a first plan when there is no start
FIRST_PLAN_SHARE = 0.3


def improve(
    problem: Problem,
    start: np.ndarray,
    time_limit_s: float,
    seed: int,
    workers: int,
    objective,
    stop: StopRequest | None = None,
    deterministic: bool = False,
    score: np.ndarray | None = None,
    report: Callable[[float, float], None] | None = None,
    pool: IncumbentPool | None = None,
    moves: bool = True,
) -> tuple[np.ndarray, SearchStats]:
    """Improve the plan ``start`` until the time limit; ``objective(rep)`` is the exact cost.

    ``score`` ranks each pair for relatedness (the LP's reduced cost ``excess``; the pair
    cost when None). ``report(cost, nan)`` hears the start cost and every improvement (a
    progress bar, a benchmark's time log). Returns the best plan and its
    :class:`SearchStats`. With a ``pool`` shared
    with engines in other threads, each improvement is offered to it and each step starts
    from the pool's plan when that is cheaper (counted as ``adopted``). With ``moves``,
    improving shifts and swaps (``models/moves.py``) onto each account's
    ``MOVE_ALTERNATIVES`` cheapest other reps run on the start plan and after each
    improving step, on the accounts of the step's reps and the pairs onto them.
    """
    deadline = time.perf_counter() + time_limit_s
    step_budget = math.ceil(time_limit_s / STEP_LIMIT_S) if deterministic else None
    rng = np.random.default_rng(seed)
    ranked = problem.pair_cost if score is None else score
    top = cheapest_pairs(problem, ranked)
    near = cheapest_pairs(problem, ranked, MOVE_ALTERNATIVES)
    near = np.sort(near[near >= 0])  # the pairs the exact local moves go onto
    active = problem.balance.active if problem.balance is not None else np.ones(problem.m, bool)
    sizer = NeighbourhoodSize(largest=max(MIN_NEIGHBOURHOOD_REPS, int(active.sum())))
    blocks = integral_blocks(problem.blocks)
    rep = start.copy()
    best = objective(rep)
    limit = None if deterministic else deadline

    def shifted(plan: np.ndarray, cost: float, pairs: np.ndarray | None) -> tuple:
        trial, made = descend(problem, plan, pairs, deadline=limit, stop=stop)
        if made:
            trial_cost = objective(trial)
            if trial_cost < cost - 1e-9 * max(1.0, abs(cost)):
                stats.shifts += made
                if pool is not None:
                    pool.offer(trial, "neighbourhood search", trial_cost)
                if report is not None:
                    report(trial_cost, math.nan)
                return trial, trial_cost
        return plan, cost

    if report is not None:
        report(best, math.nan)
    related = relatedness(problem, rep, top)
    stats = SearchStats(start_cost=best)
    if moves:
        rep, best = shifted(rep, best, near)
    order: list[int] = []
    while not (stop is not None and stop.is_set()):
        if step_budget is None and time.perf_counter() >= deadline - 0.05:
            break
        if step_budget is not None and stats.steps >= step_budget:
            break
        outside = pool.best if pool is not None else None
        if outside is not None and outside.cost < best - 1e-9 * max(1.0, abs(best)):
            rep, best = outside.rep.copy(), outside.cost
            stats.adopted += 1
            related = relatedness(problem, rep, top)
            if report is not None:
                report(best, math.nan)
        if not order:
            order = list(rng.permutation(np.flatnonzero(active)))
        in_set = draw_group(rng, order.pop(), sizer.size, related, active)
        chosen = problem.pair_index(rep)
        built = _subproblem(problem, rep, chosen, blocks, in_set)
        stats.steps += 1
        if built is None:
            continue
        sub, free_idx, fixed_load = built
        total = float(problem.pair_load[chosen].sum())
        left = STEP_LIMIT_S if deterministic else min(STEP_LIMIT_S, deadline - time.perf_counter())
        if left <= 0.05:
            break
        result: EngineResult | None = solve_cpsat(
            sub,
            left,
            int(rng.integers(1 << 30)),
            workers,
            hint=rep[free_idx],
            total_load=total,
            load_offset=fixed_load,
            infeasible_raises=False,
            deterministic=deterministic,
        )
        improved = False
        if result is not None:
            trial = rep.copy()
            trial[free_idx] = result.rep
            cost = objective(trial)
            if cost < best - 1e-9 * max(1.0, abs(best)):
                rep, best, improved = trial, cost, True
                stats.improving_steps += 1
                if moves:
                    touched = in_set[problem.pair_rep[near]]
                    touched |= in_set[rep[problem.pair_customer[near]]]
                    rep, best = shifted(rep, best, near[touched])
                if pool is not None:
                    pool.offer(rep, "neighbourhood search", best)
                related = relatedness(problem, rep, top)
                if report is not None:
                    report(best, math.nan)
        sizer.update(result is not None and result.search_complete, improved)
    stats.end_cost = best
    stats.size = sizer.size
    return rep, stats
