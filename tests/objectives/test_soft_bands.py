"""Soft balance bands: the formula on hand-made books, and every engine's plan and bound
against a brute-force search over every assignment."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import solver
from solver.cli.main import app
from solver.errors import ScenarioError
from solver.models.lagrangian import subgradient_bound
from solver.models.lp import solve_lp
from solver.models.moves import descend, shift_deltas, state_of
from solver.objectives.bands import soft_bands
from solver.plan import evaluate
from solver.reasons import term_deltas
from solver.scenario import Scenario
from tests.conftest import all_pairs, build_facts
from tests.instances import cust, frame, make_instance, rep

# two active reps and a leaving one; values 100 / 300 / 600 / 1,000 (total 2,000)
REPS = frame(
    rep("R1", 32.0, -97.0),
    rep("R2", 33.0, -97.0),
    rep("R3", 33.0, -96.0, active="false"),
)
CUSTOMERS = frame(
    cust("C1", 32.0, -97.0, value=100.0),
    cust("C2", 32.1, -97.0, value=300.0),
    cust("C3", 33.0, -97.0, value=600.0),
    cust("C4", 33.1, -97.0, value=1000.0),
)


def value_term(**table):
    scn = Scenario.from_dict({"as_of": "2027-01-01", "balance": [{"measure": "value", **table}]})
    pairs = all_pairs(build_facts(CUSTOMERS, REPS, scn))
    return pairs, soft_bands(pairs, scn)


def cost_of(owners: list[int], **table) -> float:
    pairs, terms = value_term(**table)
    (term,) = terms
    keys = pairs.customer * 3 + pairs.rep
    chosen = np.searchsorted(keys, np.arange(4) * 3 + np.array(owners))
    return term.cost_of(term.rep_sums(pairs.rep[chosen], chosen, 3))


def test_cost_is_the_weight_per_percentage_point_of_the_target_beyond_the_tolerance():
    # equal targets 1,000 each; R1 holds C1 + C2 = 400 (60 % short), R2 1,600 (60 % over);
    # a 5 % tolerance leaves 55 points each side, at 20 per point
    assert cost_of([0, 0, 1, 1], share="equal", tolerance=0.05, weight=20.0) == pytest.approx(
        2 * 55 * 20.0
    )
    # R1: C1 + C4 = 1,100 (10 % over), R2 900: inside a 10 % tolerance, nothing to pay
    assert cost_of([0, 1, 1, 0], share="equal", tolerance=0.1, weight=20.0) == pytest.approx(0)
    assert cost_of([0, 1, 1, 0], share="equal", weight=20.0) == pytest.approx(2 * 10 * 20.0)


def test_the_same_weight_means_the_same_on_any_scale_of_the_measure():
    _, (term,) = value_term(share="equal", weight=1.0)
    # 100 points per whole target of deviation: 1 per percentage point
    assert term.price[:2] * term.target[:2] == pytest.approx([100.0, 100.0])
    assert term.price[2] == 0.0  # the leaving rep carries no term
    big = CUSTOMERS.assign(value=CUSTOMERS["value"] * 1e6)
    scn = Scenario.from_dict({"balance": [{"measure": "value", "share": "equal", "weight": 1.0}]})
    (scaled,) = soft_bands(all_pairs(build_facts(big, REPS, scn)), scn)
    assert scaled.price[:2] * scaled.target[:2] == pytest.approx([100.0, 100.0])


def test_weight_zero_adds_no_term_and_tables_switched_off_add_none():
    _, terms = value_term(share="equal", tolerance=0.05, weight=0.0)
    assert terms == ()
    plain = solver.Problem.build(CUSTOMERS, REPS, {"as_of": "2027-01-01", "balance": []})
    assert plain.soft == ()
    defaults = solver.Problem.build(CUSTOMERS, REPS, {"as_of": "2027-01-01"})
    assert [t.name for t in defaults.soft] == ["balance[workload]", "balance[value]"]


@pytest.mark.parametrize(
    "table", [{"tolerance": -0.1}, {"weight": -1.0}, {"weight": float("nan")}, {"tol": 0.1}]
)
def test_bad_tolerance_or_weight_is_refused_naming_the_key(table):
    with pytest.raises(ScenarioError) as err:
        Scenario.from_dict({"balance": [{"measure": "value", **table}]})
    assert next(iter(table)) in str(err.value)


def brute_force(problem: solver.Problem) -> float:
    """Least objective over every assignment that keeps every row."""
    starts = problem.customer_starts()
    best = np.inf
    for combo in itertools.product(*(range(starts[i], starts[i + 1]) for i in range(problem.n))):
        chosen = np.array(combo)
        if all(
            np.all(b.usage(chosen) <= b.upper + 1e-9) and np.all(b.usage(chosen) >= b.lower - 1e-9)
            for b in problem.blocks
        ):
            best = min(best, evaluate(problem, problem.pair_rep[chosen]).total)
    return best


soft_tables = st.lists(
    st.fixed_dictionaries(
        {
            "measure": st.sampled_from(["workload", "accounts", "value"]),
            "share": st.sampled_from(["capacity", "equal"]),
            "tolerance": st.sampled_from([0.0, 0.05, 0.3, 2.0]),
            "weight": st.sampled_from([0.0, 5.0, 50.0]),
        }
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    tables=soft_tables,
    engine=st.sampled_from(["auto", "cpsat", "lns", "milp"]),
)
def test_bounds_stay_below_the_optimum_and_engines_reach_it(seed, tables, engine):
    customers, reps = make_instance(n=6, m=3, seed=seed, protected=1, leaving=False)
    # weights.balance off: CP-SAT models that term with a fixed target (not exact), the soft
    # bands exactly (up to a 1e-5 rounding of the measure)
    scenario = {
        "as_of": "2027-01-01",
        "time_limit_s": 4,
        "seed": 1,
        "weights": {"balance": 0.0},
        "balance": tables,
    }
    problem = solver.Problem.build(customers, reps, scenario)
    optimum = brute_force(problem)
    tol = 1e-6 * max(1.0, abs(optimum))
    assert solve_lp(problem).bound <= optimum + tol
    lagrangian = subgradient_bound(problem, 1.0, lambda r: evaluate(problem, r).total)
    assert lagrangian.bound <= optimum + tol
    plan = solver.solve(customers, reps, {**scenario, "engine": engine})
    assert plan.bound is None or plan.bound <= optimum + tol
    assert plan.objective == pytest.approx(optimum, rel=1e-6)
    assert plan.objective == pytest.approx(evaluate(problem, plan.rep_index).total, rel=1e-9)


def test_a_heavy_value_weight_evens_the_books_value_the_hard_band_does_not_need():
    customers, reps = make_instance(n=40, m=4, seed=3, protected=0, leaving=False)
    base = {"as_of": "2027-01-01", "time_limit_s": 5, "seed": 1}
    soft = {**base, "balance": [{"measure": "value", "share": "equal", "weight": 200.0}]}

    def spread(plan) -> float:
        book = plan.reps["value"].to_numpy(dtype=float)
        return float(book.max() / book.mean())

    before = solver.solve(customers, reps, base)
    after = solver.solve(customers, reps, soft)
    assert spread(after) < spread(before)
    assert after.certificate.objective_terms["balance[value]"] >= 0.0


def test_flow_declares_it_cannot_price_a_soft_band():
    customers, reps = make_instance(n=8, m=3, seed=0, protected=0, leaving=False)
    scenario = {
        "as_of": "2027-01-01",
        "workload_unit": "accounts",
        "rules": {"capacity_hours": False},
        "balance": [{"measure": "value", "weight": 10.0}],
    }
    with pytest.raises(solver.SolverError, match="soft balance term balance\\[value\\]"):
        solver.solve(customers, reps, {**scenario, "engine": "flow"})


def test_reasons_price_each_soft_band_as_the_moved_plan_costs_and_name_its_measure():
    customers, reps = make_instance(n=12, m=3, seed=5, protected=0, leaving=False)
    scenario = {
        "as_of": "2027-01-01",
        "time_limit_s": 3,
        "weights": {"balance": 0.0},
        "balance": [
            {"measure": "value", "share": "equal", "tolerance": 0.02, "weight": 400.0},
            {"measure": "accounts", "tolerance": 0.1, "weight": 5.0},
        ],
    }
    plan = solver.solve(customers, reps, scenario)
    problem, rep = plan.problem, plan.rep_index
    base = evaluate(problem, rep).terms
    starts = problem.customer_starts()
    for i in range(problem.n):
        for q in range(starts[i], starts[i + 1]):
            if problem.pair_rep[q] == rep[i]:
                continue
            moved = rep.copy()
            moved[i] = problem.pair_rep[q]
            after = evaluate(problem, moved).terms
            deltas = term_deltas(problem, rep, np.array([i]), np.array([q]))
            for name in ("balance[value]", "balance[accounts]"):
                assert deltas[name][0] == pytest.approx(base[name] - after[name], abs=1e-6)
    # with value balance this heavy, some account's choice is decided by it, in words
    reasons = " ".join(plan.assignments["reason"].astype(str))
    texts = [plan.explain(c) for c in problem.customer_ids]
    assert "value balance" in reasons or any("decided by: value balance" in t for t in texts)


def test_territory_solve_reads_soft_tables_with_odd_data_and_check_accepts_the_plan(tmp_path):
    """A user's files: blank optional cells, a tolerance wider than the band, weight 0."""
    (tmp_path / "customers.csv").write_text(
        "customer_id,lat,lon,value,effort_hours,segment,current_rep\n"
        "C1,41.88,-87.63,120000,10,retail,R1\nC2,41.90,-87.65,5000,,retail,R1\n"
        "C3,41.85,-87.60,8000,6,,R1\nC4,43.04,-87.91,90000,12,energy,R2\n"
        "C5,43.05,-87.95,3000,,energy,R2\nC6,42.50,-88.00,20000,8,,\n"
        "C7,41.95,-87.70,15000,5,retail,R1\nC8,43.00,-87.90,60000,9,energy,R2\n"
        "C9,42.00,-87.80,40000,7,,R3\nC10,42.20,-87.85,2500,4,retail,R3\n"
    )
    (tmp_path / "reps.csv").write_text(
        "rep_id,lat,lon,capacity_hours,seniority,performance,min_value\n"
        "R1,41.88,-87.63,60,5,0.9,\nR2,43.04,-87.91,60,2,0.4,\nR3,42.10,-87.80,40,1,,\n"
    )
    (tmp_path / "s.toml").write_text(
        'as_of = 2027-01-01\ntime_limit_s = 5\n[[balance]]\nmeasure = "value"\n'
        'share = "equal"\nband = [0.5, 1.6]\ntolerance = 0.7\nweight = 20.0\n'
        '[[balance]]\nmeasure = "accounts"\nweight = 0\n'
        '[[balance]]\nmeasure = "workload"\ntolerance = 0.1\nweight = 5\n'
    )
    inputs = ["--customers", str(tmp_path / "customers.csv"), "--reps", str(tmp_path / "reps.csv")]
    inputs += ["--scenario", str(tmp_path / "s.toml")]
    out = tmp_path / "plan"
    solved = CliRunner().invoke(app, ["solve", *inputs, "--out", str(out), "--quiet"])
    assert solved.exit_code == 0, solved.output
    cert = json.loads((out / "metrics.json").read_text())["certificate"]
    assert set(cert["objective_terms"]) >= {"balance", "balance[value]", "balance[workload]"}
    assert "balance[accounts]" not in cert["objective_terms"]  # weight 0: no term
    # a tolerance of 0.7 is wider than the band [0.5, 1.6]: inside it nothing is paid
    assert cert["objective_terms"]["balance[value]"] == 0.0
    reps = pd.read_csv(out / "reps.csv")
    assert reps["value_share"].sum() == pytest.approx(1.0, abs=1e-5)
    checked = CliRunner().invoke(app, ["check", *inputs, "--plan", str(out), "--json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["valid"] is True


def test_exact_local_moves_price_every_soft_band_and_keep_its_sums():
    customers, reps = make_instance(n=30, m=4, seed=2, protected=1, leaving=False)
    scenario = {
        "as_of": "2027-01-01",
        "balance": [
            {"measure": "value", "share": "equal", "tolerance": 0.05, "weight": 30.0},
            {"measure": "workload", "tolerance": 0.1, "weight": 10.0},
        ],
    }
    problem = solver.Problem.build(customers, reps, scenario)
    rep = problem.pair_rep[problem.customer_starts()[:-1]]  # each account's first candidate
    state = state_of(problem, rep)
    new, delta = shift_deltas(problem, state, problem.pair_cost)
    base = evaluate(problem, rep).total
    for k in range(len(new)):
        trial = rep.copy()
        trial[problem.pair_customer[new[k]]] = problem.pair_rep[new[k]]
        assert evaluate(problem, trial).total - base == pytest.approx(delta[k], abs=1e-6)
    improved, made = descend(problem, rep)
    assert made > 0 and evaluate(problem, improved).total < base
    again = state_of(problem, improved)
    for term, sums in zip(problem.soft, again.soft, strict=True):
        chosen = problem.pair_index(improved)
        np.testing.assert_allclose(sums, term.rep_sums(improved, chosen, problem.m))
