"""Workload balance: total distance of each active rep's load from its fair share.

cost = weight x sum over active reps j of |L_j - s_j x sum_k L_k|, where L_j is the rep's
load (hours of effort + travel, or accounts when ``workload_unit = "accounts"``) and
s_j = capacity_hours_j / total active capacity. Unit: hours (or accounts) of deviation.
The target follows the plan's actual total load, so it stays fair whatever the travel.
"""

from __future__ import annotations

import numpy as np

from solver.inputs.facts import Facts, PairFacts
from solver.scenario import Scenario

NAME = "balance"


def shares(facts: Facts) -> np.ndarray:
    """s_j: share of total active capacity per rep (0 for leaving reps)."""
    cap = np.where(facts.active, facts.capacity, 0.0)
    total = cap.sum()
    return cap / total if total > 0 else cap


def load_coefficients(pairs: PairFacts, scenario: Scenario) -> np.ndarray:
    """What one pair adds to its rep's load: hours, or 1 account."""
    if scenario.workload_unit == "accounts":
        return np.ones(len(pairs.rep))
    return pairs.workload


def rep_loads(assigned: PairFacts, scenario: Scenario) -> np.ndarray:
    return np.bincount(
        assigned.rep, weights=load_coefficients(assigned, scenario), minlength=assigned.facts.m
    )


def targets(assigned: PairFacts, scenario: Scenario) -> np.ndarray:
    return shares(assigned.facts) * rep_loads(assigned, scenario).sum()


def deviation(assigned: PairFacts, scenario: Scenario) -> np.ndarray:
    """|L_j - T_j| per rep (0 for leaving reps, which own nothing)."""
    dev = np.abs(rep_loads(assigned, scenario) - targets(assigned, scenario))
    return np.where(assigned.facts.active, dev, 0.0)


def cost(assigned: PairFacts, scenario: Scenario) -> float:
    return float(scenario.weights.balance * deviation(assigned, scenario).sum())
