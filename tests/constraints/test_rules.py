"""Each hard rule on its own, verifier style: its mask, rows and check on a few hand-made
pairs, with no engine and no solve."""

from __future__ import annotations

import numpy as np
import pytest

from solver.constraints import RULES, RowBlock, eligible_mask
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
from solver.errors import ScenarioError
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


# ---------------------------------------------------------------- rules that do not bind
# R1 and R2 sit 85 km apart on the 40th parallel; customers near R1 are 4 km from it.
NEAR_R1 = (40.0, -99.95)


def two_reps(r1: dict | None = None, r2: dict | None = None):
    return frame(rep("R1", 40.0, -100.0, **(r1 or {})), rep("R2", 40.0, -99.0, **(r2 or {})))


def test_max_travel_counts_great_circle_km_not_road_km(as_of_scenario):
    customer = frame(cust("C1", 40.0, -99.1))  # 76.7 km great circle (99.7 road km) from R1
    scn = as_of_scenario()
    for limit, allowed in ((80.0, True), (50.0, False), (None, True)):
        extra = {} if limit is None else {"max_travel_km": limit}
        pairs = pairs_of(build_facts(customer, two_reps(extra), scn), [0])
        assert MaxTravelRule().allowed(pairs, scn).tolist() == [allowed], limit


def test_an_eligibility_rule_is_waived_for_the_customers_forced_rep(as_of_scenario):
    scn = as_of_scenario(rules={"region": True})
    customers = frame(cust("C1", *NEAR_R1, region="north"), cust("C2", *NEAR_R1, region="north"))
    facts = build_facts(customers, two_reps({"region": "south"}), scn)
    assigned = pairs_of(facts, [0, 0])
    broken = RegionRule().check(assigned, scn, np.array([0, -1]))  # C1 protected / locked to R1
    assert [(v.rule, v.customer_id, v.rep_id) for v in broken] == [("region", "C2", "R1")]
    assert "'north'" in broken[0].message and "'south'" in broken[0].message


def test_a_rep_without_a_region_takes_customers_of_any_region(as_of_scenario):
    scn = as_of_scenario(rules={"region": True})
    customers = frame(cust("C1", *NEAR_R1, region="north"), cust("C2", *NEAR_R1, region="south"))
    pairs = all_pairs(build_facts(customers, two_reps({"region": ""}, {"region": "north"}), scn))
    assert RegionRule().allowed(pairs, scn).tolist() == [True, True, True, False]


def test_a_customer_without_a_segment_needs_no_specialty(as_of_scenario):
    scn = as_of_scenario(rules={"required_specialty": True})
    customers = frame(cust("C1", *NEAR_R1, segment="health"), cust("C2", *NEAR_R1))
    reps = two_reps({"specialties": "energy"}, {"specialties": "retail;health"})
    facts = build_facts(customers, reps, scn)
    assert RequiredSpecialtyRule().allowed(all_pairs(facts), scn).tolist() == [
        False, True, True, True,
    ]  # fmt: skip
    broken = RequiredSpecialtyRule().check(pairs_of(facts, [0, 0]), scn, np.full(2, -1))
    assert [(v.customer_id, v.rep_id) for v in broken] == [("C1", "R1")]
    assert "'health'" in broken[0].message


def test_key_account_rule_met_by_every_rep_prunes_nothing(as_of_scenario):
    customers = frame(cust("C1", *NEAR_R1, tier="A"), cust("C2", *NEAR_R1, tier="B"))
    reps = two_reps({"seniority": 2}, {"seniority": 4})
    for minimum, mask in ((2, [True] * 4), (3, [False, True, True, True])):
        scn = as_of_scenario(rules={"key_account_min_seniority": minimum})
        pairs = all_pairs(build_facts(customers, reps, scn))
        assert KeyAccountRule().allowed(pairs, scn).tolist() == mask, minimum


def test_an_expired_protection_forces_nothing(as_of_scenario):
    customers = frame(cust("C1", *NEAR_R1, protected_rep="R2", protected_until="2027-06-30"))
    for as_of, forced in (("2027-06-30", [1]), ("2027-07-01", [-1])):
        scn = as_of_scenario(as_of=as_of)
        rule = ProtectionRule()
        assert rule.forced(build_facts(customers, two_reps(), scn), scn)[0].tolist() == forced
    scn = as_of_scenario(rules={"protection": False})
    assert not ProtectionRule().enabled(scn)


