"""Balance bands and rep floors, verifier style: the rows and the check on hand-made pairs,
and the integer rows engines use, with no engine and no solve."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.constraints.bands import BandRule, least_workload
from solver.constraints.base import RowBlock
from solver.errors import ScenarioError
from solver.scenario import Scenario
from tests.conftest import all_pairs, build_facts, pairs_of
from tests.instances import cust, frame, rep

# three reps; R3 leaves. Values 100 / 300 / 600 / 1,000 (total 2,000).
REPS = frame(
    rep("R1", 32.0, -97.0, capacity_hours=100.0, min_value=500.0),
    rep("R2", 33.0, -97.0, capacity_hours=300.0, min_accounts=2),
    rep("R3", 33.0, -96.0, capacity_hours=100.0, active="false"),
)
CUSTOMERS = frame(
    cust("C1", 32.0, -97.0, value=100.0, effort_hours=5.0),
    cust("C2", 32.1, -97.0, value=300.0, effort_hours=5.0),
    cust("C3", 33.0, -97.0, value=600.0, effort_hours=5.0),
    cust("C4", 33.1, -97.0, value=1000.0, effort_hours=5.0),
)
NO_FORCE = np.full(4, -1)


def scenario(*tables: dict) -> Scenario:
    return Scenario.from_dict({"as_of": "2027-01-01", "balance": list(tables)})


def blocks_by_rule(scn: Scenario) -> dict:
    facts = build_facts(CUSTOMERS, REPS, scn)
    return {b.rule: b for b in BandRule().rows(all_pairs(facts), scn, NO_FORCE)}


def test_a_value_band_gives_each_active_rep_its_share_of_the_fixed_total():
    scn = scenario({"measure": "value", "share": "equal", "band": [0.8, 1.25]})
    block = blocks_by_rule(scn)["balance_band[value]"]
    # two active reps, equal shares of 2,000: [0.8, 1.25] x 1,000; the leaving R3 has no row
    assert block.labels == ("R1", "R2")
    assert block.lower.tolist() == pytest.approx([800.0, 800.0])
    assert block.upper.tolist() == pytest.approx([1250.0, 1250.0])
    assert block.kind == "value"


def test_capacity_shares_and_the_workload_total_from_the_nearest_active_rep():
    scn = scenario({"measure": "workload", "band": [0.9, 1.1]})
    facts = build_facts(CUSTOMERS, REPS, scn)
    block = blocks_by_rule(scn)["balance_band[workload]"]
    least = least_workload(facts)
    # C1 and C3 sit on a rep's base: effort only; C2 and C4 are 11.1 km from one
    assert least > 20.0
    assert least < 20.0 + 2 * 2 * 11.2 * 1.3 / 60
    # capacity shares 100 : 300 of the active reps
    assert block.lower.tolist() == pytest.approx([0.9 * 0.25 * least, 0.9 * 0.75 * least])
    assert block.upper.tolist() == pytest.approx([1.1 * 0.25 * least, 1.1 * 0.75 * least])


def test_rep_floors_become_rows_with_no_ceiling_of_their_own():
    blocks = blocks_by_rule(scenario())
    value = blocks["balance_band[min_value]"]
    assert value.labels == ("R1",)  # only R1 has a min_value
    assert value.lower.tolist() == [500.0]
    assert value.upper[0] > 2000.0  # out of reach: all the value there is
    accounts = blocks["balance_band[min_accounts]"]
    assert accounts.labels == ("R2",) and accounts.lower.tolist() == [2.0]
    assert "balance_band[min_hours]" not in blocks  # no rep sets one


def test_check_names_the_rep_the_measure_and_the_side():
    scn = scenario({"measure": "value", "share": "equal", "band": [0.8, 1.25]})
    facts = build_facts(CUSTOMERS, REPS, scn)
    # R1: C1 + C2 = 400 (below 800 and below min_value 500); R2: 1,600 (above 1,250)
    found = BandRule().check(pairs_of(facts, [0, 0, 1, 1]), scn, NO_FORCE)
    text = [v.message for v in found]
    assert {v.rule for v in found} == {"balance_band[value]", "balance_band[min_value]"}
    assert any("R1 carries 400.0 of value, below its floor 800.0" in t for t in text)
    assert any("R2 carries 1,600.0 of value, above its ceiling 1,250.0" in t for t in text)
    assert any("R1" in t and "min_value" in t for t in text)
    # R1: C1 + C4 = 1,100, R2: C2 + C3 = 900 (two accounts): every band and floor holds
    assert BandRule().check(pairs_of(facts, [0, 1, 1, 0]), scn, NO_FORCE) == []


def test_a_band_that_cannot_hold_is_refused_in_business_words():
    with pytest.raises(ScenarioError, match="above 1: every rep would need more"):
        scenario({"measure": "value", "band": [1.1, 1.3]})
    with pytest.raises(ScenarioError, match="below 1"):
        scenario({"measure": "value", "band": [0.5, 0.9]})


@settings(max_examples=200, deadline=None)
@given(
    coeff=st.lists(st.floats(0.0, 50.0), min_size=6, max_size=6),
    chosen=st.lists(st.booleans(), min_size=6, max_size=6),
    lower=st.floats(0.0, 100.0),
    width=st.floats(0.0, 100.0),
)
def test_integer_rows_only_keep_plans_that_keep_the_exact_rows(coeff, chosen, lower, width):
    """Whatever satisfies an engine's integer rows satisfies the exact ones, floors included."""
    row = np.array([0, 0, 0, 1, 1, 1])
    block = RowBlock(
        "band",
        "hours",
        row,
        np.array(coeff),
        np.full(2, lower + width),
        ("a", "b"),
        np.full(2, lower),
    )
    pairs = np.flatnonzero(chosen)
    keeps = [
        np.all(b.usage(pairs) <= b.upper) and np.all(b.usage(pairs) >= b.lower)
        for b in block.integral_blocks()
    ]
    exact = block.usage(pairs)
    if all(keeps):
        assert np.all(exact <= block.upper + 1e-9) and np.all(exact >= block.lower - 1e-9)


def test_whole_coefficients_keep_one_integer_block_with_the_floor_rounded_up():
    block = RowBlock("b", "accounts", np.array([0, 0]), np.ones(2), np.array([2.0]), ("a",),
                     np.array([1.5]))  # fmt: skip
    (only,) = block.integral_blocks()
    assert only.lower.tolist() == [2.0] and only.upper.tolist() == [2.0]
    assert block.integral_is_exact()
