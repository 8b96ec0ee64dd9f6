"""Continuity: moving an account away from its current rep costs
(1 + value / mean value) x (1 + min(tenure, 5 years) / 5).

Tenure comes from the optional ``owner_since`` column (0 when absent), so a long, valuable
relationship costs up to twice as much to break as a new one of the same value. Accounts
without a current rep cost nothing anywhere; an account whose current rep leaves pays the
same on every rep, so the term then does not steer where it goes.
"""

from __future__ import annotations

import numpy as np

from solver.inputs.facts import Facts, PairFacts
from solver.objectives.base import Floor, SeparableTerm
from solver.scenario import Scenario

#: tenure beyond this many years adds nothing more
TENURE_CAP_YEARS = 5.0


class ContinuityTerm(SeparableTerm):
    name = "continuity"
    unit = "moved accounts x (1 + value / mean value) x tenure factor"

    def price(self, pairs: PairFacts) -> np.ndarray:
        f = pairs.facts
        current = f.current[pairs.customer]
        moved = (current >= 0) & (pairs.rep != current)
        tenure = np.minimum(f.tenure_years[pairs.customer], TENURE_CAP_YEARS) / TENURE_CAP_YEARS
        weight = (1.0 + f.value_rel[pairs.customer]) * (1.0 + tenure)
        return np.where(moved, weight, 0.0)

    def floor(self, facts: Facts, scenario: Scenario) -> Floor:
        """Never below 0 (the weight is >= 0), whatever the distance."""
        return np.zeros(facts.n), np.zeros(facts.n)
