"""The spatial-index candidate search keeps exactly the pairs of scoring every rep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.shapes import make_clustered
from solver.candidates import _floors, _nearest, build_candidates
from solver.constraints import HardRule, active_rules
from solver.inputs.facts import Facts
from solver.problem import load_inputs, rule_forced
from solver.scenario import as_scenario
from tests.instances import make_instance


def _inputs(customers: pd.DataFrame, reps: pd.DataFrame, settings: dict):
    scenario = as_scenario({"as_of": "2027-01-01", **settings})
    customers, reps = load_inputs(customers, reps, scenario)
    facts = Facts.build(customers, reps, scenario)
    rules = active_rules(scenario)
    return facts, scenario, rules, rule_forced(facts, scenario, rules)[0]


def _assert_same_pairs(customers: pd.DataFrame, reps: pd.DataFrame, settings: dict) -> int:
    """Both builds agree on every pair and fact; returns how many customers the index
    settled without scoring every rep (so a test can show the index did the work)."""
    facts, scenario, rules, forced = _inputs(customers, reps, settings)
    dense = build_candidates(facts, scenario, rules, forced, index=False)
    indexed = build_candidates(facts, scenario, rules, forced, index=True)
    for name in ("customer", "rep", "distance_km", "travel_km", "workload"):
        np.testing.assert_array_equal(getattr(indexed.pairs, name), getattr(dense.pairs, name))
    assert indexed.blocked == dense.blocked
    free = np.flatnonzero(forced < 0)
    floors = _floors(facts, scenario)
    assert floors is not None
    pair_rules = [r for r in rules if type(r).allowed is not HardRule.allowed]
    _, left = _nearest(facts, scenario, pair_rules, free, scenario.max_candidates, floors)
    return len(free) - len(left)


@pytest.mark.parametrize("seed", [1, 2])
def test_clustered_books_keep_the_same_pairs(seed: int) -> None:
    customers, reps = make_clustered(4000, 80, seed)
    settled = _assert_same_pairs(customers, reps, {"max_candidates": 8})
    assert settled > 2000


def test_uniform_books_keep_the_same_pairs_with_travel_limits_and_rules() -> None:
    customers, reps = make_instance(n=1500, m=60, seed=3, protected=30)
    reps["max_travel_km"] = np.where(np.arange(60) % 4 == 0, 120.0, np.nan)
    reps["seniority"] = 1 + np.arange(60) % 5
    customers["tier"] = np.where(customers.index % 10 == 0, "A", "C")
    settings = {
        "max_candidates": 6,
        "rules": {"key_account_min_seniority": 3, "forbidden": [["C005", "R1"], ["C007", "R2"]]},
    }
    assert _assert_same_pairs(customers, reps, settings) > 700


def test_ties_go_to_the_lower_rep_index_both_ways() -> None:
    """Reps in groups at one spot with equal attributes cost exactly the same: which of
    the tied reps is kept depends only on the rep order, as when scoring every rep."""
    customers, reps = make_instance(n=600, m=40, seed=4, protected=0)
    spot = np.arange(40) // 4
    for column in ("lat", "lon", "performance"):
        reps[column] = reps[column].to_numpy()[spot * 4]
    reps["specialties"] = "energy"
    reps["seniority"] = 3
    reps["capacity_hours"] = 1000.0
    customers["lat"] = customers["lat"].to_numpy()[np.arange(600) // 3 * 3]
    customers["lon"] = customers["lon"].to_numpy()[np.arange(600) // 3 * 3]
    assert _assert_same_pairs(customers, reps, {"max_candidates": 3}) > 300


def test_far_specialists_are_found_when_they_are_cheaper() -> None:
    """With a heavy specialty weight the cheapest reps are far away: the index widens
    until no farther rep can be cheaper, and still keeps the dense build's pairs."""
    customers, reps = make_instance(n=800, m=60, seed=5, protected=0)
    reps["specialties"] = np.where(np.arange(60) % 15 == 0, "retail", "energy")
    customers["segment"] = "retail"
    settings = {"max_candidates": 4, "weights": {"specialty": 5000.0}}
    facts, scenario, rules, forced = _inputs(customers, reps, settings)
    kept = build_candidates(facts, scenario, rules, forced, index=True).pairs
    specialists = np.flatnonzero(np.arange(60) % 15 == 0)
    assert np.isin(kept.rep, specialists).sum() >= 0.9 * 800
    _assert_same_pairs(customers, reps, settings)


def test_a_customer_no_rep_may_take_is_explained_the_same_way() -> None:
    customers, reps = make_instance(n=400, m=40, seed=6, protected=0)
    customers.loc[0, ["lat", "lon"]] = [40.0, -80.0]  # far from everyone
    reps["max_travel_km"] = 600.0
    facts, scenario, rules, forced = _inputs(customers, reps, {"max_candidates": 5})
    dense = build_candidates(facts, scenario, rules, forced, index=False)
    indexed = build_candidates(facts, scenario, rules, forced, index=True)
    assert 0 in dense.blocked and indexed.blocked == dense.blocked
    np.testing.assert_array_equal(indexed.pairs.rep, dense.pairs.rep)
