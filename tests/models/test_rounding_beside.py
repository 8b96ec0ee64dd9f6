"""Plans rounded from the restricted LP's rounds in a thread beside the next round: each
keeps every hard rule, the cheapest is kept, the last solution offered is rounded at
close, an error in the thread reaches the caller, and a solve reports these plans and
starts its search from the cheapest."""

from __future__ import annotations

import contextlib
import time

import numpy as np
import pandas as pd
import pytest

import solver
from solver.models.auto import LP_ROUNDS, Params
from solver.models.lp_start import Params as LpParams
from solver.models.lp_start import lp_start
from solver.models.rounding_beside import RoundingBeside
from solver.plan import evaluate
from tests.instances import make_instance
from tests.models.test_lagrangian import SCENARIO


@pytest.fixture(scope="module")
def book() -> tuple[pd.DataFrame, pd.DataFrame, solver.Problem]:
    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=8)
    return customers, reps, solver.Problem.build(customers, reps, SCENARIO)


def _violations(book, rep: np.ndarray) -> list:
    """What the independent checker finds wrong with the plan ``rep`` (rep index per
    customer)."""
    customers, reps, problem = book
    rows = pd.DataFrame({"customer_id": problem.customer_ids, "rep_id": problem.rep_ids[rep]})
    return solver.check_plan(customers, reps, rows, SCENARIO)


def _costs(problem: solver.Problem, into: list[float]):
    """An ``on_plan`` that records each plan's cost in ``into``."""

    def on_plan(plan: np.ndarray) -> float:
        into.append(evaluate(problem, plan).total)
        return into[-1]

    return on_plan


def _rounds(problem: solver.Problem, on_round, settled: float = 0.0):
    """The restricted LP from the plain costs, each held round handed to ``on_round``."""
    far = time.perf_counter() + 60.0
    params = LpParams(k=2, settled=settled, settled_min_s=0.0)
    return lp_start(problem, problem.pair_cost, far, 5.0, far, params=params, on_round=on_round)


def test_each_round_is_rounded_into_a_valid_plan_and_the_cheapest_is_kept(book):
    _, _, problem = book
    heard: list[tuple[np.ndarray, float]] = []

    def on_plan(plan: np.ndarray) -> float:
        cost = evaluate(problem, plan).total
        heard.append((plan.copy(), cost))
        return cost

    offered = []
    beside = RoundingBeside(problem, on_plan, time.perf_counter() + 60.0, 5.0, workers=2)

    def offer(x, excess, _took_s):
        offered.append(x)
        beside.offer(x, excess)  # as from a slow round: rounded at once

    got = _rounds(problem, offer)
    best, best_cost = beside.close()
    assert got.holds and got.plan is None and not got.rounded_here  # the caller rounds
    assert offered and 1 <= beside.rounded <= len(offered)
    assert heard and best is not None
    assert best_cost == pytest.approx(min(cost for _, cost in heard))
    for plan, _ in heard:
        assert _violations(book, plan) == []
    assert evaluate(problem, best).total == pytest.approx(best_cost)
    assert best_cost >= got.bound - 1e-6 * abs(got.bound)


def test_a_solution_offered_just_before_close_is_still_rounded(book):
    _, _, problem = book
    got = _rounds(problem, None)
    costs: list[float] = []
    beside = RoundingBeside(problem, _costs(problem, costs), time.perf_counter() + 60.0, 5.0)
    beside.offer(got.x, got.excess)
    best, cost = beside.close()
    assert beside.rounded == 1 and best is not None and _violations(book, best) == []
    assert cost == min(costs)


def test_a_quick_rounds_solution_waits_for_close(book):
    """A solution from a round quicker than ``min_round_s`` is not rounded while the rounds
    run (they may be over first), only at close."""
    _, _, problem = book
    got = _rounds(problem, None)
    beside = RoundingBeside(problem, lambda plan: 0.0, time.perf_counter() + 60.0, 5.0)
    beside.offer(got.x, got.excess, took_s=0.01)
    time.sleep(0.5)  # an eager thread rounds it in about 2 ms here
    assert beside.rounded == 0
    best, _ = beside.close()
    assert beside.rounded == 1 and _violations(book, best) == []


def test_abandon_drops_the_waiting_solution_and_ends_the_thread(book):
    """When the caller unwinds from an error, the solution waiting is not rounded."""
    _, _, problem = book
    got = _rounds(problem, None)
    beside = RoundingBeside(problem, lambda plan: 0.0, time.perf_counter() + 60.0, 5.0)
    beside.offer(got.x, got.excess, took_s=0.01)  # waits for close
    beside.abandon()
    beside._thread.join(timeout=10.0)
    assert not beside._thread.is_alive() and beside.rounded == 0 and beside.best is None


def test_an_error_in_the_thread_reaches_close(book):
    _, _, problem = book
    beside = RoundingBeside(problem, lambda plan: 0.0, time.perf_counter() + 60.0, 5.0)
    beside.offer(np.zeros(3), np.zeros(3))  # not one value per pair
    with pytest.raises(ValueError, match="same shape"):
        beside.close()


def test_the_rounds_end_once_the_priced_bound_is_within_settled_of_the_optimum(book):
    _, _, problem = book
    held: list[np.ndarray] = []
    full = _rounds(problem, None, settled=0.0)
    early = _rounds(problem, lambda x, _excess, _took_s: held.append(x), settled=1.0)
    # any round that holds its rows is close enough: the first one ends them
    assert early.holds and len(held) == 1 and early.rounds < full.rounds


@pytest.mark.parametrize("beside", [True, False])
def test_a_solve_reports_the_plans_rounded_beside_and_starts_from_the_cheapest(book, beside):
    """On the restricted-LP path with two workers, the plans rounded beside the rounds are
    reported (label ``LP_ROUNDS``), each no dearer than the last, and the search's first
    report is the cheapest of them; the solve's own checker passes its plan."""
    customers, reps, problem = book
    heard: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def progress(label, _limit, _bound):
        yield lambda cost, _engine_bound: heard.append((label, cost))

    params = Params(dual_min_pairs=1_000, round_beside=beside)
    plan = solver.solve_problem(problem, time_limit_s=6, params=params, progress=progress)
    rounded = [cost for label, cost in heard if label == LP_ROUNDS]
    assert bool(rounded) == beside
    if beside:
        assert rounded == sorted(rounded, reverse=True)
        searched = [cost for label, cost in heard if label == "neighbourhood search"]
        assert searched[0] == pytest.approx(rounded[-1])
    assert plan.certificate["bound_source"].startswith("LP on each customer's cheapest pairs")
    rows = plan.assignments[["customer_id", "rep_id"]]
    assert solver.check_plan(customers, reps, rows, SCENARIO) == []
