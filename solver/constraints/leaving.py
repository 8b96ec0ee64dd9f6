"""Leaving reps (active = false) own nothing after the plan."""

from __future__ import annotations

import numpy as np

from solver.constraints.base import HardRule, Violation
from solver.inputs.facts import PairFacts
from solver.scenario import Scenario


class LeavingRule(HardRule):
    name = "leaving_rep"
    relax = "keep a rep active, hire one, or remove the lock to the leaving rep"

    def allowed(self, pairs: PairFacts, scenario: Scenario) -> np.ndarray:
        return pairs.facts.active[pairs.rep]

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        facts = assigned.facts
        bad = np.flatnonzero(~facts.active[assigned.rep])
        return [
            Violation(
                self.name,
                f"customer {facts.customer_ids[i]} is assigned to leaving rep "
                f"{facts.rep_ids[assigned.rep[i]]}",
                str(facts.customer_ids[i]),
                str(facts.rep_ids[assigned.rep[i]]),
            )
            for i in bad
        ]
