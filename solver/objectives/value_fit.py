"""Value fit: valuable accounts to strong reps, smaller accounts to newcomers.

price = value / mean value x (1 - strength), strength = 0.5 (seniority - 1) / 4
+ 0.5 performance, in 0..1. Because every account prefers strong reps in proportion to
its value, under capacity the strongest reps end up with the most valuable accounts
(the rearrangement inequality) and newcomers with the smaller ones.
"""

from __future__ import annotations

import numpy as np

from solver.inputs.facts import Facts, PairFacts
from solver.objectives.base import Floor, SeparableTerm
from solver.scenario import Scenario


class ValueFitTerm(SeparableTerm):
    name = "value_fit"
    unit = "relative value x (1 - rep strength)"

    def price(self, pairs: PairFacts) -> np.ndarray:
        f = pairs.facts
        return f.value_rel[pairs.customer] * (1.0 - f.rep_strength()[pairs.rep])

    def floor(self, facts: Facts, scenario: Scenario) -> Floor:
        """The price on the strongest rep: weight x value / mean x (1 - max strength)."""
        least = float(np.min(1.0 - facts.rep_strength(), initial=1.0))
        return np.zeros(facts.n), self.weight(scenario) * facts.value_rel * least
