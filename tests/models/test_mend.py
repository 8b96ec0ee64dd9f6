"""The mend of a plan that breaks band rows: its priced change of breach is exact, and it
turns a plan breaking both bands into one the checker passes."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import solver
from solver.constraints.base import integral_blocks
from solver.models.incumbents import keeps_rows
from solver.models.mend import Rows, close, mend
from tests.instances import make_instance
from tests.models.test_lp_start import BANDS


@pytest.fixture(scope="module")
def banded() -> tuple[pd.DataFrame, pd.DataFrame, solver.Problem]:
    customers, reps = make_instance(n=600, m=15, seed=8, slack=1.3, protected=10)
    return customers, reps, solver.Problem.build(customers, reps, BANDS)


def _cheapest(problem: solver.Problem) -> np.ndarray:
    """Each customer's cheapest rep (its forced one where it has one): breaks the bands."""
    order = np.lexsort((problem.pair_cost, problem.pair_customer))
    first = np.r_[True, problem.pair_customer[order][1:] != problem.pair_customer[order][:-1]]
    rep = problem.pair_rep[order[first]]
    return np.where(problem.forced >= 0, problem.forced, rep)


def _breach(problem: solver.Problem, blocks, rep: np.ndarray) -> float:
    return Rows(blocks, problem.pair_index(rep)).breach()


def test_the_priced_change_of_breach_is_the_change_of_the_plans_breach(banded):
    _, _, problem = banded
    blocks = integral_blocks(problem.blocks)
    rep = _cheapest(problem)
    chosen = problem.pair_index(rep)
    rows = Rows(blocks, chosen)
    before = rows.breach()
    assert before > 0
    rng = np.random.default_rng(3)
    cust = problem.pair_customer
    for k in (1, 2):
        for _ in range(40):
            accounts = rng.choice(problem.n, size=k, replace=False)
            starts = problem.customer_starts()
            new = np.array([rng.integers(starts[i], starts[i + 1]) for i in accounts])
            old = chosen[cust[new]]
            priced = rows.deltas(old[:, None], new[:, None])[0]
            moved = rep.copy()
            moved[accounts] = problem.pair_rep[new]
            assert priced == pytest.approx(_breach(problem, blocks, moved) - before, abs=1e-9)


@pytest.fixture(scope="module")
def mended(banded) -> np.ndarray:
    _, _, problem = banded
    plan = mend(problem, _cheapest(problem), time.perf_counter() + 60.0, seed=1, workers=1)
    assert plan is not None
    return plan


def test_the_mend_turns_a_plan_breaking_both_bands_into_one_the_checker_passes(banded, mended):
    customers, reps, problem = banded
    assert not keeps_rows(problem, _cheapest(problem))
    assert keeps_rows(problem, mended)
    rows = pd.DataFrame({"customer_id": problem.customer_ids, "rep_id": problem.rep_ids[mended]})
    assert solver.check_plan(customers, reps, rows, BANDS) == []


def test_cpsat_around_the_breached_reps_closes_what_the_moves_left(banded, mended):
    # a kept plan with one rep's two most valuable accounts moved off: its value floor breaks
    customers, reps, problem = banded
    blocks = integral_blocks(problem.blocks)
    value = problem.customers["value"].to_numpy()
    mine = np.flatnonzero((mended == 0) & (problem.forced < 0))
    rep = mended.copy()
    for i in mine[np.argsort(-value[mine])][:2]:
        others = problem.pair_rep[problem.pair_customer == i]
        rep[i] = others[others != 0][0]
    assert _breach(problem, blocks, rep) > 0
    plan = close(problem, blocks, rep, time.perf_counter() + 60.0, seed=2, workers=1)
    assert plan is not None and keeps_rows(problem, plan)
    rows = pd.DataFrame({"customer_id": problem.customer_ids, "rep_id": problem.rep_ids[plan]})
    assert solver.check_plan(customers, reps, rows, BANDS) == []
