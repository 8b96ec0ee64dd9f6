"""The large models' first plan: the fill keeps every ceiling it can, the flow mends what
the one-move repair cannot (a chain through a rep at its account limit), and the whole
first plan passes the independent checker."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd

import solver
from benchmarks.shapes import make_clustered
from solver.models.first_plan import FAR, first_plan, mend_by_flow
from solver.models.warmstart import fill, repair
from solver.plan import evaluate


def _rows_hold(problem: solver.Problem, rep: np.ndarray) -> bool:
    chosen = problem.pair_index(rep)
    return all(
        (b.usage(chosen) <= b.upper + 1e-9).all() and (b.usage(chosen) >= b.lower - 1e-9).all()
        for b in problem.blocks
    )


def _chain() -> tuple[solver.Problem, np.ndarray]:
    """Three accounts A want rep 0 (else rep 1), two accounts B want rep 1 (else rep 2);
    every rep holds at most 2 accounts, and a pair an account may not take weighs more
    hours than any rep has. The cheapest choice puts 3 on rep 0; an A can only go to rep
    1, which is full: only the chain B -> rep 2, A -> rep 1 mends it."""
    big = 100.0
    cost = np.array([[0, 5, 0], [0, 5, 0], [0, 5, 0], [0, 0, 5], [0, 0, 5]], dtype=float)
    work = np.array([[1, 1, big]] * 3 + [[big, 1, 1]] * 2)
    problem = solver.Problem.from_matrices(cost, work, np.full(3, 10.0))
    hours = problem.blocks[0]
    accounts = dataclasses.replace(
        hours, rule="accounts", kind="accounts", coeff=np.ones(15), upper=np.full(3, 2.0)
    )
    problem = dataclasses.replace(problem, blocks=(hours, accounts))
    return problem, np.array([0, 0, 0, 1, 1])


def test_the_flow_mends_a_chain_the_one_move_repair_cannot() -> None:
    problem, cheapest = _chain()
    assert repair(problem, cheapest) is None  # every single move breaks a row
    mended = mend_by_flow(problem, cheapest, problem.pair_cost, time.perf_counter() + 10)
    assert mended is not None and _rows_hold(problem, mended)
    assert sorted(mended.tolist()) == [0, 0, 1, 1, 2]
    assert evaluate(problem, mended).total == 10.0  # one A and one B moved, no more


def test_the_fill_overfills_a_row_only_by_the_accounts_that_found_no_room() -> None:
    problem, cheapest = _chain()
    filled = fill(problem, problem.pair_cost)
    assert filled is not None
    chosen = problem.pair_index(filled)
    over = problem.blocks[1].usage(chosen) - problem.blocks[1].upper
    assert over.clip(0).sum() == 1  # the third A: reps 0 and 1 full, rep 2 too far
    roomy = dataclasses.replace(
        problem,
        blocks=(problem.blocks[0], dataclasses.replace(problem.blocks[1], upper=np.full(3, 3.0))),
    )
    filled = fill(roomy, roomy.pair_cost)
    assert filled is not None and _rows_hold(roomy, filled)
    np.testing.assert_array_equal(filled, cheapest)


def test_the_first_plan_of_a_clustered_book_passes_the_checker() -> None:
    customers, reps = make_clustered(1200, 24, 3)
    scenario = {"as_of": "2027-01-01", "gap_tolerance": None, "stall_share": None}
    problem = solver.Problem.build(customers, reps, scenario)
    plan = first_plan(problem, problem.pair_cost, time.perf_counter() + 20)
    assert plan is not None
    forced = problem.forced >= 0
    np.testing.assert_array_equal(plan[forced], problem.forced[forced])
    table = pd.DataFrame({"customer_id": problem.customer_ids, "rep_id": problem.rep_ids[plan]})
    assert solver.check_plan(customers, reps, table, problem.scenario) == []


def test_the_descents_run_only_on_a_mended_plan_near_the_bound() -> None:
    """The plan is heard after the mend and after each descent, each no dearer; given a
    bound the mended plan sits far above (more than ``FAR``), the descents are skipped."""
    customers, reps = make_clustered(1200, 24, 3)
    scenario = {"as_of": "2027-01-01", "gap_tolerance": None, "stall_share": None}
    problem = solver.Problem.build(customers, reps, scenario)
    heard: list[float] = []

    def hear(plan: np.ndarray) -> float:
        heard.append(evaluate(problem, plan).total)
        return heard[-1]

    plan = first_plan(problem, problem.pair_cost, time.perf_counter() + 20, on_plan=hear)
    assert plan is not None and len(heard) == 3
    assert heard == sorted(heard, reverse=True) and heard[-1] < heard[0]
    assert evaluate(problem, plan).total == heard[-1]
    far_below = heard[0] / (1 + FAR) - 1.0
    heard.clear()
    plan = first_plan(
        problem, problem.pair_cost, time.perf_counter() + 20, on_plan=hear, bound=far_below
    )
    assert plan is not None and len(heard) == 1
