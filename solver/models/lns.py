"""Large-neighbourhood search: re-optimise the accounts of a few neighbouring reps at a time.

Each step frees the accounts of k reps that sit close together (their base locations),
keeps every other account where it is, and solves that small assignment exactly with
CP-SAT: rows get the room the fixed accounts leave them, and the balance targets stay those
of the whole plan. A step is kept only when the exact objective of the whole plan drops, so
every intermediate plan satisfies every hard rule.

The search ends at the time limit, or when ``stop`` is set (Ctrl-C), between two steps. In
deterministic mode it runs a fixed number of steps instead (one per ``STEP_LIMIT_S`` of the
limit), each a one-worker CP-SAT solve bounded by deterministic time, so the same inputs
and seed give the same plan on any machine load.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from solver.constraints import RowBlock
from solver.interrupt import StopRequest
from solver.models.base import EngineResult
from solver.models.cpsat import solve_cpsat
from solver.problem import Problem

#: reps whose accounts one step re-optimises
NEIGHBOURHOOD_REPS = 4
#: time for one step's CP-SAT solve, in seconds
STEP_LIMIT_S = 1.0


def _rep_neighbours(problem: Problem) -> np.ndarray:
    """Reps ordered by distance from each rep (row j starts with j); random without geography."""
    m = problem.m
    if problem.facts is None:
        rng = np.random.default_rng(0)
        return np.array(
            [np.concatenate([[j], rng.permutation(np.delete(np.arange(m), j))]) for j in range(m)]
        )
    f = problem.facts
    lat, lon = np.radians(f.r_lat), np.radians(f.r_lon)
    x = np.cos(lat) * np.cos(lon)
    y = np.cos(lat) * np.sin(lon)
    z = np.sin(lat)
    chord = (x[:, None] - x) ** 2 + (y[:, None] - y) ** 2 + (z[:, None] - z) ** 2
    return np.argsort(chord, axis=1, kind="stable")


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
    free_idx = np.flatnonzero(free)
    if len(free_idx) < 2:
        return None
    keep = free[problem.pair_customer] & in_set[problem.pair_rep]
    new_index = np.full(problem.n, -1, dtype=np.int64)
    new_index[free_idx] = np.arange(len(free_idx))
    fixed = chosen[~free]
    sub_blocks = []
    for b in blocks:
        rows = b.row[fixed]
        used = np.bincount(
            rows[rows >= 0], weights=b.coeff[fixed][rows >= 0], minlength=len(b.upper)
        )
        sub_blocks.append(
            RowBlock(b.rule, b.kind, b.row[keep], b.coeff[keep], b.upper - used, b.labels)
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
    )
    return sub, free_idx, fixed_load


def improve(
    problem: Problem,
    start: np.ndarray,
    time_limit_s: float,
    seed: int,
    workers: int,
    objective,
    stop: StopRequest | None = None,
    deterministic: bool = False,
) -> tuple[np.ndarray, dict]:
    """Improve the plan ``start`` until the time limit; ``objective(rep)`` is the exact cost.

    Returns the best plan and counters (steps, improving steps, start and end cost).
    """
    deadline = time.perf_counter() + time_limit_s
    step_budget = math.ceil(time_limit_s / STEP_LIMIT_S) if deterministic else None
    rng = np.random.default_rng(seed)
    neighbours = _rep_neighbours(problem)
    active = problem.balance.active if problem.balance is not None else np.ones(problem.m, bool)
    blocks = tuple(b.integral() for b in problem.blocks)
    rep = start.copy()
    best = objective(rep)
    stats = {"steps": 0, "improving_steps": 0, "start_cost": best}
    order: list[int] = []
    while not (stop is not None and stop.is_set()):
        if step_budget is None and time.perf_counter() >= deadline - 0.05:
            break
        if step_budget is not None and stats["steps"] >= step_budget:
            break
        if not order:
            order = list(rng.permutation(np.flatnonzero(active)))
        seed_rep = order.pop()
        group = [j for j in neighbours[seed_rep] if active[j]][:NEIGHBOURHOOD_REPS]
        in_set = np.zeros(problem.m, dtype=bool)
        in_set[group] = True
        chosen = problem.pair_index(rep)
        built = _subproblem(problem, rep, chosen, blocks, in_set)
        stats["steps"] += 1
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
            explain_infeasible=False,
            deterministic=deterministic,
        )
        if result is None:
            continue
        trial = rep.copy()
        trial[free_idx] = result.rep
        cost = objective(trial)
        if cost < best - 1e-9 * max(1.0, abs(best)):
            rep, best = trial, cost
            stats["improving_steps"] += 1
    stats["end_cost"] = best
    return rep, stats
