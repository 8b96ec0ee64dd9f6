"""What an objective term is: a stable name, a unit, a weight, and a price per pair."""

from __future__ import annotations

import numpy as np

from solver.inputs.facts import Facts, PairFacts
from solver.scenario import Scenario

#: a term's lower bound over every rep: cost(i, j) >= per_km[i] x km(i, j) + floor[i]
Floor = tuple[np.ndarray, np.ndarray]


class SeparableTerm:
    """A term whose cost is a sum over assigned pairs: cost = weight x price(pair)."""

    name: str = ""
    unit: str = ""

    def weight(self, scenario: Scenario) -> float:
        return float(getattr(scenario.weights, self.name))

    def price(self, pairs: PairFacts) -> np.ndarray:
        """Unweighted cost of each pair, in ``unit``."""
        raise NotImplementedError

    def cost(self, pairs: PairFacts, scenario: Scenario) -> np.ndarray:
        """Weighted cost of each pair (cost points)."""
        return self.weight(scenario) * self.price(pairs)

    def floor(self, facts: Facts, scenario: Scenario) -> Floor | None:
        """Per customer ``(per_km, floor)`` with weighted cost(i, j) >= per_km[i] x
        great-circle km(i, j) + floor[i] for every rep j (cost points per km, cost points).

        The candidate search uses it to know when no farther rep can be cheaper; None (the
        default) means the term cannot say, and every rep is then scored.
        """
        return None
