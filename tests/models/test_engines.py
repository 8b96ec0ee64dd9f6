"""Engines: agreement with each other, with brute force, and with published GAP optima."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import solver
from benchmarks.gap_instances import GAP_DIR, best_known, read_orlib
from solver.errors import EngineCapabilityError
from solver.plan import evaluate
from tests.instances import NO_EARLY_STOP, SMALL_SCENARIO, make_instance

#: what the flow engine models exactly: account limits and the old workload term in
#: accounts, no [[balance]] tables
ACCOUNTS_ONLY = {
    **SMALL_SCENARIO,
    "workload_unit": "accounts",
    "rules": {"capacity_hours": False},
    "weights": {"balance": 30.0},
    "balance": [],
}


def brute_force(problem: solver.Problem) -> float:
    """Exact optimum by enumeration over candidate pairs (tiny instances only)."""
    starts = problem.customer_starts()
    options = [problem.pair_rep[starts[i] : starts[i + 1]] for i in range(problem.n)]
    best = np.inf
    for combo in itertools.product(*options):
        rep = np.array(combo)
        chosen = problem.pair_index(rep)
        ok = all(
            (
                np.bincount(
                    b.row[chosen][b.row[chosen] >= 0],
                    weights=b.coeff[chosen][b.row[chosen] >= 0],
                    minlength=len(b.upper),
                )
                <= b.upper + 1e-9
            ).all()
            for b in problem.blocks
        )
        if ok:
            best = min(best, evaluate(problem, rep).total)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_milp_matches_brute_force_with_every_term(seed):
    customers, reps = make_instance(n=7, m=3, seed=seed, slack=1.3, protected=1)
    scenario = {**SMALL_SCENARIO, "engine": "milp", "weights": {"balance": 5.0}}
    problem = solver.Problem.build(customers, reps, scenario)
    plan = solver.solve_problem(problem)
    assert plan.objective == pytest.approx(brute_force(problem), rel=1e-6)
    assert plan.bound <= plan.objective + 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cpsat_matches_brute_force_on_separable_terms(seed):
    customers, reps = make_instance(n=7, m=3, seed=seed, slack=1.3, protected=1)
    scenario = {**SMALL_SCENARIO, "engine": "cpsat", "weights": {"balance": 0.0}}
    problem = solver.Problem.build(customers, reps, scenario)
    plan = solver.solve_problem(problem)
    # travel makes the hours fractional, so CP-SAT's minute-rounded limits prove nothing
    assert plan.status == "feasible"
    assert plan.objective == pytest.approx(brute_force(problem), rel=1e-5)
    assert plan.bound <= plan.objective + 1e-6


@pytest.mark.parametrize("seed", [0, 3])
def test_flow_is_exact_and_agrees_with_cpsat_in_accounts_mode(seed):
    customers, reps = make_instance(n=30, m=4, seed=seed)
    reps["max_accounts"] = 12
    flow = solver.solve(customers, reps, {**ACCOUNTS_ONLY, "engine": "flow"})
    cpsat = solver.solve(customers, reps, {**ACCOUNTS_ONLY, "engine": "cpsat"})
    assert flow.status == "optimal"
    assert flow.gap == pytest.approx(0.0, abs=1e-6)
    assert flow.objective == pytest.approx(cpsat.objective, rel=1e-6)
    assert (flow.reps.set_index("rep_id")["accounts"] <= 12).all()


def test_auto_picks_flow_only_when_it_models_everything():
    customers, reps = make_instance(n=20, m=3)
    assert solver.solve(customers, reps, ACCOUNTS_ONLY).certificate["engine"] == "flow"
    engines = solver.solve(customers, reps, SMALL_SCENARIO).certificate["engine"].split("+")
    assert engines[0] == "cpsat" and "flow" not in engines
    defaults = {k: v for k, v in ACCOUNTS_ONLY.items() if k not in ("weights", "balance")}
    engines = solver.solve(customers, reps, defaults).certificate["engine"].split("+")
    assert "flow" not in engines  # the default value table is not a flow cost


def test_flow_refuses_what_it_cannot_model():
    customers, reps = make_instance(n=20, m=3)
    with pytest.raises(EngineCapabilityError, match="capacity_hours"):
        solver.solve(customers, reps, {**SMALL_SCENARIO, "engine": "flow"})


def test_deterministic_mode_repeats_the_same_plan():
    customers, reps = make_instance(n=60, m=5, seed=4)
    scenario = {**SMALL_SCENARIO, "deterministic": True, "time_limit_s": 2}
    first = solver.solve(customers, reps, scenario)
    second = solver.solve(customers, reps, scenario)
    assert first.assignments.equals(second.assignments)
    assert first.objective == second.objective


def test_from_matrices_solves_a_plain_gap():
    cost = np.array([[4, 1], [2, 3], [5, 1]])
    work = np.array([[1, 2], [1, 2], [1, 2]])
    plan = solver.solve_problem(solver.Problem.from_matrices(cost, work, np.array([3, 2])))
    # rep 1 fits one customer (workload 2): customer 2 there (1), customers 0, 1 on rep 0 (4 + 2)
    assert plan.objective == pytest.approx(7)
    assert list(plan.assignments["rep_id"]) == ["r0", "r0", "r1"]


@pytest.mark.skipif(not (GAP_DIR / "instances").exists(), reason="GAP instances not present")
@pytest.mark.parametrize("file", ["gap1", "gap4"])
def test_orlib_gap_optima_are_reached(file):
    known = best_known("max")
    for inst in read_orlib(GAP_DIR / "instances" / "orlib" / f"{file}.txt"):
        problem = solver.Problem.from_matrices(
            inst.cost, inst.workload, inst.capacity, maximize=True
        )
        plan = solver.solve_problem(problem, time_limit_s=10)
        assert plan.objective == pytest.approx(known[inst.name]), inst.name
        assert plan.bound >= plan.objective - 1e-6  # an upper bound for a maximisation


@pytest.mark.parametrize("balance", [0.0, 30.0])
def test_lp_by_pricing_gives_the_full_lp_bound(balance):
    from solver.models import lp

    customers, reps = make_instance(n=300, m=12, seed=6, slack=1.3, protected=5)
    scenario = {**SMALL_SCENARIO, "weights": {"balance": balance}, "rules": {"max_moves_pct": 40.0}}
    problem = solver.Problem.build(customers, reps, scenario)
    full = lp.solve_lp(problem)
    # priced from the smallest size, from 2 pairs a customer: several pricing rounds
    priced = lp.solve_lp(problem, pricing=lp.Pricing(min_pairs=0, start_k=2))
    assert priced.bound == pytest.approx(full.bound, rel=1e-7)
    assert np.bincount(problem.pair_customer, weights=priced.x) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_reduced_cost_fixing_keeps_the_optimal_plan(seed):
    from solver.models.auto import reduced_cost_fixing
    from solver.models.engine import Budget, Context
    from solver.models.lp import LpBound
    from solver.plan import evaluate

    customers, reps = make_instance(n=40, m=5, seed=seed, slack=1.4, protected=2)
    scenario = {**SMALL_SCENARIO, "engine": "milp", "weights": {"balance": 0.0}}
    problem = solver.Problem.build(customers, reps, scenario)
    bound = LpBound().run(problem, None, Context(Budget(10.0)))
    relaxation = bound.relaxation
    assert relaxation.lagrangian_bound <= relaxation.bound + 1e-6
    assert (relaxation.excess >= -1e-9).all()
    start = bound.rep  # the LP's rounded and repaired plan
    objective = lambda rep: evaluate(problem, rep).total  # noqa: E731
    search, upper = reduced_cost_fixing(problem, relaxation, start, objective)
    best = solver.solve_problem(problem)
    # every pair of the optimal plan survives the fixing, so the search can still find it
    assert (search.pair_index(best.rep_index) >= 0).all()
    assert upper >= best.objective - 1e-6


def test_lns_improves_its_start_and_keeps_every_rule():
    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=6)
    scenario = {
        **SMALL_SCENARIO,
        "engine": "lns",
        "time_limit_s": 4,
        "rules": {"max_moves_pct": 40.0},
        **NO_EARLY_STOP,  # the start's shifts alone can end it within the gap tolerance
    }
    plan = solver.solve(customers, reps, scenario)
    search = plan.certificate.stats.search  # the search's typed counters
    assert search.steps > 0 and search.end_cost <= search.start_cost
    assert plan.objective == pytest.approx(search.end_cost)
    assert solver.check_plan(customers, reps, plan.assignments, scenario) == []
    assert plan.bound <= plan.objective
