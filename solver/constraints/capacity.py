"""Rep capacity: workload hours (effort + travel time) and number of accounts."""

from __future__ import annotations

import numpy as np

from solver.constraints.base import HardRule, RowBlock, Violation, per_rep_sums
from solver.inputs.facts import PairFacts
from solver.scenario import Scenario

#: hours a plan may exceed capacity by before the checker calls it a violation (rounding)
HOURS_TOLERANCE = 1e-6


class HoursCapacityRule(HardRule):
    """sum over a rep's accounts of (effort + travel hours) <= capacity_hours."""

    name = "capacity_hours"
    relax = "raise capacity_hours, or set rules.capacity_hours = false"

    def enabled(self, scenario: Scenario) -> bool:
        return scenario.rules.capacity_hours

    def rows(self, pairs: PairFacts, scenario: Scenario, forced: np.ndarray) -> RowBlock:
        f = pairs.facts
        return RowBlock(
            self.name,
            "hours",
            pairs.rep.copy(),
            pairs.workload.copy(),
            f.capacity.copy(),
            tuple(map(str, f.rep_ids)),
        )

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        f = assigned.facts
        load = per_rep_sums(assigned, assigned.workload)
        bad = np.flatnonzero(load > f.capacity * (1 + HOURS_TOLERANCE) + HOURS_TOLERANCE)
        return [
            Violation(
                self.name,
                f"rep {f.rep_ids[j]} carries {load[j]:,.1f} h, capacity is {f.capacity[j]:,.1f} h",
                rep_id=str(f.rep_ids[j]),
            )
            for j in bad
        ]


class AccountCapRule(HardRule):
    """number of a rep's accounts <= max_accounts (reps without a value are uncapped)."""

    name = "max_accounts"
    relax = "raise max_accounts, or set rules.max_accounts = false"

    def enabled(self, scenario: Scenario) -> bool:
        return scenario.rules.max_accounts

    def rows(self, pairs: PairFacts, scenario: Scenario, forced: np.ndarray) -> RowBlock | None:
        f = pairs.facts
        capped = ~np.isnan(f.max_accounts)
        if not capped.any():
            return None
        row_of_rep = np.full(f.m, -1, dtype=np.int64)
        row_of_rep[capped] = np.arange(int(capped.sum()))
        row = row_of_rep[pairs.rep]
        return RowBlock(
            self.name,
            "accounts",
            row,
            np.ones(len(row)),
            f.max_accounts[capped].copy(),
            tuple(map(str, f.rep_ids[capped])),
        )

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        f = assigned.facts
        count = per_rep_sums(assigned, np.ones(len(assigned.rep)))
        bad = np.flatnonzero(~np.isnan(f.max_accounts) & (count > np.nan_to_num(f.max_accounts)))
        return [
            Violation(
                self.name,
                f"rep {f.rep_ids[j]} owns {count[j]:.0f} accounts, max_accounts "
                f"is {f.max_accounts[j]:.0f}",
                rep_id=str(f.rep_ids[j]),
            )
            for j in bad
        ]
