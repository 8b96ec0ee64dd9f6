"""Bands that cannot hold even with accounts split between reps: the LP decides at once
(the elastic LP and its certificate), in business words, before any CP-SAT search."""

from __future__ import annotations

import time

import numpy as np
import pytest

import solver
from solver.diagnose.core import Limit, explain_conflict
from solver.diagnose.phase_one import dual_phase_one, elastic_lp, holds_without, minimal_rows
from solver.models.auto import Params
from solver.models.lp import Pricing, block_rows
from tests.instances import cust, frame, rep, scenario

FAR = 35.0  # a rep and its accounts 330 km north of the cluster at 32.0


def _two_clusters(values_south: float, values_north: float, n: int = 20):
    """R1 and R2 reach only the southern accounts, R3 only the northern ones."""
    reps = [
        rep("R1", 32.0, -97.0, capacity_hours=1000.0, max_travel_km=100.0),
        rep("R2", 32.0, -97.0, capacity_hours=1000.0, max_travel_km=100.0),
        rep("R3", FAR, -97.0, capacity_hours=1000.0, max_travel_km=100.0),
    ]
    south = [
        cust(f"S{i}", 32.0, -97.0, value=values_south / n + 0.37 * i, effort_hours=5.0)
        for i in range(n)
    ]
    north = [
        cust(f"N{i}", FAR, -97.0, value=values_north / n + 0.11 * i, effort_hours=5.0)
        for i in range(n)
    ]
    return frame(*south, *north), frame(*reps)


def _band_scenario(engine: str = "auto") -> dict:
    band = {"measure": "value", "share": "equal", "band": [0.9, 1.1]}
    return scenario({"travel": 1.0}, rules={"max_travel": True}, engine=engine, balance=[band])


def test_value_floors_two_reps_cannot_reach_together_are_named_at_once():
    # each of R1, R2 alone reaches its floor (0.9 x 1/3 of 1.5 M = 450 k of 500 k in the
    # south), so the build's checks pass; together they need 900 k of the south's 500 k
    customers, reps = _two_clusters(500_000.0, 1_000_000.0)
    started = time.perf_counter()
    with pytest.raises(solver.InfeasibleError) as info:
        solver.solve(customers, reps, _band_scenario())
    took = time.perf_counter() - started
    text = str(info.value)
    assert "balance_band[value] of R1, at least" in text
    assert "balance_band[value] of R2, at least" in text
    assert "R1, R2 can reach at most 0.56 of their floors under balance_band[value]" in text
    assert "20 account(s) can only go to" in text
    assert info.value.exit_code == 4
    assert took < 20.0  # the CP-SAT core alone spent its 10 s first solve here


def test_the_certificate_is_infeasible_and_minimal():
    customers, reps = _two_clusters(500_000.0, 1_000_000.0)
    problem = solver.Problem.build(customers, reps, _band_scenario())
    phase = elastic_lp(problem)
    assert phase.proved and phase.solved
    core = minimal_rows(problem, phase.blamed, time.perf_counter() + 30.0)
    origin = block_rows(problem.blocks)
    named = {(problem.blocks[origin[r][0]].labels[origin[r][1]], origin[r][2]) for r in core}
    # both southern floors are needed; the northern ceiling alone is another conflict
    assert {("R1", True), ("R2", True)} <= named or named == {("R3", False)}
    assert len(core) <= 3


def test_limits_that_hold_fractionally_are_not_proved_infeasible():
    customers, reps = _two_clusters(1_000_000.0, 500_000.0)  # south 2/3, north 1/3
    problem = solver.Problem.build(customers, reps, _band_scenario())
    phase = elastic_lp(problem)
    assert phase.solved and not phase.proved
    assert np.all(phase.missed <= 1e-6)


def test_column_generation_proves_the_same_as_the_whole_lp():
    customers, reps = _two_clusters(500_000.0, 1_000_000.0)
    problem = solver.Problem.build(customers, reps, _band_scenario())
    small = Pricing(min_pairs=1, start_k=1, add_k=1)
    import solver.diagnose.phase_one as phase_one

    whole = elastic_lp(problem)
    original = phase_one.Pricing
    phase_one.Pricing = lambda: small  # type: ignore[assignment]
    try:
        priced = elastic_lp(problem)
    finally:
        phase_one.Pricing = original
    assert whole.proved and priced.proved


