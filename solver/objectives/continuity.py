"""Continuity: moving an account away from its current rep costs 1 + value / mean value.

Accounts without a current rep cost nothing anywhere; an account whose current rep leaves
pays the same on every rep, so the term then does not steer where it goes.
"""

from __future__ import annotations

import numpy as np

from solver.facts import PairFacts
from solver.objectives.base import SeparableTerm


class ContinuityTerm(SeparableTerm):
    name = "continuity"
    unit = "moved accounts x (1 + value / mean value)"

    def price(self, pairs: PairFacts) -> np.ndarray:
        f = pairs.facts
        current = f.current[pairs.customer]
        moved = (current >= 0) & (pairs.rep != current)
        return np.where(moved, 1.0 + f.value_rel[pairs.customer], 0.0)
