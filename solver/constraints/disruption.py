"""Disruption budget: at most K accounts (or x % of the non-protected accounts) change owner.

A move counts against the budget only when it is the plan's choice: the customer has a
current rep who is active and still eligible for it, and it is not protected or locked.
Moves forced by a leaving rep or by a rule change do not use the budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from solver.constraints.base import HardRule, RowBlock, Violation
from solver.inputs.facts import PairFacts
from solver.scenario import Scenario


def move_budget(n_free: int, scenario: Scenario) -> int | None:
    """K = min(max_moves, floor(max_moves_pct / 100 x accounts not forced)); None = no budget."""
    rules = scenario.rules
    limits = []
    if rules.max_moves is not None:
        limits.append(rules.max_moves)
    if rules.max_moves_pct is not None:
        limits.append(math.floor(rules.max_moves_pct / 100.0 * n_free + 1e-9))
    return min(limits) if limits else None


#: eligible(pairs, scenario): the pairs every enabled pair rule allows
Eligibility = Callable[[PairFacts, Scenario], np.ndarray]


def discretionary(
    pairs_of_current: PairFacts, scenario: Scenario, forced: np.ndarray, eligible: Eligibility
) -> np.ndarray:
    """Customers whose move would count: current rep set, active, eligible, not forced."""
    has = pairs_of_current.facts.current >= 0
    return has & eligible(pairs_of_current, scenario) & (forced < 0)


def current_pairs(assigned_or_facts: PairFacts) -> PairFacts:
    """One pair per customer: (customer, its current rep); a new account (no current rep)
    gets rep 0 as a placeholder, which :func:`discretionary` masks out."""
    f = assigned_or_facts.facts
    return PairFacts.of(f, np.arange(f.n), np.maximum(f.current, 0))


class DisruptionRule(HardRule):
    """Given the eligibility test of all rules (the registry passes it in, so this module
    does not import the registry)."""

    name = "disruption_budget"
    relax = "raise rules.max_moves / rules.max_moves_pct"

    def __init__(self, eligible: Eligibility) -> None:
        self.eligible = eligible

    def enabled(self, scenario: Scenario) -> bool:
        return scenario.rules.max_moves is not None or scenario.rules.max_moves_pct is not None

    def _budget(self, pairs: PairFacts, scenario: Scenario, forced: np.ndarray):
        counted = discretionary(current_pairs(pairs), scenario, forced, self.eligible)
        budget = move_budget(int((forced < 0).sum()), scenario)
        return counted, budget

    def rows(self, pairs: PairFacts, scenario: Scenario, forced: np.ndarray) -> RowBlock:
        counted, budget = self._budget(pairs, scenario, forced)
        f = pairs.facts
        is_move = counted[pairs.customer] & (pairs.rep != f.current[pairs.customer])
        row = np.where(is_move, 0, -1)
        return RowBlock(
            self.name, "moves", row, np.ones(len(row)), np.array([float(budget)]), ("moves",)
        )

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        counted, budget = self._budget(assigned, scenario, forced)
        moves = int((counted & (assigned.rep != assigned.facts.current)).sum())
        if budget is not None and moves > budget:
            return [
                Violation(self.name, f"{moves} discretionary moves, the budget allows {budget}")
            ]
        return []
