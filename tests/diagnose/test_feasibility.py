"""Infeasible scenarios are explained in business words: which customers, which reps, which
rule, by how much, and what could be relaxed."""

from __future__ import annotations

import pandas as pd
import pytest

import solver
from tests.instances import cust as base_cust
from tests.instances import frame, rep
from tests.instances import scenario as base_scenario

UNTIL = "2027-06-30"  # protection in force on AS_OF


# ---------------------------------------------------------------- helpers


def cust(customer_id: str, lat: float, lon: float, **extra) -> dict:
    """10 h effort and no visits: workload = effort exactly."""
    return base_cust(customer_id, lat, lon, **{"effort_hours": 10.0, "visits": 0, **extra})


def scenario(rules: dict | None = None, **extra) -> dict:
    return base_scenario(None, rules, **extra)


def infeasible(customers: pd.DataFrame, reps: pd.DataFrame, scn: dict) -> solver.InfeasibleError:
    with pytest.raises(solver.InfeasibleError) as info:
        solver.solve(customers, reps, scn)
    exc = info.value
    assert exc.reasons, "an infeasible scenario must say why"
    assert exc.suggestions, "an infeasible scenario must say what could be relaxed"
    text = str(exc)
    for line in exc.reasons + exc.suggestions:
        assert line in text  # the message a user sees carries both
    return exc


def two_reps(r1: dict | None = None, r2: dict | None = None) -> pd.DataFrame:
    return frame(rep("R1", 40.0, -100.0, **(r1 or {})), rep("R2", 40.0, -98.0, **(r2 or {})))


# ---------------------------------------------------------------- the cases


def case_no_eligible_rep():
    # C1 sits half-way (85 km from each rep); both reps travel at most 50 km
    reps = two_reps({"max_travel_km": 50.0}, {"max_travel_km": 50.0})
    customers = frame(cust("C1", 40.0, -99.0), cust("C2", 40.0, -99.9))
    return customers, reps, scenario()


def case_protected_over_capacity():
    reps = two_reps({"capacity_hours": 20.0})
    customers = frame(
        *(cust(f"C{i}", 40.0, -100.0, protected_rep="R1", protected_until=UNTIL) for i in (1, 2, 3))
    )
    return customers, reps, scenario()


def case_demand_over_capacity():
    reps = two_reps({"capacity_hours": 10.0}, {"capacity_hours": 10.0})
    customers = frame(*(cust(f"C{i}", 40.0, -99.0) for i in (1, 2, 3)))
    return customers, reps, scenario()


def case_lock_against_protection():
    reps = two_reps()
    customers = frame(
        cust("C1", 40.0, -99.9, protected_rep="R1", protected_until=UNTIL),
        cust("C2", 40.0, -99.9),
    )
    return customers, reps, scenario({"locks": [["C1", "R2"]]})


def case_lock_to_leaving_rep():
    reps = two_reps(r2={"active": False})
    customers = frame(cust("C1", 40.0, -99.9), cust("C2", 40.0, -99.9))
    return customers, reps, scenario({"locks": [["C1", "R2"]]})


def case_max_accounts_too_small():
    reps = two_reps({"max_accounts": 1}, {"max_accounts": 1})
    customers = frame(*(cust(f"C{i}", 40.0, -99.0) for i in (1, 2, 3)))
    return customers, reps, scenario()


def case_bin_packing():
    # 30 h of demand, 30 h of capacity, but no rep can hold two 10 h accounts
    reps = two_reps({"capacity_hours": 15.0}, {"capacity_hours": 15.0})
    customers = frame(*(cust(f"C{i}", 40.0, -99.0) for i in (1, 2, 3)))
    return customers, reps, scenario()


def case_budget_against_capacity():
    # R1 owns 30 h but may carry 20 h: one account must move, the budget allows none
    reps = two_reps({"capacity_hours": 20.0})
    customers = frame(*(cust(f"C{i}", 40.0, -99.9, current_rep="R1") for i in (1, 2, 3)))
    return customers, reps, scenario({"max_moves": 0})


def case_required_specialty():
    reps = two_reps({"specialties": "energy"}, {"specialties": "retail"})
    customers = frame(cust("C1", 40.0, -99.9, segment="health"), cust("C2", 40.0, -99.9))
    return customers, reps, scenario({"required_specialty": True})


