"""Each objective term on its own, verifier style: its price on a few hand-made pairs, and
the balance term's cost on a given assignment, with no engine and no solve."""

from __future__ import annotations

import numpy as np
import pytest

from solver.objectives import SEPARABLE_TERMS, TERM_NAMES, balance
from solver.objectives.continuity import ContinuityTerm
from solver.objectives.specialty import SpecialtyTerm
from solver.objectives.travel import TravelTerm
from solver.objectives.value_fit import ValueFitTerm
from tests.conftest import all_pairs, build_facts, pairs_of
from tests.instances import cust, frame, rep

REPS = frame(
    rep("R1", 32.0, -97.0, seniority=1, performance=0.0, specialties="retail"),
    rep("R2", 33.0, -97.0, seniority=5, performance=1.0, specialties="energy; Retail "),
)
CUSTOMERS = frame(
    cust("C1", 32.0, -97.0, value=100.0, segment="retail", current_rep="R1",
         owner_since="2020-01-01"),
    cust("C2", 33.0, -97.0, value=300.0, segment="energy", visits=2, current_rep="R1"),
    cust("C3", 32.0, -97.0, value=200.0),
)  # fmt: skip


@pytest.fixture
def pairs(as_of_scenario):
    return all_pairs(build_facts(CUSTOMERS, REPS, as_of_scenario()))


def test_travel_prices_road_km_of_every_visit(pairs):
    km = TravelTerm().price(pairs).reshape(3, 2)
    one_way = 111.19  # one degree of latitude, great-circle km
    # C2 is visited twice: 2 visits x there and back x 1.3 road factor
    assert km[0, 0] == pytest.approx(0.0, abs=1e-6)
    assert km[0, 1] == pytest.approx(2 * one_way * 1.3, rel=1e-3)
    assert km[1, 0] == pytest.approx(2 * 2 * one_way * 1.3, rel=1e-3)


def test_specialty_prices_an_account_outside_the_reps_specialties(pairs):
    # R2 lists " Retail " too; C3 has no segment and never pays
    assert SpecialtyTerm().price(pairs).tolist() == [0, 0, 1, 0, 0, 0]


def test_value_fit_prices_value_share_times_rep_weakness(pairs):
    price = ValueFitTerm().price(pairs).reshape(3, 2)
    # mean value 200; R1 strength 0, R2 strength 1
    np.testing.assert_allclose(price[:, 0], [0.5, 1.5, 1.0])
    np.testing.assert_allclose(price[:, 1], [0.0, 0.0, 0.0])


def test_continuity_prices_a_move_by_value_and_tenure(pairs):
    price = ContinuityTerm().price(pairs).reshape(3, 2)
    # C1: moving costs (1 + 0.5) x (1 + 5/5): seven years with R1, capped at five
    assert price[0].tolist() == [0.0, pytest.approx(3.0)]
    assert price[1].tolist() == [0.0, pytest.approx(2.5)]  # (1 + 1.5) x (1 + 0)
    assert price[2].tolist() == [0.0, 0.0]  # a new account moves from nobody


def test_the_weighted_cost_is_weight_times_price(pairs, as_of_scenario):
    scn = as_of_scenario(weights={"travel": 2.5})
    np.testing.assert_allclose(TravelTerm().cost(pairs, scn), 2.5 * TravelTerm().price(pairs))


def test_balance_cost_is_the_weighted_distance_from_capacity_shares(as_of_scenario):
    scn = as_of_scenario(weights={"balance": 10.0}, workload_unit="accounts")
    facts = build_facts(CUSTOMERS, REPS, scn)
    assigned = pairs_of(facts, [0, 0, 0])  # three accounts on R1, equal capacities
    np.testing.assert_allclose(balance.targets(assigned, scn), [1.5, 1.5])
    assert balance.cost(assigned, scn) == pytest.approx(10.0 * (1.5 + 1.5))
    assert balance.cost(pairs_of(facts, [0, 1, 0]), scn) == pytest.approx(10.0 * (0.5 + 0.5))


def test_every_term_has_a_name_a_unit_and_a_scenario_weight(as_of_scenario):
    scn = as_of_scenario()
    assert TERM_NAMES == ("travel", "specialty", "value_fit", "continuity", "balance")
    for term in SEPARABLE_TERMS:
        assert term.unit and term.weight(scn) == getattr(scn.weights, term.name)


def test_value_fit_is_the_same_on_reps_of_equal_strength(as_of_scenario):
    # seniority 3 and performance 0.5, or seniority 5 and performance 0: strength 0.5 both
    reps = frame(
        rep("R1", 32.0, -97.0, seniority=3, performance=0.5),
        rep("R2", 33.0, -97.0, seniority=5, performance=0.0),
    )
    pairs = all_pairs(build_facts(CUSTOMERS, reps, as_of_scenario()))
    price = ValueFitTerm().price(pairs).reshape(3, 2)
    np.testing.assert_allclose(price[:, 0], price[:, 1])
    np.testing.assert_allclose(price[:, 0], [0.25, 0.75, 0.5])  # value / 200 x (1 - 0.5)


def test_continuity_costs_the_same_on_every_rep_when_the_current_rep_leaves(as_of_scenario):
    reps = frame(*REPS.to_dict("records"), rep("R3", 32.5, -97.0, active=False))
    customers = frame(cust("C1", 32.0, -97.0, value=300.0, current_rep="R3"),
                      cust("C2", 33.0, -97.0, value=100.0))  # fmt: skip
    price = ContinuityTerm().price(all_pairs(build_facts(customers, reps, as_of_scenario())))
    # the move is paid whatever the new rep (1 + 300 / 200), so the term does not steer
    assert price.reshape(2, 3).tolist() == [[2.5, 2.5, 0.0], [0.0, 0.0, 0.0]]


def test_balance_targets_follow_capacity_shares_of_active_reps(as_of_scenario):
    reps = frame(
        rep("R1", 32.0, -97.0, capacity_hours=200.0),
        rep("R2", 32.0, -97.0, capacity_hours=100.0),
        rep("R3", 32.0, -97.0, capacity_hours=500.0, active=False),
    )
    customers = frame(*(cust(f"C{i}", 32.0, -97.0, effort_hours=3.0, visits=0) for i in range(3)))
    scn = as_of_scenario(weights={"balance": 1.0})
    facts = build_facts(customers, reps, scn)
    np.testing.assert_allclose(balance.shares(facts), [2 / 3, 1 / 3, 0.0])
    # all 9 h on the leaving rep R3: targets 6 h and 3 h, and R3's own load is not priced
    on_r3 = pairs_of(facts, [2, 2, 2])
    np.testing.assert_allclose(balance.targets(on_r3, scn), [6.0, 3.0, 0.0])
    np.testing.assert_allclose(balance.deviation(on_r3, scn), [6.0, 3.0, 0.0])
    assert balance.cost(pairs_of(facts, [0, 0, 1]), scn) == pytest.approx(0.0)
