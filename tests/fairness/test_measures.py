"""Each balance measure per rep against its fair share, and the value-seniority fit, on
hand-made books with no solve: the figures a sales leader reads are the ones the checker
and a hand calculation give."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.constraints.bands import BandRule
from solver.fairness.fit import seniority_fit, spearman
from solver.fairness.measures import measure_rules, rep_measures
from solver.metrics import assignment_metrics, measure_spread
from solver.scenario import Scenario
from tests.conftest import build_facts, pairs_of
from tests.instances import cust, frame, rep

# three reps, R3 leaving; values 100 / 300 / 600 / 1,000 (2,000), potential 40 / 0 / 10 / 50
REPS = frame(
    rep("R1", 32.0, -97.0, capacity_hours=100.0, seniority=5, performance=0.9, quota=3.0),
    rep("R2", 33.0, -97.0, capacity_hours=300.0, seniority=1, performance=0.3, quota=1.0),
    rep(
        "R3",
        33.0,
        -96.0,
        capacity_hours=100.0,
        seniority=3,
        performance=0.5,
        quota=1.0,
        active="false",
    ),
)
CUSTOMERS = frame(
    cust("C1", 32.0, -97.0, value=100.0, potential=40.0, nps=0.0, tier="C"),
    cust("C2", 32.1, -97.0, value=300.0, potential=0.0, nps=0.0, tier="C"),
    cust("C3", 33.0, -97.0, value=600.0, potential=10.0, nps=0.0, tier="B"),
    cust("C4", 33.1, -97.0, value=1000.0, potential=50.0, nps=0.0, tier="A"),
)
TABLES = [
    {"measure": "value", "share": "equal", "band": [0.8, 1.25]},
    {"measure": "accounts", "share": "capacity", "band": [0.5, 1.5]},
    {"measure": "potential", "share": "quota", "band": [0.6, 1.3]},
    {"measure": "workload", "band": [0.7, 1.4]},
]


def scenario(*tables: dict) -> Scenario:
    return Scenario.from_dict({"as_of": "2027-01-01", "balance": list(tables)})


def test_value_ratios_gini_max_min_and_in_band_by_hand():
    scn = scenario(TABLES[0])
    facts = build_facts(CUSTOMERS, REPS, scn)
    # R1 owns C1 + C2 = 400, R2 owns C3 + C4 = 1,600; equal shares of 2,000: 1,000 each
    value = {m.rule.key: m for m in rep_measures(pairs_of(facts, [0, 0, 1, 1]), scn)}["value"]
    assert value.target.tolist() == pytest.approx([1000.0, 1000.0, 0.0])
    assert value.ratio[:2].tolist() == pytest.approx([0.4, 1.6])
    spread = measure_spread(value, facts.active)
    # Gini of (0.4, 1.6): |0.4 - 1.6| x 2 / (2 x 2^2 x mean 1.0) = 0.3
    assert spread.gini == pytest.approx(0.3)
    assert spread.max_min_ratio == pytest.approx(4.0)
    assert spread.in_band_share == 0.0 and (spread.band_low, spread.band_high) == (0.8, 1.25)
    # R1 C1 + C4 = 1,100 and R2 C2 + C3 = 900: both inside [800, 1,250]
    value = rep_measures(pairs_of(facts, [0, 1, 1, 0]), scn)[2]
    assert measure_spread(value, facts.active).in_band_share == 1.0


def test_workload_accounts_and_value_are_always_measured_with_their_default_shares():
    scn = scenario()
    rules = {r.key: r for r in measure_rules(scn)}
    assert list(rules) == ["workload", "accounts", "value"]
    assert [rules[k].share for k in rules] == ["capacity", "capacity", "equal"]
    assert all((r.low, r.high, r.kind) == (0.9, 1.1, "default") for r in rules.values())
    scn = scenario({"measure": "potential", "share": "quota", "tolerance": 0.05, "weight": 5})
    scn = Scenario.from_dict({**scn.model_dump(), "balance": [*scn.model_dump()["balance"],
                                                            {"measure": "potential"}]})  # fmt: skip
    keys = [(r.key, r.kind, r.low) for r in measure_rules(scn)]
    assert keys == [
        ("workload", "default", 0.9), ("accounts", "default", 0.9), ("value", "default", 0.9),
        ("potential", "tolerance", 0.95), ("potential#2", "default", 0.9),
    ]  # fmt: skip


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (0.5, 1.5), (0.8, 1.25), (0.95, 1.05)])
def test_in_band_share_matches_the_checkers_verdict_from_the_raw_inputs(low, high):
    scn = scenario(*[{**t, "band": [low, high]} for t in TABLES])
    facts = build_facts(CUSTOMERS, REPS, scn)
    active = facts.active
    outside_seen = 0
    for owners in itertools.product(range(3), repeat=4):  # every book, leaving rep too
        pairs = pairs_of(facts, list(owners))
        flagged: dict[str, set[str]] = {}
        for v in BandRule().check(pairs, scn, np.full(4, -1)):
            flagged.setdefault(v.rule, set()).add(v.rep_id)
        for measured in rep_measures(pairs, scn):
            rule = f"balance_band[{measured.rule.measure}]"
            outside = {str(r) for r in facts.rep_ids[active & ~measured.in_band]}
            assert outside == flagged.get(rule, set()), (rule, owners)
            share = measure_spread(measured, active).in_band_share
            assert share == pytest.approx(1 - len(outside) / active.sum())
            outside_seen += len(outside)
    assert outside_seen > 0  # books outside the band were judged, not only books inside


def test_a_measure_column_of_zeros_counts_every_rep_at_its_fair_share():
    scn = scenario({"measure": "nps", "share": "equal", "tolerance": 0.05, "weight": 10.0})
    facts = build_facts(CUSTOMERS, REPS, scn)
    nps = rep_measures(pairs_of(facts, [0, 0, 1, 1]), scn)[-1]
    spread = measure_spread(nps, facts.active)
    assert nps.total == 0.0 and spread.in_band_share == 1.0
    assert (spread.gini, spread.max_min_ratio) == (0.0, 1.0)


def test_owner_strength_of_key_and_small_accounts():
    scn = scenario()
    facts = build_facts(CUSTOMERS, REPS, scn)
    strength = facts.rep_strength()  # R1 0.5 + 0.45 = 0.95, R2 0 + 0.15 = 0.15
    assert strength[:2].tolist() == pytest.approx([0.95, 0.15])
    # the key account C4 (tier A, top 20 % by value) with R1, the small ones with R2
    fit = seniority_fit(pairs_of(facts, [1, 1, 0, 0]))
    assert fit.tier_a == pytest.approx(0.95) and fit.top_value == pytest.approx(0.95)
    assert fit.tier_c == pytest.approx(0.15) and fit.bottom_value == pytest.approx(0.15)
    assert fit.spearman > 0.8
    after = assignment_metrics(pairs_of(facts, [1, 1, 0, 0]), scn, None)
    assert after.strength_tier_a > after.strength_tier_c
    assert after.measures["value"].share == "equal"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(-3, 3)), min_size=2, max_size=40).filter(
        lambda pairs: len({a for a, _ in pairs}) > 1 and len({b for _, b in pairs}) > 1
    )
)
def test_spearman_matches_scipys_on_tied_ranks(pairs):
    from scipy.stats import spearmanr

    x = np.array([a for a, _ in pairs], dtype=float)
    y = np.array([b for _, b in pairs], dtype=float)
    assert spearman(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
