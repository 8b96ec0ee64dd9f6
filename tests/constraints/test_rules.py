"""Each hard rule on its own, verifier style: its mask, rows and check on a few hand-made
pairs, with no engine and no solve."""

from __future__ import annotations

import numpy as np

from solver.constraints import RULES, eligible_mask
from solver.constraints.capacity import AccountCapRule, HoursCapacityRule
from solver.constraints.eligibility import (
    KeyAccountRule,
    MaxTravelRule,
    RegionRule,
    RequiredSpecialtyRule,
)
from solver.constraints.leaving import LeavingRule
from solver.constraints.locks import ForbiddenRule, LockRule
from solver.constraints.protection import ProtectionRule
from tests.conftest import all_pairs, build_facts, pairs_of
from tests.instances import cust, frame, rep

# two reps 111 km apart (one degree of latitude); R2 is senior, covers energy, region OK
REPS = frame(
    rep("R1", 32.0, -97.0, seniority=1, region="TX", specialties="retail", max_travel_km=50.0,
        max_accounts=1, capacity_hours=10.0),
    rep("R2", 33.0, -97.0, seniority=5, region="OK", specialties="energy"),
)  # fmt: skip
CUSTOMERS = frame(
    cust("C1", 32.0, -97.0, region="TX", segment="retail", tier="C", current_rep="R1"),
    cust("C2", 33.0, -97.0, region="OK", segment="energy", tier="A", current_rep="R1"),
    cust("C3", 32.5, -97.0, region="TX", segment="energy", tier="B"),
)
NO_FORCE = np.full(3, -1)


def test_max_travel_allows_pairs_within_the_reps_limit(as_of_scenario):
    facts = build_facts(CUSTOMERS, REPS, as_of_scenario())
    mask = MaxTravelRule().allowed(all_pairs(facts), as_of_scenario())
    # R1 (50 km) reaches only C1 (0 km); R2 has no limit
    assert mask.tolist() == [True, True, False, True, False, True]


def test_region_and_required_specialty_masks(as_of_scenario):
    scn = as_of_scenario(rules={"region": True, "required_specialty": True})
    pairs = all_pairs(build_facts(CUSTOMERS, REPS, scn))
    assert RegionRule().allowed(pairs, scn).tolist() == [True, False, False, True, True, False]
    specialty = RequiredSpecialtyRule().allowed(pairs, scn)
    assert specialty.tolist() == [True, False, False, True, False, True]


def test_key_accounts_only_to_senior_reps(as_of_scenario):
    scn = as_of_scenario(rules={"key_account_min_seniority": 3})
    pairs = all_pairs(build_facts(CUSTOMERS, REPS, scn))
    # only C2 is tier A, and only R2 (seniority 5) may own it
    assert KeyAccountRule().allowed(pairs, scn).tolist() == [True, True, False, True, True, True]
    assert not KeyAccountRule().enabled(as_of_scenario())


def test_a_protected_customer_is_forced_and_a_move_away_is_a_violation(as_of_scenario):
    customers = CUSTOMERS.copy()
    customers.loc[0, ["protected_rep", "protected_until"]] = ["R2", "2027-06-30"]
    scn = as_of_scenario()
    facts = build_facts(customers, REPS, scn)
    forced, why = ProtectionRule().forced(facts, scn)
    assert forced.tolist() == [1, -1, -1] and why.startswith("protected")
    broken = ProtectionRule().check(pairs_of(facts, [0, 1, 1]), scn, forced)
    assert [v.customer_id for v in broken] == ["C1"]
    assert ProtectionRule().check(pairs_of(facts, [1, 1, 1]), scn, forced) == []


def test_locks_force_and_forbidden_pairs_are_masked(as_of_scenario):
    scn = as_of_scenario(rules={"locks": [["C3", "R1"]], "forbidden": [["C2", "R2"]]})
    facts = build_facts(CUSTOMERS, REPS, scn)
    forced, _ = LockRule().forced(facts, scn)
    assert forced.tolist() == [-1, -1, 0]
    allowed = ForbiddenRule().allowed(all_pairs(facts), scn)
    assert allowed.tolist() == [True, True, True, False, True, True]


def test_a_leaving_rep_owns_nothing(as_of_scenario):
    reps = REPS.copy()
    reps["active"] = [True, False]
    scn = as_of_scenario()
    facts = build_facts(CUSTOMERS, reps, scn)
    assert LeavingRule().allowed(all_pairs(facts), scn).tolist() == [True, False] * 3
    broken = LeavingRule().check(pairs_of(facts, [0, 1, 0]), scn, NO_FORCE)
    assert [(v.customer_id, v.rep_id) for v in broken] == [("C2", "R2")]


def test_capacity_rows_hold_each_accounts_workload_and_the_check_sums_them(as_of_scenario):
    scn = as_of_scenario()
    facts = build_facts(CUSTOMERS, REPS, scn)
    pairs = all_pairs(facts)
    block = HoursCapacityRule().rows(pairs, scn, NO_FORCE)
    assert block.row.tolist() == pairs.rep.tolist()  # one row per rep
    np.testing.assert_allclose(block.coeff, pairs.workload)
    assert block.upper.tolist() == [10.0, 1000.0]
    # C1 (5 h, on R1's base) and C3 (5 h + 2 x 55.6 km x 1.3 / 60 h of travel) on R1
    over = HoursCapacityRule().check(pairs_of(facts, [0, 1, 0]), scn, NO_FORCE)
    assert [v.rep_id for v in over] == ["R1"]
    assert AccountCapRule().check(pairs_of(facts, [0, 1, 0]), scn, NO_FORCE)[0].rep_id == "R1"
    assert AccountCapRule().check(pairs_of(facts, [0, 1, 1]), scn, NO_FORCE) == []


def test_the_move_budget_counts_owned_accounts_only(as_of_scenario):
    scn = as_of_scenario(rules={"max_moves": 0})
    facts = build_facts(CUSTOMERS, REPS, scn)
    rule = next(r for r in RULES if r.name == "disruption_budget")
    block = rule.rows(all_pairs(facts), scn, NO_FORCE)
    # C1's move to R2 counts; C2's does not (R1 is 111 km away, beyond its 50 km: the move
    # is forced by the travel rule); C3 is new: none of its pairs is a move
    assert (block.row >= 0).tolist() == [False, True, False, False, False, False]
    assert block.upper.tolist() == [0.0]
    assert rule.check(pairs_of(facts, [0, 1, 1]), scn, NO_FORCE) == []
    assert rule.check(pairs_of(facts, [1, 0, 1]), scn, NO_FORCE)[0].rule == "disruption_budget"


def test_eligibility_combines_every_enabled_pair_rule(as_of_scenario):
    scn = as_of_scenario(rules={"region": True})
    mask = eligible_mask(all_pairs(build_facts(CUSTOMERS, REPS, scn)), scn)
    # max travel (on by default) and region together
    assert mask.tolist() == [True, False, False, True, False, False]
