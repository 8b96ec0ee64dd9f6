"""The greedy repair (models.warmstart): its plans keep every hard row, floors included, a
row over by many accounts is relieved in a few passes, and it gives up at its deadline."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import solver
from solver.check import check_plan
from solver.models import warmstart
from solver.models.warmstart import repair
from tests.instances import make_instance

SCENARIO = {
    "as_of": "2027-01-01",
    "seed": 1,
    "rules": {"max_moves_pct": 10.0},
    "balance": [{"measure": "accounts", "share": "equal", "band": [0.7, 1.3]}],
}


def cheapest(problem: solver.Problem) -> np.ndarray:
    """Each free account at its cheapest candidate rep, protected ones at theirs: far over
    the move budget, and some reps over or under their band."""
    cost = problem.pair_cost
    starts = problem.customer_starts()
    least = np.minimum.reduceat(cost, starts[:-1])
    first = np.flatnonzero(cost <= least[problem.pair_customer])
    _, at = np.unique(problem.pair_customer[first], return_index=True)
    rep = problem.pair_rep[first[at]]
    return np.where(problem.forced >= 0, problem.forced, rep)


def violations(customers, reps, scenario, rep: np.ndarray) -> list:
    plan = pd.DataFrame({"customer_id": customers.customer_id, "rep_id": reps.rep_id.values[rep]})
    return check_plan(customers, reps, plan, scenario)


@pytest.fixture(scope="module")
def book():
    customers, reps = make_instance(n=1500, m=10, seed=3, slack=1.4, protected=20)
    return customers, reps, solver.Problem.build(customers, reps, SCENARIO)


def test_a_move_budget_over_by_hundreds_is_relieved_in_a_few_passes(book, monkeypatch):
    customers, reps, problem = book
    start = cheapest(problem)
    moves = next(b for b in problem.blocks if b.kind == "moves")
    over = moves.usage(problem.pair_index(start))[0] - moves.upper[0]
    assert over > 500  # the start breaks the budget by hundreds of accounts
    passes = []  # each pass looks for the broken rows once
    counted = warmstart._broken
    monkeypatch.setattr(warmstart, "_broken", lambda *a: passes.append(1) or counted(*a))
    fixed = repair(problem, start)
    assert fixed is not None
    assert violations(customers, reps, SCENARIO, fixed) == []
    assert len(passes) <= 40  # one account per pass would take more than 500


@pytest.mark.parametrize("seed", range(6))
def test_repaired_plans_keep_every_ceiling_and_floor_from_random_starts(seed):
    customers, reps = make_instance(n=300, m=6, seed=seed, slack=1.3, protected=5)
    scenario = {**SCENARIO, "rules": {"max_moves_pct": 20.0}}
    problem = solver.Problem.build(customers, reps, scenario)
    rng = np.random.default_rng(seed)
    starts = problem.customer_starts()
    pick = starts[:-1] + rng.integers(0, np.diff(starts))  # a random candidate per account
    start = np.where(problem.forced >= 0, problem.forced, problem.pair_rep[pick])
    fixed = repair(problem, start)
    assert fixed is not None
    assert violations(customers, reps, scenario, fixed) == []


def test_the_repair_gives_up_once_its_deadline_has_passed(book):
    _, _, problem = book
    assert repair(problem, cheapest(problem), deadline=time.perf_counter()) is None
    assert repair(problem, cheapest(problem), deadline=time.perf_counter() + 600) is not None
