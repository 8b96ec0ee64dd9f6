"""One working day of a rep: its stops with arrival and departure times.

A day leaves the base at hour 0, drives to each stop (km / speed), stays its on-site hours
and drives home. The star (a round trip from the base to each stop) is a feasible way to
drive the same stops; a day is never reported longer in km than its star: should the
order found ever be (it cannot on a metric, beyond float error), the day is driven as the
star, returning to the base between stops.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.routes.geometry import BASE, Geometry

KM_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Stop:
    """One visit: hours since the day started, road km driven since the previous place."""

    customer_id: str
    arrive_h: float
    depart_h: float
    drive_km_from_previous: float


@dataclass(frozen=True)
class DayRoute:
    """A day's stops in order; ``drive_km`` includes the way home."""

    day: int
    stops: tuple[Stop, ...]
    drive_km: float
    drive_h: float
    hours: float
    star_km: float
    via_base: bool  # True: driven as separate round trips (the star)


def schedule_day(
    day: int, accounts: list[int], geometry: Geometry, customer_ids: tuple[str, ...]
) -> DayRoute:
    """The day driving ``accounts`` (indices into the rep's accounts) in order."""
    star = geometry.star_km(accounts)
    via_base = geometry.route_km(accounts) > star + KM_TOLERANCE
    km, speed = geometry.km, geometry.speed_kmh
    clock, driven, previous = 0.0, 0.0, BASE
    stops = []
    for account in accounts:
        here = account + 1
        leg = km[previous, BASE] + km[BASE, here] if via_base else km[previous, here]
        arrive = clock + leg / speed
        clock = arrive + float(geometry.onsite_h[account])
        driven += leg
        stops.append(Stop(customer_ids[account], arrive, clock, float(leg)))
        previous = here
    home = float(km[previous, BASE])
    driven += home
    clock += home / speed
    return DayRoute(day, tuple(stops), driven, driven / speed, clock, star, via_base)
