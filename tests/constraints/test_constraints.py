"""Hard rules end to end: cases where a rule binds in a solved plan (the plan differs from
the plan with the rule off), and the independent checker (``check_plan``, from the raw
inputs) flagging a hand-made violation of each rule. Every plan the solver returns must
pass ``check_plan``. Each rule on its own, on hand-made pairs and without a solve:
tests/constraints/test_rules.py."""

from __future__ import annotations

import pandas as pd
import pytest

import solver
from tests.instances import SMALL_SCENARIO, cust, frame, make_instance, rep
from tests.instances import scenario as base_scenario

# ---------------------------------------------------------------- helpers


def scenario(rules: dict | None = None, weights: dict | None = None, **extra) -> dict:
    """Travel is the only weight unless told otherwise: every customer wants its nearest rep."""
    return base_scenario({"travel": 1.0, **(weights or {})}, rules, **extra)


def solve(customers: pd.DataFrame, reps: pd.DataFrame, scn: dict) -> dict[str, str]:
    """Solve, insist the checker finds nothing, return customer -> rep."""
    plan = solver.solve(customers, reps, scn)
    rows = plan.assignments[["customer_id", "rep_id"]]
    assert solver.check_plan(customers, reps, rows, scn) == []
    return dict(zip(rows["customer_id"], rows["rep_id"], strict=True))


def solve_plan(customers: pd.DataFrame, reps: pd.DataFrame, scn: dict) -> solver.Plan:
    plan = solver.solve(customers, reps, scn)
    rows = plan.assignments[["customer_id", "rep_id"]]
    assert solver.check_plan(customers, reps, rows, scn) == []
    return plan


def check(customers, reps, owners: dict[str, str], scn: dict) -> list:
    plan = pd.DataFrame({"customer_id": list(owners), "rep_id": list(owners.values())})
    return solver.check_plan(customers, reps, plan, scn)


# R1 and R2 sit 85 km apart on the 40th parallel; "near" customers are 4 km from R1.
NEAR_R1 = (40.0, -99.95)


def two_reps(r1: dict | None = None, r2: dict | None = None) -> pd.DataFrame:
    return frame(rep("R1", 40.0, -100.0, **(r1 or {})), rep("R2", 40.0, -99.0, **(r2 or {})))


# ---------------------------------------------------------------- protection


def _protected():
    customers = frame(
        cust("C1", *NEAR_R1, protected_rep="R2", protected_until="2027-06-30"),
        cust("C2", *NEAR_R1),
    )
    return customers, two_reps()


def test_protection_binds_while_in_force():
    customers, reps = _protected()
    plan = solve_plan(customers, reps, scenario())
    rows = plan.assignments.set_index("customer_id")
    assert rows.loc["C1", "rep_id"] == "R2"
    assert rows.loc["C1", "forced_by"].startswith("protected")
    assert "protected until 2027-06-30" in rows.loc["C1", "reason"]
    assert rows.loc["C2", "rep_id"] == "R1"
    assert solve(customers, reps, scenario({"protection": False})) == {"C1": "R1", "C2": "R1"}


def test_protection_holds_on_its_last_day_and_ends_after_it():
    customers, reps = _protected()
    assert solve(customers, reps, scenario(as_of="2027-06-30"))["C1"] == "R2"
    assert solve(customers, reps, scenario(as_of="2027-07-01")) == {"C1": "R1", "C2": "R1"}


def test_check_flags_a_broken_protection_only_while_in_force():
    customers, reps = _protected()
    owners = {"C1": "R1", "C2": "R1"}
    found = check(customers, reps, owners, scenario())
    assert [(v.rule, v.customer_id, v.rep_id) for v in found] == [("protection", "C1", "R1")]
    assert "R2" in found[0].message
    assert check(customers, reps, owners, scenario(as_of="2027-07-01")) == []
    assert check(customers, reps, owners, scenario({"protection": False})) == []


# ---------------------------------------------------------------- capacity (hours)


def _three_near_r1(**extra):
    # each ~10.2 h on R1 (10 h effort + 2 x 4.3 km x 1.3 / 60 km/h)
    return frame(*(cust(f"C{i}", *NEAR_R1, effort_hours=10.0, **extra) for i in (1, 2, 3)))


def test_capacity_hours_binds():
    customers, reps = _three_near_r1(), two_reps({"capacity_hours": 25.0})
    plan = solve_plan(customers, reps, scenario())
    table = plan.reps.set_index("rep_id")
    assert table["accounts"].to_dict() == {"R1": 2, "R2": 1}
    assert table.loc["R1", "workload_hours"] <= 25.0
    off = solve(customers, reps, scenario({"capacity_hours": False}))
    assert set(off.values()) == {"R1"}