def test_the_lagrangian_path_reports_bands_the_lp_rules_out_before_any_search():
    # above 300,000 pairs the bound is the Lagrangian, which cannot prove infeasibility:
    # the elastic LP runs first on a model with floors
    customers, reps = _two_clusters(500_000.0, 1_000_000.0)
    problem = solver.Problem.build(customers, reps, _band_scenario())
    with pytest.raises(solver.InfeasibleError) as info:
        solver.solve_problem(problem, params=Params(dual_min_pairs=0))
    assert "R1, R2 can reach at most 0.56 of their floors" in str(info.value)


def test_the_dual_phase_one_proves_with_a_certificate_and_never_on_a_feasible_model():
    customers, reps = _two_clusters(500_000.0, 1_000_000.0)
    problem = solver.Problem.build(customers, reps, _band_scenario())
    phase = dual_phase_one(problem, 10.0)
    assert phase.proved
    n_limits = len(block_rows(problem.blocks))
    outside = np.setdiff1d(np.arange(n_limits), phase.blamed)
    assert holds_without(problem, outside, None) is False  # the blamed rows alone conflict
    customers, reps = _two_clusters(1_000_000.0, 500_000.0)
    feasible = solver.Problem.build(customers, reps, _band_scenario())
    assert not dual_phase_one(feasible, 2.0).proved


def test_a_large_certificate_is_summed_up_by_family_with_the_move_budget_first():
    customers, reps = _two_clusters(500_000.0, 1_000_000.0)
    problem = solver.Problem.build(customers, reps, _band_scenario())
    core = [Limit("balance_band[value]", f"R{j}", 450_000.0, "", True) for j in range(12)]
    core += [Limit("balance_band[value]", "R3", 550_000.0, ""), Limit("budget", "all", 7, "moves")]
    reasons = explain_conflict(problem, core).reasons
    assert reasons[0].startswith("conflicting limit: budget (the move budget), at most 7")
    assert reasons[1] == (
        "conflicting limits: the floors of balance_band[value] of 12 rep(s) "
        "(R0, R1, R2, R3, R4 ...)"
    )
    assert reasons[2].startswith("conflicting limits: the ceilings of balance_band[value] of 1")
    assert not any(r.startswith("conflicting limit: balance_band") for r in reasons)


def test_the_lagrangian_path_reports_ceilings_out_of_reach_before_the_search(monkeypatch):
    """Without floors too: when the restricted LP's rows need slack, the elastic LP's dual
    decides before the search (which would run to the limit and find no plan). Here
    every account sits with R0 and a move budget of 5 keeps nearly all of them there, far
    over R0's hours."""
    from solver.models import registry
    from solver.models.names import LNS
    from tests.instances import make_instance

    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=0)
    customers["current_rep"] = reps["rep_id"].iloc[0]
    scn = {"as_of": "2027-01-01", "rules": {"max_moves": 5}, "gap_tolerance": None}
    problem = solver.Problem.build(customers, reps, scn)
    assert not any(b.has_floors() for b in problem.blocks)

    def no_search(*_args, **_kwargs):
        raise AssertionError("the search ran")

    monkeypatch.setattr(registry.ENGINES[LNS], "run", no_search)
    params = Params(dual_min_pairs=1_000, whole_model_pairs=0)
    with pytest.raises(solver.InfeasibleError) as info:
        solver.solve_problem(problem, time_limit_s=20, params=params)
    assert "disruption_budget (the move budget), at most 5" in str(info.value)
    assert "capacity_hours of R0" in str(info.value)


def test_a_model_too_large_for_the_core_that_ends_without_a_plan_is_explained(monkeypatch):
    """Past the conflict core's size, a solve that found no plan asks the elastic LP's
    dual, which names the limits out of reach (before: "no plan within the limit")."""
    from solver.diagnose import explain
    from tests.instances import make_instance

    customers, reps = make_instance(n=400, m=12, seed=8, slack=1.3, protected=0)
    customers["current_rep"] = reps["rep_id"].iloc[0]
    scn = {"as_of": "2027-01-01", "rules": {"max_moves": 5}, "gap_tolerance": None}
    problem = solver.Problem.build(customers, reps, scn)
    monkeypatch.setattr(explain, "CORE_MAX_PAIRS", 100)
    error = explain.explain_no_plan(problem, 10.0)
    assert error is not None and "capacity_hours of R0" in str(error)
    customers["current_rep"] = reps["rep_id"].to_numpy()[np.arange(400) % 12]
    feasible = solver.Problem.build(customers, reps, scn)
    assert explain.explain_no_plan(feasible, 2.0) is None
