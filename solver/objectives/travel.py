"""Travel: road km driven per period = visits x 2 x great-circle km x road factor."""

from __future__ import annotations

import numpy as np

from solver.inputs.facts import PairFacts
from solver.objectives.base import SeparableTerm


class TravelTerm(SeparableTerm):
    name = "travel"
    unit = "road km per period"

    def price(self, pairs: PairFacts) -> np.ndarray:
        return pairs.travel_km