def test_check_flags_capacity_hours():
    customers, reps = _three_near_r1(), two_reps({"capacity_hours": 25.0})
    found = check(customers, reps, {"C1": "R1", "C2": "R1", "C3": "R1"}, scenario())
    assert [(v.rule, v.rep_id) for v in found] == [("capacity_hours", "R1")]
    assert "25.0 h" in found[0].message
    assert check(customers, reps, {"C1": "R1", "C2": "R1", "C3": "R2"}, scenario()) == []


# ---------------------------------------------------------------- capacity (accounts)


def test_check_flags_max_accounts():
    customers, reps = _three_near_r1(), two_reps({"max_accounts": 1})
    found = check(customers, reps, {"C1": "R1", "C2": "R1", "C3": "R1"}, scenario())
    assert [(v.rule, v.rep_id) for v in found] == [("max_accounts", "R1")]
    assert "owns 3 accounts" in found[0].message
    assert check(customers, reps, {"C1": "R1", "C2": "R2", "C3": "R2"}, scenario()) == []


# ---------------------------------------------------------------- max travel


def _far_customer():
    # C1 is 76.7 km (great circle) from R1 and 93.7 km from R2
    return frame(cust("C1", 40.0, -99.1)), (40.0, -100.0), (40.0, -98.0)


def _travel_reps(limit: float | None) -> pd.DataFrame:
    extra = {} if limit is None else {"max_travel_km": limit}
    return frame(rep("R1", 40.0, -100.0, **extra), rep("R2", 40.0, -98.0))


def test_check_flags_max_travel():
    customers, _, _ = _far_customer()
    found = check(customers, _travel_reps(50.0), {"C1": "R1"}, scenario())
    assert [(v.rule, v.customer_id, v.rep_id) for v in found] == [("max_travel", "C1", "R1")]
    assert "77 km" in found[0].message and "50" in found[0].message
    assert check(customers, _travel_reps(50.0), {"C1": "R2"}, scenario()) == []


# ---------------------------------------------------------------- required specialty


def _specialty():
    customers = frame(cust("C1", *NEAR_R1, segment="health"), cust("C2", *NEAR_R1))
    reps = two_reps({"specialties": "energy"}, {"specialties": "retail;health"})
    return customers, reps


def test_check_flags_required_specialty():
    customers, reps = _specialty()
    owners = {"C1": "R1", "C2": "R1"}
    found = check(customers, reps, owners, scenario({"required_specialty": True}))
    assert [(v.rule, v.customer_id, v.rep_id) for v in found] == [
        ("required_specialty", "C1", "R1")
    ]
    assert "health" in found[0].message
    assert check(customers, reps, owners, scenario()) == []


# ---------------------------------------------------------------- region


def _regions(r1_region: str):
    customers = frame(
        cust("C1", *NEAR_R1, region="north"),
        cust("C2", *NEAR_R1, region="south"),
    )
    return customers, two_reps({"region": r1_region}, {"region": "north"})


def test_check_flags_region():
    customers, reps = _regions("south")
    owners = {"C1": "R1", "C2": "R1"}
    found = check(customers, reps, owners, scenario({"region": True}))
    assert [(v.rule, v.customer_id, v.rep_id) for v in found] == [("region", "C1", "R1")]
    assert "north" in found[0].message and "south" in found[0].message
    assert check(customers, reps, owners, scenario()) == []


# ---------------------------------------------------------------- key accounts


def _key_accounts():
    customers = frame(cust("C1", *NEAR_R1, tier="A"), cust("C2", *NEAR_R1, tier="B"))
    return customers, two_reps({"seniority": 2}, {"seniority": 4})


def test_check_flags_key_account_seniority():
    customers, reps = _key_accounts()
    owners = {"C1": "R1", "C2": "R1"}
    found = check(customers, reps, owners, scenario({"key_account_min_seniority": 3}))
    assert [(v.customer_id, v.rep_id) for v in found] == [("C1", "R1")]
    assert found[0].rule == "key_account_seniority"
    assert "tier A" in found[0].message
    assert check(customers, reps, owners, scenario({"key_account_min_seniority": 2})) == []


# ---------------------------------------------------------------- disruption budget


def _disruption():
    """C1-C3 sit next to R1 but belong to far R2; C4, C5 belong to R3, who is leaving."""
    reps = frame(
        rep("R1", 40.0, -100.0),
        rep("R2", 40.0, -98.0),
        rep("R3", *NEAR_R1, active=False),
    )
    customers = frame(
        *(cust(f"C{i}", *NEAR_R1, current_rep="R2") for i in (1, 2, 3)),
        *(cust(f"C{i}", *NEAR_R1, current_rep="R3") for i in (4, 5)),
    )
    return customers, reps


