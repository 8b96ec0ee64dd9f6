"""travel_model = "routes": rounds of solve -> route -> re-solve; the plan's workloads count
each rep's routed share of its round trips, and the plan stays valid and reloadable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import solver
from solver.errors import ScenarioError

SCENARIO = {
    "as_of": "2027-01-01",
    "time_limit_s": 1,
    "seed": 1,
    "travel_model": "routes",
    "travel": {"route_time_limit_s": 0.05},
}


def clustered(n: int = 24, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two reps, each with a cluster of accounts 20-40 km out: routes share a day."""
    rng = np.random.default_rng(seed)
    side = np.arange(n) % 2
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:02d}" for i in range(n)],
            "lat": 32.0 + 0.25 * side + rng.uniform(-0.05, 0.05, n),
            "lon": -97.0 + 0.8 * side + rng.uniform(-0.05, 0.05, n),
            "value": rng.integers(1000, 5000, n).astype(float),
            "effort_hours": rng.uniform(0.5, 2.0, n).round(2),
            "visits": rng.integers(1, 4, n),
        }
    )
    reps = pd.DataFrame(
        {"rep_id": ["R0", "R1"], "lat": [32.0, 32.25], "lon": [-97.2, -96.0],
         "capacity_hours": [200.0, 200.0]}
    )  # fmt: skip
    return customers, reps


def test_routes_rounds_count_routed_travel_and_keep_the_plan_valid(tmp_path):
    customers, reps = clustered()
    plan = solver.solve(customers, reps, SCENARIO)
    rounds = plan.certificate["route_rounds"]
    assert 1 <= len(rounds) <= 6 and rounds[0]["round"] == 0
    used = solver.Scenario.from_dict(plan.certificate["scenario"])
    share = used.travel.shares
    assert set(share) == {"R0", "R1"} and all(0 < v < 0.9 for v in share.values())
    a = plan.assignments
    expected = a["effort_hours"] + a["travel_km"] / 60.0 * a["rep_id"].map(share)
    assert np.allclose(a["workload_hours"], expected, atol=0.01)
    star = solver.solve(customers, reps, {**SCENARIO, "travel_model": "star"})
    assert "route_rounds" not in star.certificate
    assert plan.reps["workload_hours"].sum() < star.reps["workload_hours"].sum()
    assert solver.check_plan(customers, reps, plan.assignments, used) == []
    plan.write(tmp_path)
    again = solver.Plan.load(tmp_path)
    assert np.allclose(again.reps["workload_hours"], plan.reps["workload_hours"])


def test_route_share_must_be_a_share():
    with pytest.raises(ScenarioError) as caught:
        solver.Scenario.from_dict({"travel": {"route_share": {"R1": 1.5}}})
    assert "route_share" in str(caught.value)


