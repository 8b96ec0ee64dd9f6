"""The Lagrangian bound used above DUAL_MIN_PAIRS: valid for any multipliers, close to the
LP bound once the ascent has run, and its repaired plans keep every hard rule."""

from __future__ import annotations

import contextlib
import itertools
import time

import numpy as np
import pytest

import solver
from solver.models import auto, lagrangian
from solver.models.auto import FIRST_PLAN, Params
from solver.models.lagrangian import _Rows, subgradient_bound
from solver.models.lp import solve_lp
from solver.models.moves import descend
from solver.plan import evaluate
from tests.instances import make_instance

SCENARIO = {
    "as_of": "2027-01-01",
    "seed": 2,
    "weights": {"balance": 30.0},
    "rules": {"max_moves_pct": 50.0},
    "balance": [],
}


def _feasible(problem: solver.Problem, rep: np.ndarray) -> bool:
    chosen = problem.pair_index(rep)
    if (chosen < 0).any():
        return False
    for block in problem.blocks:
        rows = block.row[chosen]
        used = np.bincount(rows[rows >= 0], weights=block.coeff[chosen][rows >= 0],
                           minlength=len(block.upper))  # fmt: skip
        if (used > block.upper + 1e-9).any():
            return False
    return True


@pytest.fixture(scope="module")
def tiny() -> tuple[solver.Problem, float]:
    """8 customers, 3 reps, tight capacity: the true optimum by enumerating every plan."""
    customers, reps = make_instance(n=8, m=3, seed=4, slack=1.1, protected=1, leaving=False)
    problem = solver.Problem.build(customers, reps, SCENARIO)
    best = np.inf
    for combo in itertools.product(range(problem.m), repeat=problem.n):
        rep = np.array(combo)
        if _feasible(problem, rep):
            best = min(best, evaluate(problem, rep).total)
    assert np.isfinite(best)
    return problem, best


def test_any_multipliers_give_a_bound_below_the_true_optimum(tiny):
    problem, optimum = tiny
    rng = np.random.default_rng(0)
    rows = _Rows(problem)
    assert rows.weight > 0 and rows.blocks
    for _ in range(200):
        rows.mu = [rng.exponential(rng.choice([0.01, 1.0, 100.0]), len(m)) for m in rows.mu]
        rows.lam = np.where(rows.active, rng.uniform(-rows.weight, rows.weight, problem.m), 0.0)
        g, _, _ = rows.evaluate()
        assert g <= optimum + 1e-6 * abs(optimum)


def test_ascent_reaches_the_lp_bound_and_repairs_a_valid_plan():
    customers, reps = make_instance(n=600, m=15, seed=8, slack=1.3, protected=10)
    problem = solver.Problem.build(customers, reps, SCENARIO)
    lp = solve_lp(problem)
    dual = subgradient_bound(problem, 20.0, lambda r: evaluate(problem, r).total)
    assert dual.bound <= lp.bound + 1e-6 * abs(lp.bound)
    assert dual.bound >= lp.bound - 0.002 * abs(lp.bound)
    assert dual.plan is not None and _feasible(problem, dual.plan)
    assert dual.plan_cost == pytest.approx(evaluate(problem, dual.plan).total)
    assert dual.plan_cost >= lp.bound


def test_with_the_default_balance_tables_the_ascent_still_reaches_the_lp_bound():
    # a value band prices dollars, a workload band hours: the steps must not depend on units
    customers, reps = make_instance(n=600, m=15, seed=8, slack=1.3, protected=10)
    problem = solver.Problem.build(customers, reps, {"as_of": "2027-01-01", "seed": 2})
    assert [t.name for t in problem.soft] == ["balance[workload]", "balance[value]"]
    lp = solve_lp(problem)
    dual = subgradient_bound(problem, 20.0, lambda r: evaluate(problem, r).total)
    assert lp.bound - 0.002 * abs(lp.bound) <= dual.bound <= lp.bound + 1e-6 * abs(lp.bound)
    assert dual.plan is not None and _feasible(problem, dual.plan)


