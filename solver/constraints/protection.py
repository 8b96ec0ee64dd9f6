"""Protection period: a customer whose protection is in force (as_of <= protected_until)
stays with its protected rep; nobody else may take it."""

from __future__ import annotations

import numpy as np

from solver.constraints.base import HardRule, Violation
from solver.inputs.facts import Facts, PairFacts
from solver.scenario import Scenario


class ProtectionRule(HardRule):
    name = "protection"

    def enabled(self, scenario: Scenario) -> bool:
        return scenario.rules.protection

    def forced(self, facts: Facts, scenario: Scenario) -> tuple[np.ndarray, str]:
        return facts.protected.copy(), f"protected (first contact) as of {scenario.as_of}"

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        facts = assigned.facts
        bad = np.flatnonzero((facts.protected >= 0) & (assigned.rep != facts.protected))
        return [
            Violation(
                self.name,
                f"customer {facts.customer_ids[i]} is protected by "
                f"{facts.rep_ids[facts.protected[i]]}"
                f" on {scenario.as_of} but is assigned to {facts.rep_ids[assigned.rep[i]]}",
                str(facts.customer_ids[i]),
                str(facts.rep_ids[assigned.rep[i]]),
            )
            for i in bad
        ]
