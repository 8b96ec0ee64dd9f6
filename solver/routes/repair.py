"""Make a rep's days valid and place what is left: at most one visit of an account a day,
every day within its hours, left-over visits inserted where they add the fewest km.

Works on accounts (indices into the rep's accounts), one list per working day.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.routes.geometry import BASE, Geometry

HOURS_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Insertion:
    """Where a visit would go: day, position, km added, and hours the day would take."""

    day: int
    position: int
    added_km: float
    hours: float


def split_invalid(days: list[list[int]], geometry: Geometry, hours: float) -> list[int]:
    """Take out (in place) second visits of an account on one day and, from a day over its
    hours, the stops whose removal saves the most time until it fits; returns them."""
    taken: list[int] = []
    for stops in days:
        seen: set[int] = set()
        keep = []
        for account in stops:
            (taken if account in seen else keep).append(account)
            seen.add(account)
        stops[:] = keep
        while stops and geometry.day_hours(stops) > hours + HOURS_TOLERANCE:
            saved = [geometry.day_hours(stops[:i] + stops[i + 1 :]) for i in range(len(stops))]
            taken.append(stops.pop(saved.index(min(saved))))
    return taken


def best_insertion(
    account: int, days: list[list[int]], geometry: Geometry, hours: float
) -> Insertion | None:
    """Cheapest (fewest km added) place for a visit on a day that does not have the
    account yet and stays within ``hours``; None when there is none."""
    km, best = geometry.km, None
    here = account + 1
    onsite = float(geometry.onsite_h[account])
    for day, stops in enumerate(days):
        if account in stops:
            continue
        base_hours = geometry.day_hours(stops) + onsite
        path = [BASE, *(s + 1 for s in stops), BASE]
        for position in range(len(path) - 1):
            p, q = path[position], path[position + 1]
            added = km[p, here] + km[here, q] - km[p, q]
            day_hours = base_hours + added / geometry.speed_kmh
            if day_hours > hours + HOURS_TOLERANCE:
                continue
            if best is None or added < best.added_km:
                best = Insertion(day, position, float(added), float(day_hours))
    return best


def insert_all(
    pending: list[int], days: list[list[int]], geometry: Geometry, hours: float
) -> list[int]:
    """Insert (in place) each pending visit at its cheapest place, longest on-site first;
    returns the visits no day can take."""
    left: list[int] = []
    for account in sorted(pending, key=lambda a: -geometry.onsite_h[a]):
        spot = best_insertion(account, days, geometry, hours)
        if spot is None:
            left.append(account)
        else:
            days[spot.day].insert(spot.position, account)
    return left
