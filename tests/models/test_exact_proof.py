"""A small book with the default soft balance tables: CP-SAT proves only its rounded model,
so auto asks HiGHS MIP on the exact model for the proof (and says honestly when it cannot)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import solver
from solver.models.auto import Params
from tests.instances import make_instance

DEFAULTS = {"as_of": "2027-01-01", "time_limit_s": 10, "seed": 1}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_small_default_book_is_proved_on_the_exact_model(workers):
    customers, reps = make_instance(n=14, m=4, seed=3, slack=2.0)
    problem = solver.Problem.build(customers, reps, {**DEFAULTS, "workers": workers})
    assert problem.soft  # the default [[balance]] tables are soft terms
    plan = solver.solve_problem(problem)
    cert = plan.certificate
    assert cert["status"] == "optimal" and "milp" in cert["engine"]
    assert cert["bound"] <= cert["objective"] + 1e-6 * abs(cert["objective"])
    assert plan.gap is not None and plan.gap <= 1e-5
    milp = solver.solve(customers, reps, {**DEFAULTS, "engine": "milp"})
    assert plan.objective == pytest.approx(milp.objective, rel=1e-6)
    assert cert["stop_reason"].startswith("search complete")


def test_deterministic_runs_keep_the_rounded_proof_and_repeat_byte_for_byte(tmp_path):
    customers, reps = make_instance(n=14, m=4, seed=3, slack=2.0)
    scenario = {**DEFAULTS, "deterministic": True}
    for name in ("a", "b"):
        solver.solve(customers, reps, scenario).write(tmp_path / name)
    for file in ("assignments.csv", "reps.csv", "metrics.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_without_the_exact_proof_the_stop_reason_does_not_claim_one():
    customers, reps = make_instance(n=14, m=4, seed=3, slack=2.0)
    problem = solver.Problem.build(customers, reps, {**DEFAULTS, "workers": 1})
    plan = solver.solve_problem(problem, params=Params(exact_proof_pairs=0))
    reason = plan.certificate["stop_reason"]
    assert "does not prove it" in reason and "time limit" not in reason
    assert plan.certificate["status"] == "feasible"


def _three_city_book() -> tuple[pd.DataFrame, pd.DataFrame]:
    """30 accounts around three Texas cities, travel in fractions of minutes, 3 active reps."""
    rng = np.random.default_rng(7)
    cities = np.array([[32.78, -96.80], [29.76, -95.37], [30.27, -97.74]])
    at = cities[rng.integers(0, 3, 30)] + rng.uniform(-0.3, 0.3, (30, 2))
    customers = pd.DataFrame(
        {
            "customer_id": [f"TX{i:03d}" for i in range(30)],
            "lat": at[:, 0],
            "lon": at[:, 1],
            "value": rng.integers(500, 20_000, 30).astype(float),
            "effort_hours": rng.choice([4.0, 8.0, 12.0], 30),
            "visits": rng.integers(1, 5, 30),
            "current_rep": rng.choice(["T1", "T2", "T3"], 30),
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": ["T1", "T2", "T3"],
            "lat": [32.9, 29.8, 30.3],
            "lon": [-96.9, -95.4, -97.7],
            "capacity_hours": [200.0, 200.0, 150.0],
            "quota": [1.0, 1.5, 1.0],
        }
    )
    return customers, reps


def test_a_rounded_proof_by_highs_beside_the_search_is_proved_on_the_exact_model():
    """HiGHS beside the search solves its model with hours tightened to whole minutes; its
    optimum ends the search but proves nothing for the exact hours, so the exact MIP runs."""
    customers, reps = _three_city_book()
    scenario = {
        **DEFAULTS,
        "balance": [
            {"measure": "accounts", "share": "quota", "band": [0.8, 1.2]},
            {"measure": "value", "share": "equal", "tolerance": 0.1, "weight": 20.0},
        ],
    }
    problem = solver.Problem.build(customers, reps, scenario)
    assert not problem.integer_rows_exact()  # travel hours are not whole minutes
    plan = solver.solve_problem(problem, time_limit_s=30)  # the proof ends it in about 1 s
    cert = plan.certificate
    assert cert["status"] == "optimal", cert["stop_reason"]
    assert plan.gap is not None and plan.gap <= 1e-5
    assert "does not prove" not in cert["stop_reason"]
    milp = solver.solve_problem(problem, engine="milp")
    assert plan.objective == pytest.approx(milp.objective, rel=1e-6)
