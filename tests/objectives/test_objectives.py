"""Objective terms, one hand-built case each.

Each term decides the assignment when it is the only weight, and stops deciding when its
weight is 0 or when it does not apply. Costs are recomputed here from the documented
formulas (haversine written out independently), never read back from the solver's internals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import solver
from tests.instances import SMALL_SCENARIO, TERMS, cust, frame, make_instance, rep, scenario

SEPARABLE = ("travel", "specialty", "value_fit", "continuity")
EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
ROAD_FACTOR = 1.3  # scenario default
SPEED_KMH = 60.0  # scenario default


# ---------------------------------------------------------------- helpers


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, written out here so the test does not trust solver.inputs.geo."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def solve(customers: pd.DataFrame, reps: pd.DataFrame, scn: dict) -> solver.Plan:
    plan = solver.solve(customers, reps, scn)
    rows = plan.assignments[["customer_id", "rep_id"]]
    assert solver.check_plan(customers, reps, rows, scn) == []
    return plan


def owners(plan: solver.Plan) -> dict[str, str]:
    rows = plan.assignments
    return dict(zip(rows["customer_id"], rows["rep_id"], strict=True))


def row(plan: solver.Plan, customer_id: str) -> pd.Series:
    return plan.assignments.set_index("customer_id").loc[customer_id]


# ---------------------------------------------------------------- travel


def test_independent_haversine_is_sane():
    # one degree of latitude along a meridian = 2 pi R / 360
    assert haversine_km(40.0, -100.0, 41.0, -100.0) == pytest.approx(111.195, abs=1e-3)
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)


@pytest.mark.parametrize("weight", [1.0, 2.5])
def test_travel_nearest_rep_wins_and_cost_is_visits_round_trip_road_km(weight):
    reps = frame(rep("R1", 40.0, -100.0), rep("R2", 40.0, -99.0))
    customers = frame(
        cust("C1", 40.1, -99.9, visits=3, effort_hours=4.0),
        cust("C2", 39.8, -99.15, visits=2, effort_hours=7.0),
    )
    road, speed = 1.4, 50.0
    scn = scenario({"travel": weight}, travel={"road_factor": road, "speed_kmh": speed})
    plan = solve(customers, reps, scn)
    assert owners(plan) == {"C1": "R1", "C2": "R2"}

    expected_total = 0.0
    for cid, (lat, lon, visits, effort), (rlat, rlon) in (
        ("C1", (40.1, -99.9, 3, 4.0), (40.0, -100.0)),
        ("C2", (39.8, -99.15, 2, 7.0), (40.0, -99.0)),
    ):
        km = haversine_km(lat, lon, rlat, rlon)
        road_km = visits * 2 * km * road
        r = row(plan, cid)
        assert r["distance_km"] == pytest.approx(km, abs=0.006)
        assert r["travel_km"] == pytest.approx(road_km, abs=0.006)
        assert r["cost_travel"] == pytest.approx(weight * road_km, abs=1e-3)
        assert r["workload_hours"] == pytest.approx(effort + road_km / speed, abs=1e-3)
        for other in ("cost_specialty", "cost_value_fit", "cost_continuity"):
            assert r[other] == 0.0
        expected_total += weight * road_km
    assert plan.certificate["objective_terms"]["travel"] == pytest.approx(expected_total, rel=1e-9)
    assert plan.objective == pytest.approx(expected_total, rel=1e-9)


def test_travel_with_weight_zero_does_not_decide():
    """C1 is 4 km from R1 and 81 km from R2, but only R2 covers its segment."""
    reps = frame(
        rep("R1", 40.0, -100.0, specialties="retail"),
        rep("R2", 40.0, -99.0, specialties="energy"),
    )
    customers = frame(cust("C1", 40.0, -99.95, segment="energy"))
    with_travel = solve(customers, reps, scenario({"travel": 1.0, "specialty": 0.0}))
    assert owners(with_travel) == {"C1": "R1"}
    without = solve(customers, reps, scenario({"travel": 0.0, "specialty": 1.0}))
    assert owners(without) == {"C1": "R2"}
    assert row(without, "C1")["cost_travel"] == 0.0
    assert row(without, "C1")["travel_km"] > 100  # the km are still reported, just not priced
    assert without.certificate["objective_terms"]["travel"] == 0.0


# ---------------------------------------------------------------- specialty


def _specialty_case():
    reps = frame(
        rep("R1", 40.0, -100.0, specialties="energy"),
        rep("R2", 40.0, -99.0, specialties="retail; health"),
    )
    customers = frame(
        cust("C1", 40.0, -99.95, segment="health"),
        cust("C2", 40.0, -99.95),  # no segment
    )
    return customers, reps


def test_specialty_rep_covering_the_segment_wins():
    customers, reps = _specialty_case()
    # a tiny travel weight only breaks ties; the 77 km detour to R2 costs ~2 points < 150
    plan = solve(customers, reps, scenario({"specialty": 150.0, "travel": 0.01}))
    assert owners(plan) == {"C1": "R2", "C2": "R1"}
    assert row(plan, "C1")["cost_specialty"] == 0.0
    assert row(plan, "C2")["cost_specialty"] == 0.0
    assert plan.certificate["objective_terms"]["specialty"] == 0.0


def test_specialty_miss_costs_the_weight_per_account():
    customers, reps = _specialty_case()
    scn = scenario({"specialty": 150.0}, rules={"locks": [["C1", "R1"], ["C2", "R1"]]})
    plan = solve(customers, reps, scn)
    assert row(plan, "C1")["cost_specialty"] == pytest.approx(150.0)
    assert row(plan, "C2")["cost_specialty"] == 0.0  # no segment: nothing to miss
    assert plan.objective == pytest.approx(150.0)


# ---------------------------------------------------------------- value fit


def _value_case(senior: dict, junior: dict):
    # travel would pair BIG with JUN and SMALL with SEN
    reps = frame(
        rep("SEN", 40.0, -99.0, max_accounts=1, **senior),
        rep("JUN", 40.0, -100.0, max_accounts=1, **junior),
    )
    customers = frame(
        cust("BIG", 40.0, -99.9, value=9000.0),
        cust("SMALL", 40.0, -99.1, value=1000.0),
    )
    return customers, reps


STRONG = {"seniority": 5, "performance": 0.9}
WEAK = {"seniority": 1, "performance": 0.2}


def test_value_fit_high_value_account_goes_to_strong_rep():
    customers, reps = _value_case(STRONG, WEAK)
    plan = solve(customers, reps, scenario({"value_fit": 100.0}))
    assert owners(plan) == {"BIG": "SEN", "SMALL": "JUN"}
    # price = value / mean value x (1 - strength); strength = 0.5 (s - 1) / 4 + 0.5 perf
    mean = 5000.0
    strong = 0.5 * (5 - 1) / 4 + 0.5 * 0.9  # 0.95
    weak = 0.5 * (1 - 1) / 4 + 0.5 * 0.2  # 0.10
    big = 100.0 * 9000.0 / mean * (1 - strong)  # 9.0
    small = 100.0 * 1000.0 / mean * (1 - weak)  # 18.0
    assert row(plan, "BIG")["cost_value_fit"] == pytest.approx(big, abs=1e-4)
    assert row(plan, "SMALL")["cost_value_fit"] == pytest.approx(small, abs=1e-4)
    assert plan.objective == pytest.approx(27.0, abs=1e-9)


# ---------------------------------------------------------------- continuity


def test_continuity_customers_stay_when_costs_are_otherwise_equal():
    """Two co-located reps: every other cost is identical, so no one should move."""
    reps = frame(rep("R1", 40.0, -99.5), rep("R2", 40.0, -99.5))
    customers = frame(
        cust("C1", 40.2, -99.9, current_rep="R2"),
        cust("C2", 39.9, -99.1, current_rep="R1"),
        cust("C3", 40.0, -99.4, current_rep="R2", value=900.0),
    )
    plan = solve(customers, reps, scenario({"continuity": 60.0, "travel": 1.0}))
    assert owners(plan) == {"C1": "R2", "C2": "R1", "C3": "R2"}
    assert not plan.assignments["changed"].any()
    assert plan.assignments["cost_continuity"].tolist() == [0.0, 0.0, 0.0]
    assert plan.certificate["objective_terms"]["continuity"] == 0.0


def _continuity_case():
    # C1 is 34 km from R1 and 51 km from R2 (its current rep): ~44 road km nearer R1
    reps = frame(rep("R1", 40.0, -100.0), rep("R2", 40.0, -99.0))
    customers = frame(
        cust("C1", 40.0, -99.6, current_rep="R2", value=300.0),
        cust("C2", 40.0, -99.9, current_rep="R1", value=100.0),
    )
    return customers, reps


def test_continuity_outweighs_a_small_travel_saving():
    customers, reps = _continuity_case()
    kept = solve(customers, reps, scenario({"continuity": 60.0, "travel": 1.0}))
    assert owners(kept) == {"C1": "R2", "C2": "R1"}
    moved = solve(customers, reps, scenario({"continuity": 0.0, "travel": 1.0}))
    assert owners(moved) == {"C1": "R1", "C2": "R1"}
    assert row(moved, "C1")["changed"]
    assert row(moved, "C1")["previous_rep"] == "R2"
    assert row(moved, "C1")["cost_continuity"] == 0.0


def test_continuity_moved_account_costs_weight_times_one_plus_relative_value():
    customers, reps = _continuity_case()
    scn = scenario({"continuity": 60.0}, rules={"locks": [["C1", "R1"]]})
    plan = solve(customers, reps, scn)
    mean = (300.0 + 100.0) / 2
    assert row(plan, "C1")["cost_continuity"] == pytest.approx(60.0 * (1 + 300.0 / mean))
    assert row(plan, "C2")["cost_continuity"] == 0.0
    assert plan.objective == pytest.approx(150.0)


# ---------------------------------------------------------------- balance


def balance_cost(plan: solver.Plan, weight: float, unit: str = "hours") -> float:
    """weight x sum_j |L_j - s_j x sum L|, recomputed from the assignment rows."""
    rows = plan.assignments
    reps = plan.reps.set_index("rep_id")
    if unit == "hours":
        load = rows.groupby("rep_id")["workload_hours"].sum()
    else:
        load = rows.groupby("rep_id").size().astype(float)
    load = load.reindex(reps.index, fill_value=0.0)
    cap = reps["capacity_hours"].where(reps["active"], 0.0)
    share = cap / cap.sum()
    dev = (load - share * load.sum()).abs().where(reps["active"], 0.0)
    return float(weight * dev.sum())


def _identical(k: int, lat: float, lon: float, **extra) -> list[dict]:
    return [cust(f"C{i}", lat, lon, **extra) for i in range(1, k + 1)]


def test_balance_splits_identical_customers_evenly():
    reps = frame(rep("R1", 40.0, -99.5), rep("R2", 40.0, -99.5))
    customers = frame(*_identical(4, 40.2, -99.3))
    plan = solve(customers, reps, scenario({"balance": 2.0}))
    counts = plan.reps.set_index("rep_id")["accounts"]
    assert counts.to_dict() == {"R1": 2, "R2": 2}
    targets = plan.reps["balance_target"].to_numpy()
    assert targets[0] == pytest.approx(targets[1])
    assert targets.sum() == pytest.approx(plan.reps["workload_hours"].sum(), abs=0.02)
    assert plan.certificate["objective_terms"]["balance"] == pytest.approx(0.0, abs=1e-9)


def _pulled_case():
    # every customer is ~8.5 km nearer R1 than R2
    reps = frame(rep("R1", 40.0, -100.0), rep("R2", 40.0, -99.0))
    customers = frame(*_identical(4, 40.0, -99.55))
    return customers, reps


def test_balance_weight_zero_lets_travel_pile_everything_on_one_rep():
    customers, reps = _pulled_case()
    plan = solve(customers, reps, scenario({"travel": 1.0, "balance": 0.0}))
    assert set(owners(plan).values()) == {"R1"}
    assert plan.certificate["objective_terms"]["balance"] == 0.0


def test_balance_weight_overrides_a_travel_pull():
    customers, reps = _pulled_case()
    plan = solve(customers, reps, scenario({"travel": 1.0, "balance": 20.0}))
    assert plan.reps.set_index("rep_id")["accounts"].to_dict() == {"R1": 2, "R2": 2}
    expected = balance_cost(plan, 20.0)
    assert expected > 0  # R2's accounts weigh more (longer drive), so not exactly even
    assert plan.certificate["objective_terms"]["balance"] == pytest.approx(expected, abs=0.05)


# ---------------------------------------------------------------- workload unit


def _unit_case():
    # one heavy account (9 h) and three light ones (1 h); no visits, so load = effort
    reps = frame(rep("R1", 40.0, -99.5), rep("R2", 40.0, -99.5))
    customers = frame(
        cust("BIG", 40.1, -99.5, effort_hours=9.0, visits=0),
        *(cust(f"S{i}", 40.1, -99.5, effort_hours=1.0, visits=0) for i in range(3)),
    )
    return customers, reps


def test_balance_in_hours_evens_out_hours_not_counts():
    customers, reps = _unit_case()
    plan = solve(customers, reps, scenario({"balance": 5.0}))
    # best in hours: {9} vs {1, 1, 1} (deviation 3 + 3); {9, 1} vs {1, 1} would be 4 + 4
    assert sorted(plan.reps["accounts"]) == [1, 3]
    assert plan.certificate["objective_terms"]["balance"] == pytest.approx(5.0 * 6.0)
    assert plan.certificate["objective_terms"]["balance"] == pytest.approx(balance_cost(plan, 5.0))


@pytest.mark.parametrize("engine", ["cpsat", "auto"])
def test_workload_unit_accounts_balances_counts(engine):
    customers, reps = _unit_case()
    scn = scenario(
        {"balance": 5.0},
        rules={"capacity_hours": False},
        workload_unit="accounts",
        engine=engine,
    )
    plan = solve(customers, reps, scn)
    assert plan.certificate["engine"] == ("flow" if engine == "auto" else "cpsat")
    assert sorted(plan.reps["accounts"]) == [2, 2]
    assert plan.reps["balance_load"].tolist() == [2.0, 2.0]
    assert plan.reps["balance_target"].tolist() == [2.0, 2.0]
    assert plan.certificate["objective_terms"]["balance"] == pytest.approx(0.0, abs=1e-9)
    assert balance_cost(plan, 5.0, unit="accounts") == 0.0


# ---------------------------------------------------------------- objective accounting


@pytest.mark.parametrize("unit", ["hours", "accounts"])
def test_objective_is_the_sum_of_its_terms_and_of_the_cost_columns(unit):
    customers, reps = make_instance(n=30, m=4, seed=5, protected=2)
    scn = {
        **SMALL_SCENARIO,
        "engine": "cpsat",
        "time_limit_s": 3,
        "workload_unit": unit,
        "weights": {
            "travel": 1.0,
            "specialty": 150.0,
            "value_fit": 100.0,
            "continuity": 60.0,
            "balance": 2.0,
        },
    }
    plan = solve(customers, reps, scn)
    terms = plan.certificate["objective_terms"]
    # weights.balance set: the old workload term, plus the default value table
    assert set(terms) == set(TERMS) | {"balance[value]"}

    rows = plan.assignments
    n = len(rows)
    cost_cols = [f"cost_{t}" for t in SEPARABLE]
    # each row's total is the sum of its term columns (columns are rounded to 4 decimals)
    np.testing.assert_allclose(rows[cost_cols].sum(axis=1), rows["cost_total"], atol=5e-4)
    for t in SEPARABLE:
        assert terms[t] == pytest.approx(rows[f"cost_{t}"].sum(), abs=1e-4 * n)
        assert terms[t] > 0  # every term really is in play on this instance
    assert terms["balance"] > 0
    assert plan.objective == pytest.approx(
        rows["cost_total"].sum() + terms["balance"] + terms["balance[value]"], abs=1e-4 * n
    )
    # the balance term as documented, from the plan's own rows
    tol = 2.0 * 0.01 * n if unit == "hours" else 1e-9  # workload_hours rounded to 3 decimals
    assert terms["balance"] == pytest.approx(balance_cost(plan, 2.0, unit), abs=tol)


def test_continuity_doubles_for_long_tenure():
    """owner_since five or more years back doubles the cost of moving the account."""
    customers, reps = make_instance(n=30, m=4, seed=5, protected=0)
    base = solver.solve(customers, reps, SMALL_SCENARIO)
    customers["owner_since"] = "2015-03-01"  # > 5 years before as_of 2027-01-01
    long = solver.solve(customers, reps, SMALL_SCENARIO)
    # customers of the leaving rep R3 must move in both plans: compare what moving them costs
    leaving = (customers["current_rep"] == "R3").to_numpy()
    mean = customers["value"].mean()
    expected = 60.0 * (1 + customers.loc[leaving, "value"] / mean) * 2.0
    got = long.assignments.loc[leaving, "cost_continuity"]
    assert got.to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-4)
    assert got.sum() == pytest.approx(
        2 * base.assignments.loc[leaving, "cost_continuity"].sum(), rel=1e-4
    )
