"""HiGHS branch-and-cut beside the search: the shared plan pool, the LP point of a plan, and
what `auto` returns when the two engines trade plans."""

from __future__ import annotations

import time

import numpy as np
import pytest

import solver
from solver.models import branch_and_cut
from solver.models.branch_and_cut import BranchAndCut
from solver.models.cpsat import solve_cpsat
from solver.models.incumbents import IncumbentPool, keeps_rows
from solver.plan import evaluate
from tests.conftest import matrix_violations, tight_gap
from tests.instances import SMALL_SCENARIO, make_instance

pytestmark = pytest.mark.skipif(
    not branch_and_cut.available(), reason="scipy without its HiGHS bindings"
)


def _pool(problem: solver.Problem) -> IncumbentPool:
    return IncumbentPool(problem, lambda r: evaluate(problem, r).total)


def test_pool_keeps_only_valid_and_strictly_cheaper_plans():
    cost = np.array([[1.0, 5.0], [1.0, 5.0], [4.0, 2.0]])
    work = np.ones((3, 2))
    problem = solver.Problem.from_matrices(cost, work, np.array([2.0, 3.0]))
    pool = _pool(problem)
    assert not pool.offer(np.array([0, 0, 0]), "a")  # rep 0 carries 3 > 2
    assert not keeps_rows(problem, np.array([0, 0, 0]))
    assert pool.offer(np.array([1, 1, 1]), "a")  # 12
    assert not pool.offer(np.array([1, 1, 1]), "b")  # not cheaper
    assert pool.offer(np.array([0, 0, 1]), "b")  # 4: the optimum
    best = pool.best
    assert (best.cost, best.source) == (4.0, "b")
    assert best.rep.tolist() == [0, 0, 1]


def test_branch_and_cut_proves_the_optimum_and_fills_the_pool():
    problem = tight_gap(n=24, m=4, seed=1)
    proof = solve_cpsat(problem, 30.0, seed=0, workers=2)
    assert proof is not None and proof.status == "optimal"
    pool = _pool(problem)
    proved: list[bool] = []
    mip = BranchAndCut(problem, pool, 30.0, lambda: proved.append(True))
    mip.start()
    outcome = mip.join(60.0)
    assert outcome is not None and outcome.proved and proved == [True]
    assert pool.best.cost == pytest.approx(evaluate(problem, proof.rep).total)
    assert outcome.bound == pytest.approx(pool.best.cost, rel=1e-6)
    assert matrix_violations(problem, pool.best.rep) == []


def test_branch_and_cut_stops_when_asked():
    problem = tight_gap(n=400, m=20, seed=2)  # far from proved in a few seconds
    mip = BranchAndCut(problem, _pool(problem), 120.0)
    t0 = time.perf_counter()
    mip.start()
    time.sleep(1.0)
    outcome = mip.finish()
    assert outcome is not None and not outcome.proved
    assert time.perf_counter() - t0 < 60.0


def test_branch_and_cut_told_to_run_to_its_limit_ends_by_that_limit():
    problem = tight_gap(n=400, m=20, seed=2)
    mip = BranchAndCut(problem, _pool(problem), 3.0)
    mip.start()
    outcome = mip.finish(run_to_limit=True)  # as the search does when its own time is up
    assert outcome is not None and outcome.status == "Time limit reached"
    stopped = BranchAndCut(problem, _pool(problem), 30.0)
    stopped.start()
    time.sleep(1.0)
    outcome = stopped.finish()
    assert outcome is not None and outcome.status == "Interrupted by user"


def test_auto_runs_branch_and_cut_beside_the_search_and_keeps_the_best_plan():
    problem = tight_gap(n=200, m=10, seed=3)
    plan = solver.solve_problem(problem, time_limit_s=4.0, engine="auto")
    cert = plan.certificate
    assert cert["engine"].endswith("+highs")
    assert "HiGHS branch-and-cut beside it" in cert["engine_note"]
    assert cert.stats.highs is not None and cert.stats.plan_by  # typed: HiGHS ran, who won
    assert matrix_violations(problem, plan.rep_index) == []
    assert cert["bound"] <= plan.objective + 1e-9
    alone = solver.solve_problem(
        tight_gap(n=200, m=10, seed=3, scenario={"workers": 1}), time_limit_s=4.0
    )
    assert "highs" not in alone.certificate["engine"]


def test_auto_on_a_small_model_ends_at_a_proof():
    problem = tight_gap(n=40, m=4, seed=5)
    t0 = time.perf_counter()
    plan = solver.solve_problem(problem, time_limit_s=60.0, engine="auto")
    assert time.perf_counter() - t0 < 30.0  # a proof ends the run long before the limit
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(plan.certificate["bound"], rel=1e-6)


def test_an_infeasible_model_fails_at_once_with_highs_beside():
    problem = tight_gap(n=60, m=5, seed=7, slack=0.3)  # 30 % of the work fits
    t0 = time.perf_counter()
    with pytest.raises(solver.InfeasibleError):
        solver.solve_problem(problem, time_limit_s=60.0, engine="auto")
    assert time.perf_counter() - t0 < 30.0  # HiGHS is stopped, not waited for


def test_deterministic_runs_leave_highs_out():
    problem = tight_gap(n=60, m=5, seed=6, scenario={"deterministic": True})
    plan = solver.solve_problem(problem, time_limit_s=2.0, engine="auto")
    assert "highs" not in plan.certificate["engine"]


def test_minute_rounded_limits_give_no_highs_bound():
    customers, reps = make_instance(n=40, m=4, seed=2, slack=1.4)
    scenario = {**SMALL_SCENARIO, "weights": {"balance": 0.0}}
    problem = solver.Problem.build(customers, reps, scenario)
    assert not problem.integer_rows_exact()  # fractions of a minute
    mip = BranchAndCut(problem, _pool(problem), 20.0)
    mip.start()
    outcome = mip.join(60.0)
    assert outcome is not None and outcome.bound is None and not outcome.proved


@pytest.mark.parametrize("broken", ["_model", "rep_from_x"])
def test_a_failing_highs_leaves_the_search_plan_standing(monkeypatch, broken):
    def fail(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    if broken == "_model":  # fails before HiGHS runs
        monkeypatch.setattr(BranchAndCut, "_model", fail)
    else:  # fails inside a callback, while HiGHS runs
        monkeypatch.setattr(branch_and_cut, "rep_from_x", fail)
    problem = tight_gap(n=80, m=6, seed=7)
    plan = solver.solve_problem(problem, time_limit_s=3.0, engine="auto")
    assert "failed (RuntimeError: broken on purpose)" in plan.certificate["engine_note"]
    assert matrix_violations(problem, plan.rep_index) == []
