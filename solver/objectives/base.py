"""What an objective term is: a stable name, a unit, a weight, and a price per pair."""

from __future__ import annotations

import numpy as np

from solver.inputs.facts import PairFacts
from solver.scenario import Scenario


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
