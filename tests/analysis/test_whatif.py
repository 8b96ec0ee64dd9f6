"""What-if cases (immutable variants) and plan comparison on hand-checkable plans."""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pytest

import solver
from solver.analysis.compare import Comparison, compare
from solver.analysis.whatif import Case
from solver.errors import ScenarioError
from solver.metrics import flat_numbers
from solver.plan import build_plan
from tests.instances import SMALL_SCENARIO, make_instance


@pytest.fixture
def inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    customers, reps = make_instance(n=30, m=5, seed=4, protected=3)
    customers["region"] = np.where(customers["lat"] < 33.2, "south", "north")
    reps["region"] = ["south", "north", "south", "east", "north"]
    return customers, reps


@pytest.fixture
def base(inputs) -> Case:
    return Case(*inputs, SMALL_SCENARIO)


def snapshot(case: Case) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    return case.customers, case.reps, case.scenario.model_dump()


def assert_same(case: Case, snap) -> None:
    pd.testing.assert_frame_equal(case.customers, snap[0])
    pd.testing.assert_frame_equal(case.reps, snap[1])
    assert case.scenario.model_dump() == snap[2]


VARIANTS = {
    "leave": lambda c: c.rep_leaves("R0"),
    "hire": lambda c: c.hire("R9", 33.0, -96.0, 300.0, specialties=["energy", "retail"]),
    "capacity": lambda c: c.scale_capacity(-10),
    "merge": lambda c: c.merge_regions("all", "north", "south"),
    "weights": lambda c: c.with_weights(travel=3.0),
    "rules": lambda c: c.with_rules(max_moves=5),
    "as_of": lambda c: c.as_of("2027-09-01"),
    "apply": lambda c: c.apply({"rep_leaves": "R1", "weights.balance": 1.0}),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_leaves_base_and_caller_frames_untouched(inputs, name):
    customers, reps = inputs
    given = (customers.copy(), reps.copy())
    base = Case(customers, reps, SMALL_SCENARIO)
    snap = snapshot(base)
    variant = VARIANTS[name](base)
    assert variant is not base and len(variant.changes) >= 1
    assert_same(base, snap)
    pd.testing.assert_frame_equal(customers, given[0])
    pd.testing.assert_frame_equal(reps, given[1])


def test_case_is_immutable_and_hands_out_copies(base):
    with pytest.raises(AttributeError, match="immutable"):
        base.scenario = solver.Scenario()  # type: ignore[misc]
    snap = snapshot(base)
    reps, customers = base.reps, base.customers
    reps.loc[0, "capacity_hours"] = 1.0
    customers.loc[0, "value"] = -5.0
    assert_same(base, snap)


def test_case_pickles_without_revalidating(base):
    variant = base.rep_leaves("R2")
    copy = pickle.loads(pickle.dumps(variant))
    assert copy.changes == variant.changes
    pd.testing.assert_frame_equal(copy.reps, variant.reps)


def test_invalid_input_fails_at_construction(inputs):
    customers, reps = inputs
    reps.loc[1, "capacity_hours"] = -3
    with pytest.raises(solver.InputError, match="capacity_hours"):
        Case(customers, reps, SMALL_SCENARIO)


def test_rep_leaves_deactivates_and_releases_its_protections(base):
    held = base.customers["protected_rep"] == "R0"
    assert held.any()
    variant = base.rep_leaves("R0")
    reps = variant.reps.set_index("rep_id")
    assert not reps.at["R0", "active"] and reps.drop("R0")["active"].tolist() == [
        True,
        True,
        True,
        False,  # R4 was leaving already
    ]
    after = variant.customers
    assert (after.loc[held, "protected_rep"] == "").all()
    assert after.loc[held, "protected_until"].isna().all()
    others = ~held & (base.customers["protected_rep"] != "")
    assert (after.loc[others, "protected_rep"] == base.customers.loc[others, "protected_rep"]).all()
    plan = variant.solve()
    assert "R0" not in set(plan.assignments["rep_id"])


def test_rep_leaves_unknown_rep_is_a_clear_error(base):
    with pytest.raises(KeyError, match="R77"):
        base.rep_leaves("R77")


def test_hire_adds_an_active_rep_with_the_given_facts(base):
    variant = base.hire(
        "R9", 33.1, -96.2, 250.0, specialties=["energy", "health"], seniority=5, badge="new"
    )
    rep = variant.reps.set_index("rep_id").loc["R9"]
    assert (rep["lat"], rep["lon"], rep["capacity_hours"]) == (33.1, -96.2, 250.0)
    assert rep["specialties"] == "energy;health" and rep["seniority"] == 5
    assert rep["active"] and rep["performance"] == 0.5 and np.isnan(rep["max_travel_km"])
    assert rep["badge"] == "new" and (variant.reps["badge"].iloc[:-1] == "").all()
    assert len(variant.reps) == len(base.reps) + 1
    plan = variant.solve()
    assert "R9" in set(plan.reps["rep_id"])
    with pytest.raises(ValueError, match="already exists"):
        variant.hire("R9", 33.0, -96.0, 10.0)
    with pytest.raises(solver.InputError, match="lat"):
        base.hire("R8", 95.0, -96.0, 10.0)


def test_scale_capacity_all_and_selected(base):
    cap = base.reps.set_index("rep_id")["capacity_hours"]
    down = base.scale_capacity(-10).reps.set_index("rep_id")["capacity_hours"]
    np.testing.assert_allclose(down, (cap * 0.9).round(3))
    some = base.scale_capacity(20, reps=["R1", "R3"]).reps.set_index("rep_id")["capacity_hours"]
    np.testing.assert_allclose(some[["R1", "R3"]], (cap[["R1", "R3"]] * 1.2).round(3))
    np.testing.assert_allclose(some.drop(["R1", "R3"]), cap.drop(["R1", "R3"]))


def test_merge_regions_relabels_both_tables(base):
    merged = base.merge_regions("central", "north", "south")
    assert set(merged.reps["region"]) == {"central", "east"}
    assert set(merged.customers["region"]) == {"central"}
    with pytest.raises(ValueError, match="no rep or customer"):
        base.merge_regions("x", "nowhere")
    solved = merged.with_rules(region=True).solve()
    assert set(solved.assignments["rep_id"]) <= {"R0", "R1", "R2"}


def test_scenario_variants_change_only_what_they_say(base):
    s = base.scenario
    w = base.with_weights(travel=3.0).scenario
    assert w.weights.travel == 3.0 and w.weights.balance == s.weights.balance
    assert w.rules == s.rules and w.as_of == s.as_of
    r = base.with_rules(max_moves=5, protection=False).scenario
    assert r.rules.max_moves == 5 and not r.rules.protection and r.weights == s.weights
    assert base.as_of("2027-09-01").scenario.as_of == dt.date(2027, 9, 1)


def test_moving_as_of_expires_protections(base):
    before = base.problem()
    after = base.as_of("2027-07-01").problem()  # the instance's protections end 2027-06-30
    assert (before.forced >= 0).sum() == 3
    assert (after.forced >= 0).sum() == 0


def test_apply_matches_the_chained_methods(base):
    spec = {
        "rep_leaves": "R1",
        "hire": [{"rep_id": "R8", "lat": 33.0, "lon": -96.0, "capacity_hours": 200.0}],
        "scale_capacity": -5,
        "weights.travel": 2.0,
        "rules.max_moves": 10,
        "time_limit_s": 3.0,
    }
    applied = base.apply(spec)
    chained = (
        base.rep_leaves("R1")
        .hire("R8", 33.0, -96.0, 200.0)
        .scale_capacity(-5)
        .with_scenario(weights={"travel": 2.0}, rules={"max_moves": 10}, time_limit_s=3.0)
    )
    pd.testing.assert_frame_equal(applied.reps, chained.reps)
    pd.testing.assert_frame_equal(applied.customers, chained.customers)
    assert applied.scenario == chained.scenario
    assert applied.label == chained.label
    with pytest.raises(ValueError, match="unknown variant key 'wieghts'"):
        base.apply({"wieghts": 1})


def test_apply_changes_one_measures_balance_table_and_keeps_the_others(base):
    # the base sets no [[balance]]: the defaults (workload, value) are the tables changed
    assert [t.measure for t in base.scenario.balance] == ["workload", "value"]
    variant = base.apply({"balance.value.weight": 120.0, "balance.value.band": [0.8, 1.25]})
    workload, value = variant.scenario.balance
    assert workload == base.scenario.balance[0]
    assert (value.weight, value.band, value.tolerance) == (120.0, (0.8, 1.25), 0.15)
    # weights.balance untouched: no old workload term is added on top of the tables
    assert variant.scenario.weights.balance == base.scenario.weights.balance == 0
    assert variant.problem().n == base.problem().n
    # a sweep row reads by the keys changed, not by the whole list of tables
    assert variant.label == "balance.value.weight=120.0, balance.value.band=[0.8, 1.25]"
    with pytest.raises(ValueError, match="no table measures 'potential'"):
        base.apply({"balance.potential.weight": 1.0})
    with pytest.raises(ValueError, match="a balance table's field is share, band"):
        base.apply({"balance.value.wieght": 1.0})
    with pytest.raises(ScenarioError):
        base.apply({"balance.value.band": [1.2, 0.8]})


# --------------------------------------------------------------------------- compare
@pytest.fixture
def hand_plans() -> tuple[solver.Plan, solver.Plan]:
    """Six accounts, three reps; plan A = two accounts each; plan B moves C001 from R0 to R1
    and C005 from R2 to R0."""
    customers, reps = make_instance(n=6, m=3, seed=0, protected=0, leaving=False)
    customers["current_rep"] = ["R0", "R0", "R1", "R1", "R2", "R2"]
    problem = solver.Problem.build(customers, reps, {**SMALL_SCENARIO, "rules": {}})
    cert = {"status": "feasible", "bound": None}
    plan_a = build_plan(problem, np.array([0, 0, 1, 1, 2, 2]), cert)
    plan_b = build_plan(problem, np.array([0, 1, 1, 1, 2, 0]), cert)
    return plan_a, plan_b


def test_compare_counts_moves_and_value(hand_plans):
    plan_a, plan_b = hand_plans
    diff = plan_b.compare(plan_a)
    assert isinstance(diff, Comparison)
    value = plan_a.assignments.set_index("customer_id")["value"]
    assert diff.accounts_moved == 2
    assert set(diff.moves["customer_id"]) == {"C001", "C005"}
    assert diff.value_moved == pytest.approx(value["C001"] + value["C005"])
    move = diff.moves.set_index("customer_id")
    assert (move.at["C001", "rep_a"], move.at["C001", "rep_b"]) == ("R0", "R1")
    assert (move.at["C005", "rep_a"], move.at["C005", "rep_b"]) == ("R2", "R0")
    wa = plan_a.assignments.set_index("customer_id")["workload_hours"]
    wb = plan_b.assignments.set_index("customer_id")["workload_hours"]
    assert move.at["C005", "workload_hours_a"] == wa["C005"]
    assert move.at["C005", "workload_hours_b"] == wb["C005"]


def test_compare_per_rep_deltas(hand_plans):
    plan_a, plan_b = hand_plans
    reps = compare(plan_b, plan_a).reps.set_index("rep_id")
    value = plan_a.assignments.set_index("customer_id")["value"]
    assert reps["accounts_a"].tolist() == [2, 2, 2]
    assert reps["accounts_b"].tolist() == [2, 3, 1]
    assert reps["accounts_delta"].tolist() == [0, 1, -1]
    assert reps["accounts_in"].tolist() == [1, 1, 0]
    assert reps["accounts_out"].tolist() == [1, 0, 1]
    assert reps.at["R0", "value_delta"] == pytest.approx(value["C005"] - value["C001"])
    assert reps.at["R1", "value_delta"] == pytest.approx(value["C001"])
    assert reps.at["R2", "value_delta"] == pytest.approx(-value["C005"])
    for column in ("workload_hours", "travel_km", "utilisation"):
        a = plan_a.reps.set_index("rep_id")[column]
        b = plan_b.reps.set_index("rep_id")[column]
        np.testing.assert_allclose(reps[f"{column}_delta"], b - a)


def test_compare_gainers_losers_and_metrics_side_by_side(hand_plans):
    plan_a, plan_b = hand_plans
    diff = plan_b.compare(plan_a)
    assert diff.gainers["rep_id"].iloc[0] == "R1"
    assert diff.losers["rep_id"].tolist()[-1] in {"R0", "R2"}
    assert (diff.gainers["value_delta"] > 0).all() and (diff.losers["value_delta"] < 0).all()
    metrics = diff.metrics
    for name, value in flat_numbers(plan_a.metrics["after"]).items():
        assert metrics.at[name, "a"] == pytest.approx(value)
    for name, value in flat_numbers(plan_b.metrics["after"]).items():
        assert metrics.at[name, "b"] == pytest.approx(value)
    for name, value in flat_numbers(plan_a.metrics["before"]).items():
        assert metrics.at[name, "before"] == pytest.approx(value)
    gini = metrics.loc["workload.gini"]
    assert gini["better"] == ("b" if gini["b"] < gini["a"] else "a")
    costs = diff.costs
    assert costs.at["objective", "delta"] == pytest.approx(plan_b.objective - plan_a.objective)
    text = diff.summary()
    assert "2 accounts move" in text and "gains most: R1" in text


def test_compare_a_plan_with_itself_is_all_zero(hand_plans):
    plan_a, _ = hand_plans
    diff = plan_a.compare(plan_a)
    assert diff.accounts_moved == 0 and diff.value_moved == 0
    assert (diff.reps.filter(like="_delta") == 0).all().all()
    assert set(diff.metrics["better"]) <= {"=", ""}
    assert diff.gainers.empty and diff.losers.empty


def test_compare_across_data_variants_matches_reps_by_id(base):
    fast = base.with_scenario(time_limit_s=2.0)
    variant = fast.rep_leaves("R2").hire("R9", 33.0, -96.0, 400.0)
    plan_a, plan_b = fast.solve(), variant.solve()
    diff = plan_b.compare(plan_a)
    reps = diff.reps.set_index("rep_id")
    assert reps.at["R9", "accounts_a"] == 0 and not reps.at["R9", "active_a"]
    assert reps.at["R9", "accounts_delta"] == reps.at["R9", "accounts_b"]
    assert reps.at["R2", "accounts_b"] == 0 and not reps.at["R2", "active_b"]
    assert reps["accounts_delta"].sum() == 0
    a_rep = plan_a.assignments.set_index("customer_id")["rep_id"]
    b_rep = plan_b.assignments.set_index("customer_id")["rep_id"]
    assert diff.accounts_moved == int((a_rep != b_rep).sum())
