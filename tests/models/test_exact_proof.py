"""A small book with the default soft balance tables: CP-SAT proves only its rounded model,
so auto asks HiGHS MIP on the exact model for the proof (and says honestly when it cannot)."""

from __future__ import annotations

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