def test_locks_naming_two_reps_or_unknown_ids_are_scenario_errors(as_of_scenario):
    customers = frame(cust("C1", *NEAR_R1))
    twice = as_of_scenario(rules={"locks": [["C1", "R1"], ["C1", "R2"]]})
    with pytest.raises(ScenarioError, match="two different reps"):
        LockRule().forced(build_facts(customers, two_reps(), twice), twice)
    unknown = as_of_scenario(rules={"forbidden": [["C9", "R1"]]})
    facts = build_facts(customers, two_reps(), unknown)
    with pytest.raises(ScenarioError) as info:
        ForbiddenRule().allowed(all_pairs(facts), unknown)
    assert [(i.column, i.rule) for i in info.value.issues] == [
        ("rules.forbidden[1]", "unknown customer_id")
    ]


def test_no_rep_leaving_masks_no_pair(as_of_scenario):
    scn = as_of_scenario()
    pairs = all_pairs(build_facts(CUSTOMERS, REPS, scn))
    assert LeavingRule().allowed(pairs, scn).all()


def test_account_cap_rows_cover_capped_reps_only(as_of_scenario):
    scn = as_of_scenario()
    customers = frame(*(cust(f"C{i}", *NEAR_R1) for i in (1, 2, 3)))
    facts = build_facts(customers, two_reps(r2={"max_accounts": 1}), scn)
    pairs = all_pairs(facts)
    block = AccountCapRule().rows(pairs, scn, np.full(3, -1))
    assert block is not None and block.labels == ("R2",)
    assert block.row.tolist() == [-1, 0] * 3 and block.upper.tolist() == [1.0]
    assert (
        AccountCapRule().rows(all_pairs(build_facts(customers, two_reps(), scn)), scn, None) is None
    )
    # three accounts on R1 are within a cap of 3 and, without a cap, within any
    roomy = build_facts(customers, two_reps({"max_accounts": 3}), scn)
    assert AccountCapRule().check(pairs_of(roomy, [0, 0, 0]), scn, np.full(3, -1)) == []


def test_capacity_hours_with_room_to_spare_flags_nothing(as_of_scenario):
    # each account ~10.2 h on R1 (10 h effort + 2 x 4.3 km x 1.3 / 60 km/h)
    scn = as_of_scenario()
    customers = frame(*(cust(f"C{i}", *NEAR_R1, effort_hours=10.0) for i in (1, 2, 3)))
    for capacity, over in ((40.0, []), (25.0, ["R1"])):
        facts = build_facts(customers, two_reps({"capacity_hours": capacity}), scn)
        found = HoursCapacityRule().check(pairs_of(facts, [0, 0, 0]), scn, np.full(3, -1))
        assert [v.rep_id for v in found] == over, capacity


def test_integral_rows_count_minutes_and_round_to_the_safe_side():
    # 8/7 h is whole at no power of ten: hours of an hour or more count in minutes
    block = RowBlock("capacity_hours", "hours", np.array([0, 0, 1]), np.array([8 / 7, 1.5, 2.0]),
                     np.array([1.76, 2.0]), ("R1", "R2"))  # fmt: skip
    whole = block.integral()
    # coefficients round up (68.6 -> 69 minutes), limits down (105.6 -> 105 minutes)
    assert whole.coeff.tolist() == [69.0, 90.0, 120.0] and whole.upper.tolist() == [105.0, 120.0]
    assert not block.integral_is_exact()
    assert RowBlock("x", "hours", np.array([0]), np.array([0.25]), np.array([1.5]), ("R",)
                    ).integral_is_exact()  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "rules", "kept", "wording"),
    [
        (LockRule(), {"locks": [["C1", "R2"]]}, [1, 0], "locked to R2"),
        (ForbiddenRule(), {"forbidden": [["C1", "R1"]]}, [1, 0], "forbidden pair"),
    ],
)
def test_a_plan_breaking_a_scenario_pair_is_flagged(as_of_scenario, rule, rules, kept, wording):
    customers = frame(cust("C1", *NEAR_R1), cust("C2", *NEAR_R1))
    scn = as_of_scenario(rules=rules)
    facts = build_facts(customers, two_reps(), scn)
    broken = rule.check(pairs_of(facts, [0, 0]), scn, NO_FORCE[:2])
    assert [(v.rule, v.customer_id) for v in broken] == [(rule.name, "C1")]
    assert wording in broken[0].message
    assert rule.check(pairs_of(facts, kept), scn, NO_FORCE[:2]) == []
    assert rule.enabled(scn)