def case_lock_to_forbidden_pair():
    reps = two_reps()
    customers = frame(cust("C1", 40.0, -99.9), cust("C2", 40.0, -99.9))
    return customers, reps, scenario({"locks": [["C1", "R2"]], "forbidden": [["C1", "R2"]]})


CASES = {
    "no_eligible_rep": case_no_eligible_rep,
    "protected_over_capacity": case_protected_over_capacity,
    "demand_over_capacity": case_demand_over_capacity,
    "lock_against_protection": case_lock_against_protection,
    "lock_to_leaving_rep": case_lock_to_leaving_rep,
    "max_accounts_too_small": case_max_accounts_too_small,
    "bin_packing": case_bin_packing,
    "budget_against_capacity": case_budget_against_capacity,
    "required_specialty": case_required_specialty,
    "lock_to_forbidden_pair": case_lock_to_forbidden_pair,
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_infeasible_case_has_reasons_and_suggestions(name):
    exc = infeasible(*CASES[name]())
    assert all(s.strip() for s in exc.suggestions)
    assert len(exc.suggestions) == len(set(exc.suggestions))  # no repeated advice


@pytest.mark.parametrize("name", list(CASES))
def test_relaxing_everything_makes_each_case_feasible(name):
    """The cases are infeasible because of the rules, not because the data is broken."""
    customers, reps, scn = CASES[name]()
    relaxed = {
        **scn,
        "rules": {
            "protection": False,
            "capacity_hours": False,
            "max_accounts": False,
            "max_travel": False,
        },
    }
    reps = reps.assign(active=True)
    plan = solver.solve(customers, reps, relaxed)
    assert len(plan.assignments) == len(customers)


# ---------------------------------------------------------------- the wording


def test_customer_without_eligible_rep_is_named_with_the_rule():
    exc = infeasible(*case_no_eligible_rep())
    assert len(exc.reasons) == 1
    reason = exc.reasons[0]
    assert "customer C1" in reason
    assert "C2" not in reason  # only the stuck customer is named
    assert "max_travel" in reason
    assert "2 reps excluded" in reason
    assert any("max_travel_km" in s for s in exc.suggestions)


def test_customer_needing_an_uncovered_specialty_is_named():
    exc = infeasible(*case_required_specialty())
    assert len(exc.reasons) == 1
    assert "customer C1" in exc.reasons[0] and "required_specialty" in exc.reasons[0]
    assert any("specialty" in s for s in exc.suggestions)


def test_protected_work_above_capacity_names_rep_and_hours():
    exc = infeasible(*case_protected_over_capacity())
    assert len(exc.reasons) == 1
    reason = exc.reasons[0]
    assert "rep R1" in reason
    assert "30.0 h" in reason  # what it holds
    assert "20.0" in reason  # its capacity
    assert "protected" in reason and "capacity_hours" in reason
    assert "R2" not in reason
    assert any("protected_until" in s for s in exc.suggestions)
    assert any("capacity_hours" in s for s in exc.suggestions)


def test_total_demand_above_total_capacity_gives_both_totals():
    exc = infeasible(*case_demand_over_capacity())
    assert len(exc.reasons) == 1
    reason = exc.reasons[0]
    assert "30.0 h" in reason and "20.0" in reason
    assert "capacity_hours" in reason
    assert any("raise capacity_hours" in s for s in exc.suggestions)


def test_total_capacity_counts_only_reps_that_can_take_accounts():
    customers, reps, scn = case_demand_over_capacity()
    reps = pd.concat(
        [reps, frame(rep("R3", 40.0, -99.0, capacity_hours=100.0, active=False))],
        ignore_index=True,
    )
    exc = infeasible(customers, reps, scn)
    assert "30.0 h" in exc.reasons[0] and "20.0" in exc.reasons[0]


def test_lock_conflicting_with_protection_names_both_reps():
    exc = infeasible(*case_lock_against_protection())
    assert len(exc.reasons) == 1
    reason = exc.reasons[0]
    assert "customer C1" in reason
    assert "protected" in reason and "R1" in reason
    assert "locked" in reason and "R2" in reason
    assert "C2" not in reason
    assert any("lock" in s for s in exc.suggestions)


def test_lock_to_leaving_rep_is_named():
    exc = infeasible(*case_lock_to_leaving_rep())
    assert len(exc.reasons) == 1
    reason = exc.reasons[0]
    assert "customer C1" in reason and "locked" in reason and "R2" in reason
    assert "leaving" in reason
    assert any("active" in s for s in exc.suggestions)


def test_lock_to_forbidden_pair_is_named():
    exc = infeasible(*case_lock_to_forbidden_pair())
    reason = exc.reasons[0]
    assert "customer C1" in reason and "R2" in reason and "forbidden" in reason


def test_max_accounts_too_small_in_total():
    exc = infeasible(*case_max_accounts_too_small())
    assert len(exc.reasons) == 1
    reason = exc.reasons[0]
    assert "max_accounts" in reason
    assert "at least 3.0 accounts" in reason  # what the customers need
    assert "total 2.0" in reason  # what the caps allow
    assert any("max_accounts" in s for s in exc.suggestions)


def test_protected_accounts_above_max_accounts_name_the_rep():
    reps = two_reps({"max_accounts": 1})
    customers = frame(
        *(cust(f"C{i}", 40.0, -100.0, protected_rep="R1", protected_until=UNTIL) for i in (1, 2))
    )
    exc = infeasible(customers, reps, scenario())
    assert "rep R1" in exc.reasons[0] and "max_accounts" in exc.reasons[0]
    assert "2.0" in exc.reasons[0] and "1.0" in exc.reasons[0]


def test_engine_found_infeasibility_names_the_rule():
    """Aggregate capacity suffices, so only the integer model can tell: still explained."""
    exc = infeasible(*case_bin_packing())
    assert "capacity_hours" in exc.reasons[0]
    assert any("capacity_hours" in s for s in exc.suggestions)


def test_move_budget_against_capacity_names_both_rules():
    exc = infeasible(*case_budget_against_capacity())
    text = " ".join(exc.reasons)
    assert "capacity_hours" in text and "disruption_budget" in text
    assert any("max_moves" in s for s in exc.suggestions)


# ---------------------------------------------------------------- input errors, not infeasibility


def test_protection_held_by_a_leaving_rep_is_an_input_error_in_strict_mode():
    reps = two_reps(r2={"active": False})
    customers = frame(cust("C1", 40.0, -99.9, protected_rep="R2", protected_until=UNTIL))
    with pytest.raises(solver.InputError, match="leaving rep"):
        solver.solve(customers, reps, scenario({"leaving_rep_protection": "error"}))


def test_customer_locked_to_two_reps_is_a_scenario_error():
    reps = two_reps()
    customers = frame(cust("C1", 40.0, -99.9))
    with pytest.raises(solver.ScenarioError, match="two different reps"):
        solver.solve(customers, reps, scenario({"locks": [["C1", "R1"], ["C1", "R2"]]}))


@pytest.mark.parametrize(
    ("band", "words"),
    [
        ((0.95, 1.25), "the floors under balance_band[accounts] need 12 accounts in whole "
         "accounts (R1 4, R2 4, R3 4), but the book has 10"),
        ((0.8, 1.05), "the ceilings under balance_band[accounts] hold 9 accounts in whole "
         "accounts (R1 3, R2 3, R3 3), but the book has 10"),
        ((0.99, 1.01), "rep R1 must hold between 3.30 and 3.37 accounts under "
         "balance_band[accounts]: no whole number lies between"),
    ],
)  # fmt: skip
def test_an_accounts_band_no_whole_number_of_accounts_meets_is_named(band, words):
    """10 accounts over 3 equal reps: 3.33 each, which only a split account could hold."""
    reps = frame(*(rep(f"R{k}", 40.0, -100.0 + k) for k in (1, 2, 3)))
    customers = frame(*(cust(f"C{i}", 40.0, -99.0) for i in range(10)))
    table = {"measure": "accounts", "share": "equal", "band": list(band)}
    exc = infeasible(customers, reps, {**scenario(), "balance": [table]})
    assert words in exc.reasons
