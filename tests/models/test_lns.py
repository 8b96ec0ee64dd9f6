"""Neighbourhood search: how groups of reps are chosen, and that search keeps every rule."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest

import solver
from solver.models import lns
from solver.models.lp import solve_lp
from solver.models.warmstart import lp_rounding
from solver.plan import evaluate
from tests.conftest import matrix_violations, tight_gap
from tests.instances import SMALL_SCENARIO, make_instance


def test_relatedness_counts_the_cheapest_other_reps():
    cost = np.array(
        [
            [0.0, 1.0, 5.0, 9.0],  # on rep 0; cheapest other: rep 1
            [7.0, 8.0, 0.0, 1.0],  # on rep 2; cheapest other: rep 3
            [2.0, 9.0, 9.0, 0.0],  # on rep 3; cheapest other: rep 0
        ]
    )
    problem = solver.Problem.from_matrices(cost, np.ones((3, 4)), np.full(4, 3.0))
    rep = np.array([0, 2, 3])
    top = lns.cheapest_pairs(problem, problem.pair_cost, alternatives=1)
    related = lns.relatedness(problem, rep, top, alternatives=1)
    expected = np.zeros((4, 4))
    for a, b in ((0, 1), (2, 3), (3, 0)):
        expected[a, b] += 1
        expected[b, a] += 1
    np.testing.assert_array_equal(related, expected)


def test_relatedness_skips_the_current_rep_even_when_it_is_not_the_cheapest():
    cost = np.array([[0.0, 1.0, 2.0, 3.0]])
    problem = solver.Problem.from_matrices(cost, np.ones((1, 4)), np.full(4, 1.0))
    top = lns.cheapest_pairs(problem, problem.pair_cost, alternatives=2)
    related = lns.relatedness(problem, np.array([1]), top, alternatives=2)
    # on rep 1, the two cheapest others are reps 0 and 2; rep 3 is not among them
    assert related[1, 0] == related[1, 2] == 1
    assert related[1, 3] == 0 and related.sum() == 4


@pytest.mark.parametrize("size", [1, 3, 6])
def test_a_group_has_its_size_starts_at_its_seed_and_skips_inactive_reps(size):
    rng = np.random.default_rng(0)
    related = rng.integers(0, 5, size=(8, 8)).astype(float)
    related += related.T
    active = np.array([True, True, False, True, True, True, False, True])
    for seed_rep in np.flatnonzero(active):
        group = lns.draw_group(rng, int(seed_rep), size, related, active)
        assert group[seed_rep] and group.sum() == size
        assert not (group & ~active).any()


def test_groups_follow_relatedness():
    related = np.zeros((6, 6))
    related[0, 1] = related[1, 0] = 100.0  # reps 0 and 1 share many near-alternatives
    rng = np.random.default_rng(1)
    picks = [
        np.flatnonzero(lns.draw_group(rng, 0, 2, related, np.ones(6, bool)))[1] for _ in range(200)
    ]
    assert np.mean(np.array(picks) == 1) > 0.9


def test_size_grows_on_proofs_and_backs_off_after_a_fruitless_step():
    sizer = lns.NeighbourhoodSize(largest=6)
    assert sizer.size == lns.NEIGHBOURHOOD_REPS == 4
    sizer.update(complete=True, improved=False)
    assert sizer.size == 5
    sizer.update(complete=False, improved=True)  # hard but useful: keep the size
    assert sizer.size == 5
    sizer.update(complete=False, improved=False)  # hard and useless: shrink, wait longer
    assert (sizer.size, sizer.patience) == (4, 2)
    sizer.update(complete=True, improved=True)
    assert sizer.size == 4  # one proof is no longer enough
    sizer.update(complete=True, improved=False)
    assert sizer.size == 5
    for _ in range(10):
        sizer.update(complete=True, improved=False)
    assert sizer.size == 6  # never beyond every rep
    for _ in range(10):
        sizer.update(complete=False, improved=False)
    assert sizer.size == lns.MIN_NEIGHBOURHOOD_REPS
    assert sizer.patience == lns.MAX_PATIENCE


def test_search_on_a_tight_gap_improves_and_keeps_capacities():
    problem = tight_gap(n=120, m=8, seed=3)
    lp = solve_lp(problem)
    start = lp_rounding(problem, lp.x)
    assert start is not None
    rep, stats = lns.improve(
        problem,
        start,
        time_limit_s=4.0,
        seed=0,
        workers=2,
        objective=lambda r: evaluate(problem, r).total,
        score=lp.excess,
    )
    assert matrix_violations(problem, rep) == []
    assert stats.end_cost == pytest.approx(evaluate(problem, rep).total)
    assert stats.end_cost < stats.start_cost
    assert stats.end_cost >= lp.bound - 1e-6
    assert lns.MIN_NEIGHBOURHOOD_REPS <= stats.size <= 8


def test_progress_hears_each_improvement_and_ends_at_the_plans_cost():
    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=6)
    scenario = {**SMALL_SCENARIO, "engine": "lns", "time_limit_s": 3}
    problem = solver.Problem.build(customers, reps, scenario)
    opened: list[tuple[str, float, float | None]] = []
    heard: list[float] = []

    @contextmanager
    def recorder(label: str, limit_s: float, bound: float | None):
        opened.append((label, limit_s, bound))
        yield lambda cost, _bound: heard.append(cost)

    plan = solver.solve_problem(problem, progress=recorder)
    [(label, limit_s, bound)] = opened
    assert label == "neighbourhood search" and 0 < limit_s <= 3.0
    assert bound == plan.certificate["bound"]
    assert heard and heard == sorted(heard, reverse=True)
    assert heard[-1] == pytest.approx(plan.objective)


def test_auto_hands_an_unproved_cpsat_plan_to_the_search():
    # one worker: no HiGHS beside the search (tests/models/test_branch_and_cut.py covers that)
    problem = tight_gap(n=200, m=10, seed=3, scenario={"workers": 1})
    plan = solver.solve_problem(problem, time_limit_s=4.0, engine="auto")
    cert = plan.certificate
    assert cert["engine"] == "cpsat+lns"
    assert cert["engine_note"].startswith("CP-SAT on the whole model for ")
    assert cert["bound"] <= plan.objective
    assert matrix_violations(problem, plan.rep_index) == []


def test_auto_stops_at_a_cpsat_proof():
    problem = tight_gap(n=12, m=3, seed=0, slack=1.0, scenario={"workers": 1})
    plan = solver.solve_problem(problem, time_limit_s=10.0, engine="auto")
    assert plan.certificate["engine"] == "cpsat"
    assert plan.certificate["status"] == "optimal"
    assert plan.objective == pytest.approx(plan.certificate["bound"])
