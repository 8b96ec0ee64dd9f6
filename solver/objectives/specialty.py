"""Specialty fit: 1 per account whose segment is not among the rep's specialties.

Accounts without a segment cost nothing anywhere.
"""

from __future__ import annotations

import numpy as np

from solver.inputs.facts import PairFacts
from solver.objectives.base import SeparableTerm


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
