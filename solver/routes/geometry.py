"""Road distances and times of one rep's base and accounts (index 0 is the base)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from solver.inputs.geo import haversine_km
from solver.routes.inputs import RepVisits, Travel

BASE = 0  # index of the rep's base; account i is index i + 1


@dataclass(frozen=True)
class Geometry:
    """Road km between the base and every account, and each account's hours on site.

    ``km[a, b]`` = great-circle km x road factor (a metric: any route is at most the
    round trips of its visits); drive hours = km / ``speed_kmh``.
    """

    km: np.ndarray
    onsite_h: np.ndarray
    speed_kmh: float
    lat: np.ndarray  # base first, then the accounts
    lon: np.ndarray

    @classmethod
    def of(cls, rep: RepVisits, travel: Travel) -> Geometry:
        lat = np.concatenate([[rep.base_lat], rep.lat])
        lon = np.concatenate([[rep.base_lon], rep.lon])
        km = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        km = km * travel.road_factor
        np.fill_diagonal(km, 0.0)
        return cls(km, np.asarray(rep.onsite_h, float), travel.speed_kmh, lat, lon)

    def route_km(self, accounts: list[int]) -> float:
        """Road km of base -> accounts in order -> base."""
        path = [BASE, *(a + 1 for a in accounts), BASE]
        return float(sum(self.km[p, q] for p, q in pairwise(path)))

    def star_km(self, accounts: list[int]) -> float:
        """Road km of a separate round trip from the base to each account."""
        return float(2.0 * sum(self.km[BASE, a + 1] for a in accounts))

    def onsite(self, accounts: list[int]) -> float:
        return float(sum(self.onsite_h[a] for a in accounts))

    def day_hours(self, accounts: list[int]) -> float:
        """Hours of a day driving the accounts in order: drive time plus on-site time."""
        return self.route_km(accounts) / self.speed_kmh + self.onsite(accounts)

    def alone_hours(self, account: int) -> float:
        """Hours of a day with only this account: there, on site, back."""
        return self.day_hours([account])
