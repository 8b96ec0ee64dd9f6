"""The matching plan and the balance dual bound of a batch: the plan holds every row and
places what fits, the bound never exceeds the cost of any plan (the exact optimum by
HiGHS branch-and-bound, the LP bound), and a placement's certificate keeps bound <=
objective with them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import solver
from solver.models.base import rep_from_x
from solver.models.lp import solve_lp, solve_milp
from solver.placement import StandingBook, place
from solver.placement.balance_bound import balance_bound
from solver.placement.batch import PROOF_SIZE, batch_cost, batch_model
from solver.placement.increment import fast_layout, prepare
from solver.placement.layout import combined_customers
from solver.placement.matching import applies, matched
from solver.placement.placing import read_new_accounts
from tests.instances import make_instance

SCENARIO = {"as_of": "2027-01-01", "time_limit_s": 5, "seed": 1, "deterministic": True,
            "weights": {"balance": 30.0, "value_fit": 5.0}, "balance": []}  # fmt: skip


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A 24-account batch onto a 120-account book of 8 reps (one leaving)."""
    folder = tmp_path_factory.mktemp("book")
    customers, reps = make_instance(n=144, m=8, seed=11, slack=1.3, protected=4)
    solver.solve(customers.head(120), reps, SCENARIO).write(folder / "standing")
    book = StandingBook.from_folder(folder / "standing")
    new = customers.tail(24).reset_index(drop=True)
    new = new.assign(customer_id=[f"N{k}" for k in range(24)], current_rep="",
                     protected_rep="", protected_until="")  # fmt: skip
    return book, new, _model(book, new)


def _model(book: StandingBook, new: pd.DataFrame):
    """The batch model of placing ``new`` on ``book``, nothing movable."""
    scn = book.scenario.replace(rules={"max_moves": None, "max_moves_pct": None})
    combined = combined_customers(book.customers, read_new_accounts(new, book, scn))
    standing = prepare(book.customers, book.reps, book.rep, scn)
    return batch_model(fast_layout(standing, combined, book.reps))


def _cost(problem):
    return lambda rep: batch_cost(problem, rep)[0]


def test_the_matching_plan_holds_every_ceiling_and_places_what_fits(batch):
    _, _, model = batch
    problem = model.problem
    assert applies(problem)
    plan = matched(problem, model.size, _cost(problem), seconds=0.5)
    assert plan is not None and plan.engine == "matching"
    chosen = problem.pair_index(plan.rep)
    assert (chosen >= 0).all()
    for block in problem.blocks:
        assert (block.usage(chosen) <= block.upper + 1e-9).all()
    assert (
        plan.rep[model.size :] == problem.pair_rep[problem.customer_starts()[model.size : -1]]
    ).all()
    assert not (plan.rep[: model.size] == model.unplaced_rep).any()  # room for all of them


def test_the_matching_plan_leaves_out_an_account_no_rep_has_room_for(batch):
    _, _, model = batch
    problem = model.problem
    big = problem.pair_customer == 0
    blocks = tuple(
        dataclasses.replace(b, coeff=np.where(big & (b.row >= 0), 1e6, b.coeff))
        for b in problem.blocks
    )
    heavy = dataclasses.replace(problem, blocks=blocks)
    plan = matched(heavy, model.size, _cost(heavy), seconds=0.5)
    assert plan is not None
    assert plan.rep[0] == model.unplaced_rep
    assert (plan.rep[1 : model.size] != model.unplaced_rep).all()


def test_the_balance_dual_is_a_bound_below_the_optimum_and_the_lp(batch):
    _, _, model = batch
    problem = model.problem
    cost = _cost(problem)
    milp = solve_milp(problem, 60.0)
    optimum = cost(rep_from_x(problem, milp.x))
    lp = solve_lp(problem)
    dual = balance_bound(problem, optimum)
    separable = float(np.minimum.reduceat(problem.pair_cost, problem.customer_starts()[:-1]).sum())
    assert dual.engine_bound <= optimum + 1e-6
    assert dual.engine_bound <= lp.bound + 1e-6  # the LP also keeps the rows
    # and it does more than the separable costs alone: it prices the balance
    assert dual.engine_bound > separable + 0.5 * (lp.bound - separable)


def test_a_placements_certificate_keeps_its_bound_below_its_objective(batch):
    book, new, _ = batch
    result = place(book, new, time_limit_s=2.0)
    b = result.batch
    assert b.bound is not None and b.bound <= b.objective + 1e-6
    cert = result.plan.certificate
    assert cert.bound <= cert.objective + 1e-6
    assert result.placed == len(new)
    assert result.moved.empty
    table = result.plan.assignments
    standing = table[~table["customer_id"].isin(new["customer_id"])]
    owners = book.customers.set_index("customer_id")["current_rep"]
    assert (
        standing.set_index("customer_id")["rep_id"] == owners.loc[standing["customer_id"]]
    ).all()
    assert isinstance(table, pd.DataFrame)


def test_a_small_batch_is_proved_optimal_whatever_the_gap_tolerance(batch):
    book, new, _ = batch
    placed = place(book, new.head(PROOF_SIZE), book.scenario.replace(gap_tolerance=0.05),
                   time_limit_s=60.0)  # fmt: skip
    problem = _model(book, new.head(PROOF_SIZE)).problem
    optimum = batch_cost(problem, rep_from_x(problem, solve_milp(problem, 60.0).x))[0]
    assert placed.batch.status == "optimal"
    assert placed.batch.objective == pytest.approx(optimum, rel=1e-6)
    assert placed.batch.bound <= placed.batch.objective
