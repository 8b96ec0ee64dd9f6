"""Reasons that tell the truth: the term that decided a move, every rule that forced one."""

from __future__ import annotations

import numpy as np
import pandas as pd

import solver
from solver.reasons import term_deltas
from tests.instances import cust, frame, rep, scenario


def _rows(plan: solver.Plan) -> pd.DataFrame:
    return plan.assignments.set_index("customer_id")


def test_a_move_for_balance_says_balance_in_the_csv_and_in_explain():
    # two reps on the same spot; R1 owns all four equal accounts, so only balance can move one
    customers = frame(*(cust(f"C{i}", 32.0, -97.0, current_rep="R1") for i in range(4)))
    reps = frame(rep("R1", 32.0, -97.0), rep("R2", 32.0, -97.0))
    plan = solver.solve(customers, reps, scenario({"balance": 30.0, "continuity": 1.0}))
    rows = _rows(plan)
    moved = rows.index[rows["changed"]]
    assert len(moved) == 2  # the balanced plan: two each
    for customer in moved:
        assert "decided by workload balance" in rows.loc[customer, "reason"]
        assert "decided by: workload balance" in plan.explain(customer)
        assert rows.loc[customer, "forced_by"] == ""


def test_balance_delta_is_the_plans_balance_cost_change():
    customers = frame(*(cust(f"C{i}", 32.0, -97.0, current_rep="R1") for i in range(4)))
    reps = frame(rep("R1", 32.0, -97.0), rep("R2", 32.0, -97.0))
    sc = scenario({"balance": 10.0})
    problem = solver.Problem.build(customers, reps, sc)
    rep_of = np.array([0, 0, 0, 1])  # loads 15 h and 5 h: 5 h off target each side
    alt = problem.pair_index(np.array([0, 0, 0, 0]))  # C3 back to R1: 20 h and 0 h
    deltas = term_deltas(problem, rep_of, np.array([3]), alt[[3]])
    # balance cost 10 x (5 + 5) = 100 now, 10 x (10 + 10) = 200 with C3 on R1
    assert deltas["balance"][0] == 100.0 - 200.0


def test_a_protected_account_that_moves_says_it_moved_to_its_protecting_rep():
    customers = frame(
        cust("C1", 32.0, -97.0, current_rep="R1", protected_rep="R2",
             protected_until="2027-06-30"),
        cust("C2", 32.0, -97.0, current_rep="R2", protected_rep="R2",
             protected_until="2027-06-30"),
    )  # fmt: skip
    reps = frame(rep("R1", 32.0, -97.0), rep("R2", 32.0, -96.0))
    rows = _rows(solver.solve(customers, reps, scenario(None)))
    assert rows.loc["C1", "reason"] == "moved to R2, which holds its protection until 2027-06-30"
    assert rows.loc["C2", "reason"].startswith("protected until 2027-06-30: stays with R2")


def test_every_forcing_rule_fills_forced_by():
    customers = frame(
        cust("C1", 32.0, -97.0, current_rep="R3"),  # R3 leaves
        cust("C2", 32.0, -97.0, current_rep="R1", tier="A"),  # R1 too junior for a key account
        cust("C3", 32.0, -97.0, current_rep="R2", region="TX"),  # R2 covers OK only
        cust("C4", 32.0, -97.0, current_rep="R1", tier="C"),
    )
    customers["region"] = customers["region"].fillna("TX")
    reps = frame(
        rep("R1", 32.0, -97.0, seniority=1, region="TX"),
        rep("R2", 32.0, -97.0, seniority=4, region="OK"),
        rep("R3", 32.0, -97.0, active=False, region="TX"),
        rep("R4", 32.1, -97.0, seniority=5, region="TX"),
    )
    rules = {"key_account_min_seniority": 3, "region": True}
    plan = solver.solve(customers, reps, scenario(None, rules))
    rows = _rows(plan)
    assert rows.loc["C1", "forced_by"] == "leaving rep R3 (active = false)"
    assert rows.loc["C2", "forced_by"] == "key_account_seniority rule: R1 may no longer own it"
    assert rows.loc["C3", "forced_by"] == "region rule: R2 may no longer own it"
    assert rows.loc["C4", "forced_by"] == ""
    for customer in ("C1", "C2", "C3"):
        assert rows.loc[customer, "reason"].startswith("moved from")
        assert rows.loc[customer, "forced_by"] in rows.loc[customer, "reason"]


def test_a_rep_without_accounts_has_no_specialty_match_rate():
    customers = frame(cust("C1", 32.0, -97.0, current_rep="R2", segment="retail"))
    reps = frame(rep("R1", 32.0, -97.0, specialties="retail"), rep("R2", 32.0, -97.0,
                 active=False))  # fmt: skip
    table = solver.solve(customers, reps, scenario(None)).reps.set_index("rep_id")
    assert table.loc["R1", "specialty_match_rate"] == 1.0
    assert np.isnan(table.loc["R2", "specialty_match_rate"])