def test_large_instances_report_the_lagrangian_bound_in_the_certificate():
    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=8)
    problem = solver.Problem.build(customers, reps, SCENARIO)
    # this small model takes the path of models above lp_start_max_pairs (no restricted LP)
    params = Params(dual_min_pairs=1_000, lp_start_max_pairs=0)
    plan = solver.solve_problem(problem, time_limit_s=6, engine="lns", params=params)
    cert = plan.certificate
    assert cert["bound_source"].startswith("Lagrangian relaxation")
    assert cert["gap"] < 0.02
    assert cert["bound"] <= cert["objective"]  # the gap is clamped at 0: check the bound
    lp = solve_lp(problem)
    assert cert["bound"] <= lp.bound + 1e-6 * abs(lp.bound)


def test_when_the_ascent_cannot_repair_a_plan_the_first_plan_is_built_and_reported(
    monkeypatch,
):
    """On the large-model path, where the ascent's repair finds no plan (here: made to
    find none, as on clustered 100,000 x 1,000), a plan is filled, mended and improved
    from the reduced costs and reported first (progress label "first plan"), step by
    step, each no dearer; the search starts from it and the solve's checker passes its
    result."""
    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=8)
    problem = solver.Problem.build(customers, reps, SCENARIO)
    monkeypatch.setattr(lagrangian, "repair", lambda *_args, **_kw: None)
    heard: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def progress(label, _limit, _bound):
        yield lambda cost, _engine_bound: heard.append((label, cost))

    params = Params(dual_min_pairs=1_000, lp_start_max_pairs=0, first_plan_share=0.15)
    plan = solver.solve_problem(problem, time_limit_s=6, params=params, progress=progress)
    firsts = [cost for label, cost in heard if label == FIRST_PLAN]
    assert firsts and [label for label, _ in heard[: len(firsts)]] == [FIRST_PLAN] * len(firsts)
    assert firsts == sorted(firsts, reverse=True)
    assert firsts[-1] >= plan.objective - 1e-6 and firsts[-1] >= plan.certificate["bound"]
    assert heard[len(firsts)][1] == pytest.approx(firsts[-1])  # the search started from it
    assert plan.certificate["gap"] < 0.05


def test_the_first_plan_is_reported_where_the_ascent_repairs_one_and_kept_only_if_cheaper():
    """At the ascent's first repair the first plan is built whatever the repair found; the
    ascent keeps the cheaper of the two, and the first progress report is the repaired
    plan's cost (a user sees a plan as soon as there is one)."""
    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=8)
    problem = solver.Problem.build(customers, reps, SCENARIO)
    repaired: list[float] = []
    real = lagrangian.repair

    def spy(*args, **kwargs):
        plan = real(*args, **kwargs)
        repaired.append(evaluate(problem, plan).total if plan is not None else np.inf)
        return plan

    heard: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def progress(label, _limit, _bound):
        yield lambda cost, _engine_bound: heard.append((label, cost))

    params = Params(dual_min_pairs=1_000, lp_start_max_pairs=0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lagrangian, "repair", spy)
        plan = solver.solve_problem(problem, time_limit_s=6, params=params, progress=progress)
    firsts = [cost for label, cost in heard if label == FIRST_PLAN]
    assert np.isfinite(repaired[0]) and firsts[0] == pytest.approx(repaired[0])
    assert firsts == sorted(firsts, reverse=True) and len(firsts) > 1
    assert firsts[-1] <= repaired[0] + 1e-6
    assert plan.objective <= firsts[-1] + 1e-6


