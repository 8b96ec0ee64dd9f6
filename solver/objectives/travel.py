"""Travel: road km driven per period = visits x 2 x great-circle km x road factor."""

from __future__ import annotations

import numpy as np

from solver.inputs.facts import Facts, PairFacts
from solver.objectives.base import Floor, SeparableTerm
from solver.scenario import Scenario


class TravelTerm(SeparableTerm):
    name = "travel"
    unit = "road km per period"

    def price(self, pairs: PairFacts) -> np.ndarray:
        return pairs.travel_km

    def floor(self, facts: Facts, scenario: Scenario) -> Floor:
        """Exactly linear in km: weight x visits x 2 x road factor per km, nothing else."""
        per_km = self.weight(scenario) * 2.0 * facts.road_factor * facts.visits
        return per_km, np.zeros(facts.n)
