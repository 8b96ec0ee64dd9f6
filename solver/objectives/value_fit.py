"""Value fit: valuable accounts to strong reps, smaller accounts to newcomers.

price = value / mean value x (1 - strength), strength = 0.5 (seniority - 1) / 4
+ 0.5 performance, in 0..1. Because every account prefers strong reps in proportion to
its value, under capacity the strongest reps end up with the most valuable accounts
(the rearrangement inequality) and newcomers with the smaller ones.
"""

from __future__ import annotations

import numpy as np

from solver.inputs.facts import PairFacts
from solver.objectives.base import SeparableTerm


class ValueFitTerm(SeparableTerm):
    name = "value_fit"
    unit = "relative value x (1 - rep strength)"

    def price(self, pairs: PairFacts) -> np.ndarray:
        f = pairs.facts
        return f.value_rel[pairs.customer] * (1.0 - f.rep_strength()[pairs.rep])
