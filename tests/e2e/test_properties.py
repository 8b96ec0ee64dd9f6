"""Properties every plan must have, on small random instances (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solver
from tests.instances import make_instance

instances = st.fixed_dictionaries(
    {
        "n": st.integers(5, 30),
        "m": st.integers(2, 5),
        "seed": st.integers(0, 10_000),
        "slack": st.floats(1.5, 3.0),
        "protected": st.integers(0, 3),
    }
)
weights = st.fixed_dictionaries(
    {
        "travel": st.sampled_from([0.0, 1.0, 3.0]),
        "specialty": st.sampled_from([0.0, 150.0]),
        "value_fit": st.sampled_from([0.0, 100.0]),
        "continuity": st.sampled_from([0.0, 60.0]),
        "balance": st.sampled_from([0.0, 2.0, 20.0]),
    }
)
rules = st.fixed_dictionaries(
    {
        "key_account_min_seniority": st.sampled_from([None, 2]),
        "max_moves_pct": st.sampled_from([None, 60.0]),
    }
)
engines = st.sampled_from(["auto", "cpsat", "lns", "milp"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances, w=weights, r=rules, engine=engines)
def test_every_plan_is_complete_valid_and_above_its_bound(inst, w, r, engine):
    customers, reps = make_instance(**inst)
    scenario = {
        "as_of": "2027-01-01",
        "time_limit_s": 3,
        "seed": 3,
        "engine": engine,
        "weights": w,
        "rules": r,
        "balance": [],  # the objective below is recomputed from the classic terms
    }
    try:
        plan = solver.solve(customers, reps, scenario)
    except solver.InfeasibleError as exc:
        assert exc.reasons  # an infeasible draw must still be explained
        return
    rows = plan.assignments
    # every input customer comes out exactly once, in input order
    assert list(rows["customer_id"]) == list(customers["customer_id"])
    # the independent checker finds nothing
    assert solver.check_plan(customers, reps, rows[["customer_id", "rep_id"]], scenario) == []
    # protected customers never move
    prot = customers["protected_rep"] != ""
    assert (rows.loc[prot, "rep_id"].to_numpy() == customers.loc[prot, "protected_rep"]).all()
    # capacity holds and leaving reps own nothing
    rep_table = plan.reps.set_index("rep_id")
    assert (rep_table["workload_hours"] <= rep_table["capacity_hours"] + 1e-6).all()
    assert (rep_table.loc[~rep_table["active"], "accounts"] == 0).all()
    # the LP bound never exceeds the plan's objective
    assert plan.bound <= plan.objective + 1e-6 * max(1.0, abs(plan.objective))
    # the objective is what the tables add up to: each account's pair cost plus the
    # balance term from the reps' loads and targets (both tables are rounded)
    active = rep_table["active"].astype(bool)
    deviation = (rep_table["balance_load"] - rep_table["balance_target"]).abs()[active].sum()
    tables = rows["cost_total"].sum() + w["balance"] * deviation
    assert np.isclose(tables, plan.objective, rtol=1e-4, atol=0.05 * (len(rows) + w["balance"]))


@settings(max_examples=8, deadline=None)
@given(inst=instances)
def test_same_seed_same_plan(inst):
    customers, reps = make_instance(**inst)
    scenario = {"as_of": "2027-01-01", "time_limit_s": 2, "seed": 11, "deterministic": True}
    try:
        first = solver.solve(customers, reps, scenario)
    except solver.InfeasibleError:
        return
    second = solver.solve(customers, reps, scenario)
    assert first.assignments.equals(second.assignments)
