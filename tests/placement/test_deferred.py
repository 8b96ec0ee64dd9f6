"""A placement's plan builds its tables and metrics when first read: the same tables and
metrics an eager build makes, and a plain Plan once pickled or replaced."""

from __future__ import annotations

import dataclasses
import pickle

import pandas as pd

import solver
from solver.placement import StandingBook, place
from solver.plan import DeferredPlan, Plan, build_plan
from tests.instances import make_instance

SCENARIO = {"as_of": "2027-01-01", "time_limit_s": 5, "seed": 1, "deterministic": True,
            "weights": {"balance": 30.0}}  # fmt: skip


def _placed(tmp_path):
    customers, reps = make_instance(n=45, m=5, seed=3, slack=1.8, protected=3)
    solver.solve(customers.head(40), reps, SCENARIO).write(tmp_path / "standing")
    new = customers.tail(5).reset_index(drop=True)
    new = new.assign(customer_id=[f"N{k}" for k in range(5)], current_rep="",
                     protected_rep="", protected_until="")  # fmt: skip
    return place(StandingBook.from_folder(tmp_path / "standing"), new)


def test_the_tables_wait_until_read_and_equal_an_eager_build(tmp_path):
    placement = _placed(tmp_path)
    plan = placement.plan
    assert isinstance(plan, DeferredPlan) and not plan.built
    assert plan.objective == plan.certificate.objective  # the certificate is there at once
    cert = plan.certificate.replace(objective=None, objective_terms=None, gap=None)
    eager = build_plan(plan.problem, plan.rep_index, cert)
    pd.testing.assert_frame_equal(plan.reps, eager.reps)
    assert plan.built
    assert plan.metrics.as_dict() == eager.metrics.as_dict()
    # the standing rows' reasons come from the book's prepared parts: the same words
    pd.testing.assert_frame_equal(plan.assignments, eager.assignments)
    assert plan.certificate.objective == eager.certificate.objective


def test_a_deferred_plan_pickles_and_replaces_as_a_plan(tmp_path):
    plan = _placed(tmp_path).plan
    back = pickle.loads(pickle.dumps(plan))
    assert type(back) is Plan
    pd.testing.assert_frame_equal(back.assignments, plan.assignments)
    assert back.file_bytes() == plan.file_bytes()
    fresh = _placed(tmp_path / "again").plan
    relabelled = dataclasses.replace(fresh, certificate=fresh.certificate.replace(engine="x"))
    assert relabelled.certificate.engine == "x"
    pd.testing.assert_frame_equal(relabelled.assignments, fresh.assignments)
    assert "5 reps" in repr(relabelled)


def test_the_new_rows_are_the_tables_rows_without_building_it(tmp_path):
    placement = _placed(tmp_path)
    rows = placement.new_rows()
    assert not placement.plan.built
    assert sorted(rows["customer_id"]) == sorted(placement.new_ids)
    table = placement.plan.assignments.set_index("customer_id")
    for row in rows.itertuples():
        assert table.loc[row.customer_id, "rep_id"] == row.rep_id
        assert table.loc[row.customer_id, "reason"] == row.reason