def test_deterministic_rounds_write_identical_plans(tmp_path):
    customers, reps = clustered(n=16, seed=2)
    scenario = {**SCENARIO, "deterministic": True}
    for name in ("a", "b"):
        solver.solve(customers, reps, scenario).write(tmp_path / name)
    for file in ("assignments.csv", "reps.csv", "metrics.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    assert "route_rounds" in (tmp_path / "a" / "metrics.json").read_text()


def test_unchanged_books_are_not_routed_again_and_the_rounds_end_stable():
    """Every account locked to its cluster's rep: no book can change, so round 1 routes
    nobody, takes the measured shares as they are and ends stable with no share gap."""
    customers, reps = clustered(n=16, seed=4)
    locks = [(c, f"R{i % 2}") for i, c in enumerate(customers["customer_id"])]
    plan = solver.solve(customers, reps, {**SCENARIO, "rules": {"locks": locks}})
    first, *later = plan.certificate["route_rounds"]
    assert first["rerouted"] == 2 and first["moved_from_previous"] is None
    assert len(later) == 1, plan.certificate["route_rounds"]
    (again,) = later
    assert again["rerouted"] == 0 and again["moved_from_previous"] == 0
    assert again["largest_share_change"] == 0.0 and again["routed_km"] == first["routed_km"]
    assert plan.certificate["route_rounds_stop"].startswith("stable in round 1")


def test_rounds_say_why_they_ended_and_time_the_routing():
    customers, reps = clustered()
    plan = solver.solve(customers, reps, {**SCENARIO, "travel": {"route_time_limit_s": 0.05,
                                                                 "route_rounds": 1}})  # fmt: skip
    rows = plan.certificate["route_rounds"]
    stop = plan.certificate["route_rounds_stop"]
    last = rows[-1]
    assert stop.startswith(("stable in round", "settled in round", "stopped at route_rounds = 1"))
    assert f"{last['largest_share_change']:.3f}" in stop
    assert all(0 < r["routing_s"] <= r["wall_s"] for r in rows)
    assert rows[0]["routed_km"] < rows[0]["travel_km"]


def test_settled_when_the_miscount_is_small_against_capacity():
    """A share gap of 0.05 on 20 h of round trips is 1 h: 0.5 % of a 200 h capacity."""
    from solver.routes.rounds import SETTLED_CAPACITY, Measured, _gaps

    (gap,) = _gaps({"R0": Measured(450.0, 1200.0)}, {"R0": 0.425}, {"R0": 200.0}, 60.0)
    assert gap.share == pytest.approx(0.05) and gap.hours == pytest.approx(1.0)
    assert gap.capacity_share == pytest.approx(0.005)
    assert gap.capacity_share <= SETTLED_CAPACITY


def test_a_re_solve_moves_an_account_off_its_previous_rep_only_for_more_than_the_anchor():
    """From a plan one account off the best one: a price above what moving it back gains
    keeps the plan as it is, a price below it moves that account back; either way the
    plan returned is priced on the scenario's own objective, without the anchor."""
    from solver.plan import evaluate
    from solver.routes.rounds import ANCHOR, _resolve

    customers, reps = clustered(n=16, seed=4)
    scenario = {**SCENARIO, "travel_model": "star", "gap_tolerance": None}
    problem = solver.Problem.build(customers, reps, scenario)
    best = solver.solve_problem(problem)
    worse = best.rep_index.copy()
    worse[0] = 1 - worse[0]  # account C00 to the other cluster's rep
    gain = evaluate(problem, worse).total - best.objective
    assert gain > 1.0
    kept = _resolve(problem, worse, 2 * gain, solver.solve_problem, None)
    assert (kept.rep_index == worse).all()
    back = _resolve(problem, worse, gain / 2, solver.solve_problem, None)
    assert (back.rep_index == best.rep_index).all()
    for plan in (kept, back):
        assert plan.objective == pytest.approx(evaluate(problem, plan.rep_index).total)
        assert ANCHOR not in plan.certificate["objective_terms"]
        # the bound is the round's own model's (the anchored one's is not one of this plan)
        assert plan.status == "feasible" and plan.bound is not None
        assert plan.bound <= best.objective + 1e-6 * abs(best.objective)
        assert plan.certificate["bound_source"].endswith("on this round's model")
        assert "not a bound of this plan's objective" in plan.certificate["engine_note"]


def three_reps(n: int = 36, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three reps in a row 40 km apart, accounts around each from a tight cluster (R0) to
    a wide spread (R2): routing saves each rep a different share, so accounts move."""
    rng = np.random.default_rng(seed)
    side = np.arange(n) % 3
    spread = np.array([0.03, 0.15, 0.4])[side]
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:02d}" for i in range(n)],
            "lat": 32.0 + 0.3 * side + rng.normal(0, 1, n) * spread,
            "lon": -97.0 + 0.3 * side + rng.normal(0, 1, n) * spread,
            "value": rng.integers(1000, 5000, n).astype(float),
            "effort_hours": rng.uniform(0.5, 2.0, n).round(2),
            "visits": rng.integers(1, 4, n),
        }
    )
    reps = pd.DataFrame(
        {"rep_id": ["R0", "R1", "R2"], "lat": [32.0, 32.3, 32.6],
         "lon": [-97.0, -96.7, -96.4], "capacity_hours": [120.0] * 3}
    )  # fmt: skip
    return customers, reps


def test_anchored_rounds_end_stable_with_a_plan_the_checker_and_a_reload_agree_with(tmp_path):
    """Round 1 (solved afresh) moves accounts; round 2, anchored to it, moves none and
    ends stable. The plan returned is round 2's: priced without the anchor, with the bound
    of its own model."""
    customers, reps = three_reps()
    plan = solver.solve(customers, reps, {**SCENARIO, "deterministic": True})
    rounds = plan.certificate["route_rounds"]
    assert [r["round"] for r in rounds] == [0, 1, 2], rounds
    assert rounds[1]["moved_from_previous"] > 0 and rounds[2]["moved_from_previous"] == 0
    assert rounds[2]["rerouted"] == 0 and rounds[2]["largest_share_change"] == 0.0
    assert plan.certificate["route_rounds_stop"].startswith("stable in round 2")
    assert "anchored model" in plan.certificate["engine_note"]
    assert plan.bound is not None and plan.gap is not None and plan.bound <= plan.objective
    used = solver.Scenario.from_dict(plan.certificate["scenario"])
    assert solver.check_plan(customers, reps, plan.assignments, used) == []
    plan.write(tmp_path)
    again = solver.Plan.load(tmp_path)
    assert again.objective == pytest.approx(plan.objective)
    assert again.certificate["objective_terms"] == pytest.approx(
        plan.certificate["objective_terms"]
    )
