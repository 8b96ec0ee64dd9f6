"""Infeasibility explained by a conflict core (CP-SAT assumptions): each kind of conflict
names its limits, the reps and the accounts caught in it, and what to relax."""

from __future__ import annotations

import pytest

import solver
from tests.instances import cust, frame, rep, scenario

FAR = 35.0  # latitude of a rep 300+ km north of the cluster at 32.0


def _solve(customers, reps, engine="cpsat", **rules):
    scn = scenario({"travel": 1.0}, rules={"max_travel": True, **rules}, engine=engine)
    with pytest.raises(solver.InfeasibleError) as info:
        solver.solve(frame(*customers), frame(*reps), scn)
    return info.value


@pytest.mark.parametrize("engine", ["cpsat", "lns"])
def test_integer_capacity_conflict_the_lp_cannot_see(engine):
    # 3 x 60 h = 180 h fits 2 x 100 h as a fraction, but no two accounts fit one rep
    reps = [
        rep("R1", 32.0, -97.0, capacity_hours=100.0),
        rep("R2", 32.0, -97.0, capacity_hours=100.0),
    ]
    customers = [cust(f"C{i}", 32.0, -97.0, effort_hours=60.0) for i in range(3)]
    error = _solve(customers, reps, engine)
    text = str(error)
    assert "capacity_hours of R1, at most 100.0 h" in text
    assert "capacity_hours of R2, at most 100.0 h" in text
    assert "3 account(s) can only go to R1, R2: C0, C1, C2" in text
    assert any("capacity_hours" in s for s in error.suggestions)
    assert error.exit_code == 4


def test_account_caps_of_the_only_reps_in_reach():
    reps = [
        rep("R1", 32.0, -97.0, max_accounts=1, max_travel_km=100.0),
        rep("R2", 32.1, -97.0, max_accounts=1, max_travel_km=100.0),
        rep("R3", FAR, -97.0, max_accounts=10, max_travel_km=100.0),
    ]
    cluster = [cust(f"A{i}", 32.05, -97.0) for i in range(3)]
    north = [cust(f"B{i}", FAR, -97.0) for i in range(2)]
    text = str(_solve(cluster + north, reps))
    assert "max_accounts of R1, at most 1.0 accounts" in text
    assert "max_accounts of R2, at most 1.0 accounts" in text
    assert "R3" not in text.split("What could be relaxed")[0]
    assert "3 account(s) can only go to R1, R2: A0, A1, A2" in text
    assert "max_travel_km" in text  # suggestion: let other reps reach them


def test_protected_account_plus_trapped_accounts_exceed_one_rep():
    reps = [
        rep("R1", 32.0, -97.0, capacity_hours=100.0, max_travel_km=100.0),
        rep("R2", FAR, -97.0, capacity_hours=500.0, max_travel_km=100.0),
    ]
    customers = [
        cust(
            "P1", 32.0, -97.0, effort_hours=50.0, protected_rep="R1", protected_until="2027-06-30"
        ),
        cust("X1", 32.0, -97.0, effort_hours=30.0),
        cust("X2", 32.0, -97.0, effort_hours=30.0),
        cust("Y1", FAR, -97.0, effort_hours=30.0),
    ]
    text = str(_solve(customers, reps))
    assert "capacity_hours of R1, at most 100.0 h" in text
    assert "R2" not in text.split("What could be relaxed")[0]
    assert "can only go to R1: P1, X1, X2 (at least 110.0 h of work)" in text
    assert "P1 (protected" in text
    assert "protections" in text


def test_move_budget_against_an_overloaded_owner():
    reps = [
        rep("R1", 32.0, -97.0, capacity_hours=100.0),
        rep("R2", 32.0, -97.0, capacity_hours=300.0),
    ]
    customers = [cust(f"C{i}", 32.0, -97.0, effort_hours=40.0, current_rep="R1") for i in range(4)]
    text = str(_solve(customers, reps, max_moves=1))
    assert "disruption_budget (the move budget), at most 1 account(s) changing owner" in text
    assert "capacity_hours of R1, at most 100.0 h" in text
    assert "capacity_hours of R2" not in text
    assert "max_moves" in text


def test_core_is_minimal_among_many_limits():
    # ten roomy reps far away and one tight pair: only the tight pair is in the core
    reps = [
        rep("R1", 32.0, -97.0, capacity_hours=100.0),
        rep("R2", 32.0, -97.0, capacity_hours=100.0),
    ]
    reps += [rep(f"F{j}", FAR, -97.0 + j * 0.01, max_travel_km=50.0) for j in range(10)]
    reps[0]["max_travel_km"] = reps[1]["max_travel_km"] = 50.0
    customers = [cust(f"C{i}", 32.0, -97.0, effort_hours=60.0) for i in range(3)]
    customers += [cust(f"N{i}", FAR, -97.0) for i in range(20)]
    text = str(_solve(customers, reps))
    assert text.count("conflicting limit") == 2
    assert "F0" not in text
