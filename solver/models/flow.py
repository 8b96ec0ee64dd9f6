"""Min-cost flow (OR-Tools): exact when workload is counted in accounts.

Network: source -> customer (1 unit) -> rep (pair cost) -> sink. A rep's arcs to the sink
carry its account cap; with balance, they are split so the marginal cost of the k-th
account is -w up to the target T_j and +w beyond (|k - T_j| is convex in k), with the
fractional step in between. Network LPs have integral optima, so this is optimal for the
integer-scaled costs. Supports: separable terms, account caps, balance in accounts.
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.graph.python import min_cost_flow

from solver.models.base import EngineResult
from solver.models.engine import Context, require
from solver.models.names import FLOW
from solver.problem import Problem

SCALE_TARGET = 1e7  # largest scaled |cost|


def unsupported(problem: Problem) -> list[str]:
    """What in this problem the flow engine cannot model (empty = it can)."""
    reasons = [f"the {b.rule} rule ({b.kind})" for b in problem.blocks if b.kind != "accounts"]
    reasons += [f"the floors of the {b.rule} rule" for b in problem.blocks if b.has_floors()]
    if problem.balance is not None and problem.scenario.workload_unit != "accounts":
        reasons.append('workload balance in hours (set workload_unit = "accounts")')
    reasons += [f"the soft balance term {t.name}" for t in problem.soft]
    return reasons


class FlowEngine:
    """Min-cost flow: exact when every limit and the balance count accounts."""

    name = FLOW
    bound_source = ""

    def supports(self, problem: Problem) -> list[str]:
        return unsupported(problem)

    def run(self, problem: Problem, start: np.ndarray | None, ctx: Context) -> EngineResult | None:
        return solve_flow(problem)


def solve_flow(problem: Problem) -> EngineResult | None:
    require(FlowEngine(), problem)
    start = time.perf_counter()
    n, m = problem.n, problem.m
    source, sink = n + m, n + m + 1
    cost = problem.pair_cost
    bal = problem.balance
    top = max(float(np.abs(cost).max(initial=0.0)), bal.weight if bal else 0.0, 1e-9)
    scale = SCALE_TARGET / top

    cap = account_caps(problem, problem.blocks)  # the flow's blocks cap accounts only

    tails = [np.full(n, source), problem.pair_customer]
    heads = [np.arange(n), n + problem.pair_rep]
    caps = [np.ones(n, dtype=np.int64), np.ones(len(cost), dtype=np.int64)]
    costs = [np.zeros(n, dtype=np.int64), np.round(cost * scale).astype(np.int64)]
    for j in range(m):
        for arc_cap, arc_cost in _sink_arcs(j, cap[j], problem, n, scale):
            tails.append(np.array([n + j]))
            heads.append(np.array([sink]))
            caps.append(np.array([arc_cap], dtype=np.int64))
            costs.append(np.array([arc_cost], dtype=np.int64))

    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n, -n]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        return None
    pair_flow = flow.flows(arcs[n : n + len(cost)])
    rep = np.full(n, -1, dtype=np.int64)
    used = pair_flow > 0
    rep[problem.pair_customer[used]] = problem.pair_rep[used]
    return EngineResult(
        rep=rep,
        status="optimal",
        engine=FLOW,
        wall_s=time.perf_counter() - start,
        note=f"costs scaled by {scale:.6g} to integers",
    )


def account_caps(problem: Problem, blocks) -> np.ndarray:
    """Per rep, the whole accounts ``blocks`` (account rows: coefficient 1) let it hold
    (``problem.n`` for a rep in no row)."""
    cap = np.full(problem.m, float(problem.n))
    for block in blocks:
        cap = np.minimum(cap, block.least_per_rep(problem.pair_rep, problem.m, block.upper))
    return np.floor(cap + 1e-9).astype(np.int64)


def min_cost_assignment(
    problem: Problem, pairs: np.ndarray, score: np.ndarray, cap: np.ndarray
) -> np.ndarray | None:
    """Each customer onto one of ``pairs`` (indices), at most ``cap[j]`` on rep j, least
    total ``score``: the rep per customer, or None when no such assignment exists."""
    n, m = problem.n, problem.m
    source, sink = n + m, n + m + 1
    top = max(float(np.abs(score[pairs]).max(initial=0.0)), 1e-9)
    tails = np.concatenate([np.full(n, source), problem.pair_customer[pairs], n + np.arange(m)])
    heads = np.concatenate([np.arange(n), n + problem.pair_rep[pairs], np.full(m, sink)])
    caps = np.concatenate([np.ones(n + len(pairs), dtype=np.int64), cap.astype(np.int64)])
    scaled = np.round(score[pairs] * (SCALE_TARGET / top)).astype(np.int64)
    costs = np.concatenate([np.zeros(n, dtype=np.int64), scaled, np.zeros(m, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n, -n]))
    if flow.solve() != flow.OPTIMAL:
        return None
    used = flow.flows(arcs[n : n + len(pairs)]) > 0
    rep = np.full(n, -1, dtype=np.int64)
    rep[problem.pair_customer[pairs[used]]] = problem.pair_rep[pairs[used]]
    return rep


def _sink_arcs(j: int, cap: int, problem: Problem, n: int, scale: float):
    """(capacity, unit cost) of rep j's arcs to the sink; convex in the number of accounts."""
    bal = problem.balance
    if bal is None or not bal.active[j]:
        return [(cap, 0)] if cap > 0 else []
    target = bal.shares[j] * n
    w = bal.weight * scale
    below = min(cap, math.floor(target))
    arcs = []
    if below > 0:
        arcs.append((below, round(-w)))
    if cap > below:
        step = (below + 1 - target) - abs(below - target)  # |below+1-T| - |below-T|
        arcs.append((1, round(w * step)))
    if cap > below + 1:
        arcs.append((cap - below - 1, round(w)))
    return arcs
