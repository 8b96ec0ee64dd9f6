"""The placement built on the standing book's parts writes the very plan folder a full
rebuild writes: the same bytes in every file, in deterministic runs, over the terms and
rules that read the whole book (value relative to the mean, workload balance, a value
band whose floors grow with the book, protections, a leaving rep, an unplaceable account).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import solver
from solver.inputs.facts import Facts
from solver.models.base import rep_from_x
from solver.models.lp import solve_milp
from solver.placement import StandingBook, place
from solver.placement.batch import batch_cost, batch_model
from solver.placement.exhaustive import greedy
from solver.placement.increment import CUSTOMER_FIELDS, fast_layout, prepare
from solver.placement.layout import build_layout, combined_customers
from solver.placement.placing import read_new_accounts
from tests.instances import make_instance

BASE = {"as_of": "2027-01-01", "time_limit_s": 5, "seed": 1, "deterministic": True}
SCENARIOS = {
    "balance and value fit": {**BASE, "weights": {"balance": 30.0, "value_fit": 5.0}},
    "value band": {
        **BASE,
        "balance": [{"measure": "value", "share": "equal", "band": [0.5, 2.0]}],
    },
    "accounts as workload": {**BASE, "workload_unit": "accounts"},
}


def _standing(tmp_path, scenario: dict) -> tuple[StandingBook, pd.DataFrame]:
    customers, reps = make_instance(n=58, m=6, seed=7, slack=1.8, protected=4)
    plan = solver.solve(customers.head(48), reps, scenario)
    plan.write(tmp_path / "standing")
    new = customers.tail(10).reset_index(drop=True)
    new = new.assign(customer_id=[f"N{k}" for k in range(10)], current_rep="",
                     protected_rep="", protected_until="")  # fmt: skip
    new.loc[3, ["protected_rep", "protected_until"]] = [reps["rep_id"][1], "2027-06-30"]
    return StandingBook.from_folder(tmp_path / "standing"), new


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_incremental_plan_is_the_full_rebuild_file_for_file(tmp_path, name):
    book, new = _standing(tmp_path, SCENARIOS[name])
    fast = place(book, new)
    full = place(book, new, rebuild=True)
    assert fast.file_bytes() == full.file_bytes()
    # the standing rows are the standing plan's: same rep, unchanged, kept
    table = fast.plan.assignments.set_index("customer_id")
    standing = book.customers.set_index("customer_id")["current_rep"]
    assert (table.loc[standing.index, "rep_id"] == standing).all()
    assert not table.loc[standing.index, "changed"].any()
    customers = combined_customers(book.customers, new)
    rows = fast.plan.assignments[["customer_id", "rep_id"]]
    assert solver.check_plan(customers, book.reps, rows, book.scenario) == []


def test_an_unplaceable_account_leaves_the_same_plan_both_ways(tmp_path):
    book, new = _standing(tmp_path, SCENARIOS["balance and value fit"])
    new.loc[0, "effort_hours"] = 100_000.0  # more than any rep's capacity
    fast, full = place(book, new), place(book, new, rebuild=True)
    assert [u.customer_id for u in fast.unplaced] == ["N0"]
    assert fast.unplaced == full.unplaced
    assert fast.file_bytes() == full.file_bytes()


def test_the_combined_problem_is_the_full_layouts(tmp_path):
    book, new = _standing(tmp_path, SCENARIOS["value band"])
    scn = book.scenario.replace(rules={"max_moves": None, "max_moves_pct": None})
    customers = combined_customers(book.customers, read_new_accounts(new, book, scn))
    standing_rep = np.concatenate([book.rep, np.full(len(new), -1)])
    full = build_layout(customers, book.reps, scn, standing_rep, np.zeros(len(customers), bool))
    fast = fast_layout(prepare(book.customers, book.reps, book.rep, scn), customers, book.reps)
    assert fast is not None
    a, b = fast.problem, full.problem
    for name in ("pair_customer", "pair_rep", "pair_workload", "pair_load", "forced"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for name in b.pair_terms:
        np.testing.assert_array_equal(a.pair_terms[name], b.pair_terms[name])
    for x, y in zip(a.blocks, b.blocks, strict=True):
        for part in ("row", "coeff", "upper", "lower"):
            np.testing.assert_array_equal(getattr(x, part), getattr(y, part))
    whole = Facts.build(customers, book.reps, scn)
    for name in CUSTOMER_FIELDS:
        np.testing.assert_array_equal(getattr(a.facts, name), getattr(whole, name))
    np.testing.assert_array_equal(fast.in_batch, full.in_batch)


def test_a_new_segment_or_an_allowed_move_rebuilds_in_full(tmp_path):
    book, new = _standing(tmp_path, SCENARIOS["balance and value fit"])
    new.loc[0, "segment"] = "a segment no standing account has"
    fast, full = place(book, new), place(book, new, rebuild=True)
    assert fast.file_bytes() == full.file_bytes()
    moved = place(book, new, allow_moves=2)
    assert len(moved.moved) <= 2


def test_a_tiny_batch_is_proved_by_pricing_every_plan_and_agrees_with_milp(tmp_path):
    book, new = _standing(tmp_path, SCENARIOS["balance and value fit"])
    result = place(book, new.head(1))
    batch = result.batch
    assert batch.engine == "enumeration" and batch.status == "optimal"
    assert batch.bound == batch.objective
    model = _model(book, new.head(1))
    milp = solve_milp(model.problem, 30.0)
    cost = batch_cost(model.problem, rep_from_x(model.problem, milp.x))[0]
    assert batch.objective == pytest.approx(cost, rel=1e-9, abs=1e-6)


def test_the_greedy_fallback_plan_holds_every_row_and_costs_no_less(tmp_path):
    book, new = _standing(tmp_path, SCENARIOS["balance and value fit"])
    model = _model(book, new)
    problem = model.problem
    fallback = greedy(problem, lambda rep: batch_cost(problem, rep)[0])
    assert fallback is not None
    chosen = problem.pair_index(fallback.rep)
    assert (chosen >= 0).all()
    for block in problem.blocks:
        assert (block.usage(chosen) <= block.upper + 1e-9).all()
    assert batch_cost(problem, fallback.rep)[0] >= place(book, new).batch.bound - 1e-6


def _model(book: StandingBook, new: pd.DataFrame):
    scn = book.scenario.replace(rules={"max_moves": None, "max_moves_pct": None})
    customers = combined_customers(book.customers, read_new_accounts(new, book, scn))
    standing = prepare(book.customers, book.reps, book.rep, scn)
    return batch_model(fast_layout(standing, customers, book.reps))