OWN = ("C1", "C2", "C3")


def _moves(owners: dict[str, str]) -> int:
    return sum(owners[c] != "R2" for c in OWN)


def test_without_a_budget_everyone_moves_to_the_near_rep():
    customers, reps = _disruption()
    assert set(solve(customers, reps, scenario()).values()) == {"R1"}
    # a budget larger than the wish list does not bind
    assert set(solve(customers, reps, scenario({"max_moves": 10})).values()) == {"R1"}


@pytest.mark.parametrize(
    ("rules", "moves"),
    [
        ({"max_moves": 0}, 0),
        ({"max_moves": 1}, 1),
        ({"max_moves": 2}, 2),
        # 40 % of the 5 unforced accounts = 2
        ({"max_moves_pct": 40.0}, 2),
        # 30 % of 5 = 1.5, rounded down
        ({"max_moves_pct": 30.0}, 1),
        # both given: the smaller wins
        ({"max_moves": 2, "max_moves_pct": 30.0}, 1),
    ],
)
def test_disruption_budget_binds_and_leaving_rep_moves_are_free(rules, moves):
    customers, reps = _disruption()
    plan = solve_plan(customers, reps, scenario(rules))
    owners = dict(zip(plan.assignments["customer_id"], plan.assignments["rep_id"], strict=True))
    assert _moves(owners) == moves
    # R3's accounts must move whatever the budget, and that does not use it up
    assert owners["C4"] == owners["C5"] == "R1"
    assert plan.metrics["after"]["moves"] == moves + 2


def test_check_flags_a_blown_disruption_budget():
    customers, reps = _disruption()
    two_moves = {"C1": "R1", "C2": "R1", "C3": "R2", "C4": "R1", "C5": "R2"}
    found = check(customers, reps, two_moves, scenario({"max_moves": 1}))
    assert [v.rule for v in found] == ["disruption_budget"]
    assert "2 discretionary moves" in found[0].message and "allows 1" in found[0].message
    assert check(customers, reps, two_moves, scenario({"max_moves": 2})) == []
    forced_only = {"C1": "R2", "C2": "R2", "C3": "R2", "C4": "R1", "C5": "R2"}
    assert check(customers, reps, forced_only, scenario({"max_moves": 0})) == []


def test_moves_forced_by_a_rule_or_a_protection_do_not_use_the_budget():
    reps = frame(rep("R1", 40.0, -100.0), rep("R2", 40.0, -98.0, max_travel_km=100.0))
    customers = frame(
        cust("C1", *NEAR_R1, current_rep="R2"),  # 166 km: R2 may no longer serve it
        cust("C2", 40.0, -99.05, current_rep="R2"),  # 81 km from R1, 89 km from R2
        cust("C3", 40.0, -98.1, current_rep="R2", protected_rep="R1", protected_until="2027-06-30"),
    )
    owners = solve(customers, reps, scenario({"max_moves": 0}))
    assert owners == {"C1": "R1", "C2": "R2", "C3": "R1"}
    assert solve(customers, reps, scenario())["C2"] == "R1"  # what the budget prevented


# ---------------------------------------------------------------- locks


def _lockable():
    return frame(cust("C1", *NEAR_R1), cust("C2", *NEAR_R1)), two_reps()


def test_lock_binds():
    customers, reps = _lockable()
    plan = solve_plan(customers, reps, scenario({"locks": [["C1", "R2"]]}))
    rows = plan.assignments.set_index("customer_id")
    assert rows["rep_id"].to_dict() == {"C1": "R2", "C2": "R1"}
    assert rows.loc["C1", "forced_by"].startswith("locked")
    assert rows.loc["C1", "reason"] == "locked to R2 by the scenario"
    assert solve(customers, reps, scenario()) == {"C1": "R1", "C2": "R1"}


def test_lock_wins_over_eligibility_rules():
    customers = frame(cust("C1", *NEAR_R1, segment="health"))
    reps = two_reps({"specialties": "health"}, {"max_travel_km": 10.0, "region": "x"})
    rules = {"locks": [["C1", "R2"]], "required_specialty": True, "region": True}
    assert solve(customers, reps, scenario(rules)) == {"C1": "R2"}


def test_check_flags_a_broken_lock():
    customers, reps = _lockable()
    owners = {"C1": "R1", "C2": "R1"}
    found = check(customers, reps, owners, scenario({"locks": [["C1", "R2"]]}))
    assert [(v.rule, v.customer_id) for v in found] == [("lock", "C1")]
    assert "R2" in found[0].message
    assert check(customers, reps, owners, scenario({"locks": [["C1", "R1"]]})) == []


