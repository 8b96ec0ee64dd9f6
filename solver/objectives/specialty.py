"""Specialty fit: 1 per account whose segment is not among the rep's specialties.

Accounts without a segment cost nothing anywhere.
"""

from __future__ import annotations

import numpy as np

from solver.inputs.facts import Facts, PairFacts
from solver.objectives.base import Floor, SeparableTerm
from solver.scenario import Scenario


class SpecialtyTerm(SeparableTerm):
    name = "specialty"
    unit = "accounts outside the rep's specialties"

    def price(self, pairs: PairFacts) -> np.ndarray:
        f = pairs.facts
        seg = f.segment[pairs.customer]
        miss = np.zeros(len(seg))
        has = seg >= 0
        miss[has] = ~f.covers[seg[has], pairs.rep[has]]
        return miss

    def floor(self, facts: Facts, scenario: Scenario) -> Floor:
        """Never below 0 (the weight is >= 0), whatever the distance."""
        return np.zeros(facts.n), np.zeros(facts.n)
