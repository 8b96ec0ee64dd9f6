"""Load bands through the matrix API and on the Lagrangian's path: every returned plan
keeps every floor and ceiling, and a band set no plan can meet is reported, never
returned as a plan (hypothesis, against a brute-force search over every assignment)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solver
from solver.check import check_matrix_plan
from solver.models.auto import Params
from tests.e2e.test_band_properties import band_case, held_or_reported, tables


def best_plan(cost, work, cap, floor, margin: float) -> float | None:
    """The cheapest assignment keeping every band with ``margin`` to spare (None: none)."""
    n, m = cost.shape
    best = None
    for owners in itertools.product(range(m), repeat=n):
        load = np.bincount(owners, weights=work[np.arange(n), owners], minlength=m)
        if np.any(load > cap - margin) or np.any(load < floor + margin * (floor > 0)):
            continue
        total = float(cost[np.arange(n), owners].sum())
        best = total if best is None else min(best, total)
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 6),
    m=st.integers(2, 3),
    alpha=st.sampled_from([0.3, 0.6, 0.9]),
    engine=st.sampled_from(["auto", "cpsat", "lns", "milp"]),
)
def test_matrix_floors_hold_in_every_plan_and_impossible_ones_are_reported(
    seed, n, m, alpha, engine
):
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 20, (n, m)).astype(float)
    work = rng.integers(1, 10, (n, m)).astype(float)
    cap = np.full(m, float(work.max(axis=1).sum()) / m * 1.2)
    floor = alpha * cap
    scenario = {"time_limit_s": 2, "seed": 1, "engine": engine}
    problem = solver.Problem.from_matrices(cost, work, cap, min_load=floor, scenario=scenario)
    try:
        plan = solver.solve_problem(problem)
    except solver.InfeasibleError as exc:
        assert exc.reasons
        assert best_plan(cost, work, cap, floor, -1e-6) is None
        return
    assert check_matrix_plan(work, cap, plan.rep_index, floor) == []
    optimum = best_plan(cost, work, cap, floor, 0.0)
    assert optimum is not None and plan.objective >= optimum - 1e-6


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(4, 6), tables=tables)
def test_bands_on_the_lagrangian_path_hold_or_are_reported(seed, n, tables):
    # the bound from the Lagrangian (as above 300,000 pairs), the elastic LP before it
    customers, reps, scenario = band_case(seed, n, tables)

    def solve():
        problem = solver.Problem.build(customers, reps, scenario)
        return solver.solve_problem(problem, params=Params(dual_min_pairs=0))

    held_or_reported(customers, reps, scenario, solve)