def test_the_hooks_time_does_not_count_against_the_ascent():
    """A hook that takes longer than the ascent's whole limit at the first repair: the
    ascent still steps on after it (the caller budgets the hook)."""
    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=8)
    problem = solver.Problem.build(customers, reps, SCENARIO)
    calls = []

    def slow(plan, cost, _reduced, _bound):
        calls.append(cost)
        if len(calls) == 1:
            time.sleep(0.6)
        return plan, cost

    objective = lambda r: evaluate(problem, r).total  # noqa: E731
    dual = subgradient_bound(problem, 0.5, objective, on_plan=slow)
    assert len(calls) >= 1 and dual.steps > lagrangian.REPAIR_EVERY  # it went on after it


def test_the_ascent_keeps_the_plan_its_hook_returns():
    """on_plan hears each cheaper repaired plan with that step's reduced costs (one per
    pair) and a bound no plan beats; the plan it returns, when cheaper, is the ascent's
    plan."""
    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=8)
    problem = solver.Problem.build(customers, reps, SCENARIO)
    objective = lambda r: evaluate(problem, r).total  # noqa: E731
    calls = []

    def hook(plan, cost, reduced, bound):
        assert reduced.shape == problem.pair_cost.shape and _feasible(problem, plan)
        assert bound <= cost + 1e-6 * abs(cost)
        improved, _ = descend(problem, plan)
        calls.append(objective(improved))
        return improved, calls[-1]

    dual = subgradient_bound(problem, 2.0, objective, max_steps=200, on_plan=hook)
    assert calls and dual.plan_cost == pytest.approx(min(calls))
    assert dual.plan is not None and _feasible(problem, dual.plan)
    assert objective(dual.plan) == pytest.approx(dual.plan_cost)


@pytest.mark.parametrize("lp_share", [0.5, 0.0])
def test_without_floors_the_restricted_lp_bounds_and_starts_else_the_ascent_runs_on(lp_share):
    """Up to lp_start_max_pairs a large model's bound and start come from the restricted
    LP priced over every pair; with no time for it (shares 0, the first round's too) the
    ascent runs on and its bound is the certificate's. Either bound is at most the full
    LP's."""
    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=8)
    problem = solver.Problem.build(customers, reps, SCENARIO)
    assert not any(b.has_floors() for b in problem.blocks)
    params = Params(dual_min_pairs=1_000, lp_start_share=lp_share, lp_first_share=lp_share)
    plan = solver.solve_problem(problem, time_limit_s=6, engine="lns", params=params)
    cert = plan.certificate
    lp = solve_lp(problem)
    assert cert["bound"] <= lp.bound + 1e-6 * abs(lp.bound)
    assert cert["bound"] <= cert["objective"]
    if lp_share:
        assert cert["bound_source"].startswith("LP on each customer's cheapest pairs")
        assert cert["bound"] >= lp.bound - 1e-4 * abs(lp.bound)
    else:
        assert cert["bound_source"].startswith("Lagrangian relaxation")
    assert cert["gap"] < 0.02


def test_from_lp_wide_pairs_the_first_restricted_lp_keeps_fewer_pairs(monkeypatch):
    """From ``lp_wide_pairs`` pairs the first restricted LP starts from each customer's
    ``lp_wide_k`` cheapest pairs; its rounds still reach the LP optimum, which bounds
    and starts the solve."""
    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=8)
    problem = solver.Problem.build(customers, reps, SCENARIO)
    sizes = []
    real = auto.lp_start

    def spy(*args, **kwargs):
        sizes.append(kwargs["params"].k)
        return real(*args, **kwargs)

    monkeypatch.setattr(auto, "lp_start", spy)
    params = Params(dual_min_pairs=1_000, lp_wide_pairs=1_000, lp_wide_k=2)
    plan = solver.solve_problem(problem, time_limit_s=6, engine="lns", params=params)
    assert sizes == [2]
    cert = plan.certificate
    lp = solve_lp(problem)
    assert cert["bound_source"].startswith("LP on each customer's cheapest pairs")
    assert lp.bound - 1e-4 * abs(lp.bound) <= cert["bound"] <= lp.bound + 1e-6 * abs(lp.bound)
    assert cert["bound"] <= cert["objective"]
    assert cert["gap"] < 0.02
