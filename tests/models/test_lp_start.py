"""Large models with two-sided bands: the Lagrangian ascent on scaled rows reaches the LP
bound, the restricted LP's priced bound stays below the LP optimum at every round, its
rounded plan keeps every band, the portfolio reports its bound, and CP-SAT counts building
its model before its deadline."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import solver
from solver.models.auto import Params
from solver.models.cpsat import solve_cpsat
from solver.models.lagrangian import subgradient_bound
from solver.models.lp import build_lp, cheapest_per_customer, pricing_rounds, solve_lp
from solver.models.lp_start import Params as LpParams
from solver.models.lp_start import lp_start
from solver.plan import evaluate
from tests.instances import make_instance

BANDS = {
    "as_of": "2027-01-01",
    "gap_tolerance": None,
    "stall_share": None,
    "balance": [
        {"measure": "value", "share": "equal", "band": [0.8, 1.25]},
        {"measure": "workload", "band": [0.85, 1.15]},
    ],
}


@pytest.fixture(scope="module")
def banded() -> tuple[pd.DataFrame, pd.DataFrame, solver.Problem, float]:
    """600 accounts, 15 reps, a value band (equal shares) and a workload band; its LP bound."""
    customers, reps = make_instance(n=600, m=15, seed=8, slack=1.3, protected=10)
    problem = solver.Problem.build(customers, reps, BANDS)
    lp = solve_lp(problem)
    assert lp.bound is not None
    return customers, reps, problem, lp.bound


def _cost(problem: solver.Problem):
    return lambda rep: evaluate(problem, rep).total


def test_the_ascent_with_both_bands_reaches_the_lp_bound(banded):
    # unscaled, the value band's dollars swamped the hours rows: 2.3 % below after 3 s
    _, _, problem, bound = banded
    dual = subgradient_bound(problem, 3.0, _cost(problem))
    assert dual.bound <= bound + 1e-6 * abs(bound)
    assert dual.bound >= bound - 0.002 * abs(bound)


@pytest.mark.parametrize("narrow", [None, 1])
def test_every_round_of_the_restricted_lp_bounds_and_reaches_the_lp_optimum(banded, narrow):
    # narrow=1: each later round on the last solution's pairs, 1 cheapest per customer and
    # the entering ones; the dropped pairs are still priced, so every bound stays valid
    _, _, problem, bound = banded
    keep = cheapest_per_customer(problem, problem.pair_cost, 2)
    rounds = list(pricing_rounds(problem, build_lp(problem), keep, None, 30, 2, narrow=narrow))
    assert len(rounds) >= 2  # two cheapest pairs are not enough: pairs enter
    for r in rounds:
        assert r.bound <= bound + 1e-6 * abs(bound)
    assert rounds[-1].entering == 0 and rounds[-1].slack <= 1e-6
    assert rounds[-1].bound == pytest.approx(bound, rel=1e-6)


def test_the_rounded_restricted_lp_keeps_every_band(banded):
    customers, reps, problem, bound = banded
    dual = subgradient_bound(problem, 1.0, _cost(problem))
    now = time.perf_counter()
    got = lp_start(problem, dual.excess, now + 30.0, 10.0, now + 60.0)
    assert got.holds and got.bound is not None and got.plan is not None
    assert got.bound <= bound + 1e-6 * abs(bound)
    rows = pd.DataFrame({"customer_id": problem.customer_ids, "rep_id": problem.rep_ids[got.plan]})
    assert solver.check_plan(customers, reps, rows, BANDS) == []
    assert evaluate(problem, got.plan).total >= bound - 1e-6 * abs(bound)


def test_the_large_model_path_reports_the_restricted_lp_bound(banded):
    # the Lagrangian path of large models, on a small one: no CP-SAT on the whole model
    customers, reps, problem, bound = banded
    params = Params(dual_min_pairs=1_000, whole_model_pairs=0, beside_max_pairs=0)
    plan = solver.solve_problem(problem, time_limit_s=6.0, params=params)
    cert = plan.certificate
    assert cert.bound is not None
    assert bound - 0.001 * abs(bound) <= cert.bound <= bound + 1e-6 * abs(bound)
    rows = plan.assignments[["customer_id", "rep_id"]]
    assert solver.check_plan(customers, reps, rows, BANDS) == []


def test_cpsat_counts_building_its_model_before_its_deadline():
    # 234k pairs take about 12 s to build as a CP-SAT model: a deadline 0.5 s on ends it
    customers, reps = make_instance(n=6000, m=40, seed=1)
    problem = solver.Problem.build(customers, reps, {"as_of": "2027-01-01"})
    assert len(problem.pair_rep) > 200_000
    start = time.perf_counter()
    assert solve_cpsat(problem, 0.5, 0, 1, deadline=start + 0.5) is None
    assert time.perf_counter() - start < 6.0


def test_cpsat_past_its_deadline_builds_nothing():
    customers, reps = make_instance(n=40, m=5, seed=1)
    problem = solver.Problem.build(customers, reps, {"as_of": "2027-01-01"})
    assert solve_cpsat(problem, 10.0, 0, 1, deadline=time.perf_counter() - 1.0) is None
    found = solve_cpsat(problem, 10.0, 0, 1, deadline=time.perf_counter() + 10.0)
    assert found is not None and np.all(found.rep >= 0)


def test_a_known_plans_pairs_let_the_first_restricted_lp_hold_without_slack(banded):
    """Each customer's cheapest pair alone cannot hold both bands, so the first restricted
    LP needs its artificial slacks; with a known plan's pairs beside them it holds (on
    clustered 100,000 x 1,000 that took the rounds from 2 to 8 in the same time)."""
    _, _, problem, _ = banded
    dual = subgradient_bound(problem, 1.0, _cost(problem))
    now = time.perf_counter()
    one_round = LpParams(k=1, rounds=1)
    alone = lp_start(problem, dual.excess, now + 30.0, 10.0, now + 60.0, params=one_round)
    assert alone.rounds == 1 and not alone.holds
    known = solver.solve_problem(problem, time_limit_s=5.0).assignments
    rep_of = dict(zip(known["customer_id"], known["rep_id"], strict=True))
    index = {rep_id: j for j, rep_id in enumerate(problem.rep_ids)}
    plan = np.array([index[rep_of[c]] for c in problem.customer_ids])
    got = lp_start(
        problem, dual.excess, now + 30.0, 10.0, now + 60.0, params=one_round, known_plan=plan
    )
    assert got.rounds == 1 and got.holds and got.plan is not None