# ---------------------------------------------------------------- forbidden pairs


def test_check_flags_a_forbidden_pair():
    customers, reps = _lockable()
    owners = {"C1": "R1", "C2": "R1"}
    found = check(customers, reps, owners, scenario({"forbidden": [["C1", "R1"]]}))
    assert [(v.rule, v.customer_id) for v in found] == [("forbidden_pair", "C1")]
    assert check(customers, reps, owners, scenario({"forbidden": [["C1", "R2"]]})) == []


# ---------------------------------------------------------------- leaving reps


def _leaving(active: bool):
    customers = frame(*(cust(f"C{i}", *NEAR_R1, current_rep="R1") for i in (1, 2)))
    return customers, two_reps({"active": active})


def test_leaving_rep_owns_nothing():
    customers, reps = _leaving(active=False)
    plan = solve_plan(customers, reps, scenario({}, {"continuity": 60.0}))
    table = plan.reps.set_index("rep_id")
    assert table["accounts"].to_dict() == {"R1": 0, "R2": 2}
    assert table.loc["R1", "accounts_before"] == 2
    assert plan.assignments["changed"].all()
    assert plan.assignments["reason"].str.contains("leaving").all()
    assert plan.metrics["after"]["leaving_rep_accounts"] == 0


def test_check_flags_an_account_left_with_a_leaving_rep():
    customers, reps = _leaving(active=False)
    found = check(customers, reps, {"C1": "R1", "C2": "R2"}, scenario())
    assert [(v.rule, v.customer_id, v.rep_id) for v in found] == [("leaving_rep", "C1", "R1")]
    assert check(customers, reps, {"C1": "R2", "C2": "R2"}, scenario()) == []


# ---------------------------------------------------------------- everything at once


def test_plan_with_many_rules_on_passes_the_checker():
    customers, reps = make_instance(n=30, m=4, seed=0, slack=2.0, protected=2)
    customers["region"] = ["east" if lon > -95.5 else "west" for lon in customers["lon"]]
    reps["region"] = ["east" if lon > -95.5 else "west" for lon in reps["lon"]]
    free = customers.loc[customers["protected_rep"] == "", "customer_id"].tolist()
    scn = {
        **SMALL_SCENARIO,
        "engine": "cpsat",
        "time_limit_s": 3,
        "rules": {
            "region": True,
            "key_account_min_seniority": 2,
            "max_moves_pct": 50.0,
            "locks": [[free[0], "R1"]],
            "forbidden": [[free[1], "R0"], [free[1], "R2"]],
        },
    }
    plan = solve_plan(customers, reps, scn)
    rows = plan.assignments.set_index("customer_id")
    assert rows.loc[free[0], "rep_id"] == "R1"
    assert rows.loc[free[1], "rep_id"] not in ("R0", "R2", "R3")
    table = plan.reps.set_index("rep_id")
    assert table.loc["R3", "accounts"] == 0  # the leaving rep
    unforced = rows[rows["forced_by"] == ""]
    rep_region = table["region"].reindex(unforced["rep_id"]).to_numpy()
    assert (unforced["region"].to_numpy() == rep_region).all()
    key = unforced[unforced["tier"] == "A"]
    assert (table["seniority"].reindex(key["rep_id"]).to_numpy() >= 2).all()


def test_new_accounts_under_a_move_budget_are_placed_and_owned_accounts_stay():
    """An account without current_rep is new: it is placed, never counted as a move; with
    max_moves = 0 every owned account keeps its rep."""
    customers = frame(
        cust("C1", 32.0, -97.0, current_rep="R1"),
        cust("C2", 32.0, -96.0, current_rep="R1"),  # R2 is nearer: would move without budget
        cust("N1", 32.0, -96.0),  # new account
        cust("N2", 32.0, -97.0, current_rep=""),
    )
    reps = frame(rep("R1", 32.0, -97.0), rep("R2", 32.0, -96.0))
    for budget in ({"max_moves": 0}, {"max_moves_pct": 20.0}):  # 20 % of 4: no move
        sc = scenario(budget)
        plan = solve_plan(customers, reps, sc)
        rows = plan.assignments.set_index("customer_id")
        assert rows.loc["C1", "rep_id"] == "R1" and rows.loc["C2", "rep_id"] == "R1"
        assert rows.loc["N1", "rep_id"] == "R2"  # the nearer rep: travel decides
        assert not rows.loc[["N1", "N2"], "changed"].any()
        assert plan.metrics["after"]["moves"] == 0
        assert solver.check_plan(customers, reps, plan.assignments, sc) == []
