"""Route one rep: its period's visits as days from the base and back, within the hours of
a day, each account at most once a day; what cannot fit is listed with why.

Steps: visits that cannot fit in any day (alone longer than a day, or more visits than
working days) are listed first; PyVRP routes the rest over the working days
(:mod:`solver.routes.vrp`); :mod:`solver.routes.repair` moves a second visit of an
account off a day and places what the solver left out where it adds the fewest km;
:mod:`solver.routes.calendar` picks each route's working day so that the visits of one
account are spread over the period.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from solver.routes.calendar import spread_days
from solver.routes.day import DayRoute, schedule_day
from solver.routes.geometry import Geometry
from solver.routes.inputs import RepVisits, Travel
from solver.routes.repair import insert_all, split_invalid
from solver.routes.vrp import solve_days


@dataclass(frozen=True)
class Settings:
    """How to route: hours of a working day, PyVRP time limit per rep (s), seed, and
    ``iterations`` (PyVRP iterations per rep instead of the time limit: reproducible)."""

    hours_per_day: float = 8.0
    time_limit_s: float = 1.0
    seed: int = 0
    iterations: int | None = None


@dataclass(frozen=True)
class Unfitted:
    """Visits of one account that no working day could take, and why."""

    customer_id: str
    visits: int
    reason: str


@dataclass(frozen=True)
class RepRoutes:
    """One rep's working days with stops (day numbers 1..days_available) and its overflow."""

    rep_id: str
    days_available: int
    visits: int
    days: tuple[DayRoute, ...]
    unfitted: tuple[Unfitted, ...]
    wall_s: float

    @property
    def routed_km(self) -> float:
        return sum(d.drive_km for d in self.days)

    @property
    def routed_drive_h(self) -> float:
        return sum(d.drive_h for d in self.days)

    @property
    def star_km(self) -> float:
        """Round trips (the plan's travel model) of the routed visits."""
        return sum(d.star_km for d in self.days)

    @property
    def longest_day_h(self) -> float:
        return max((d.hours for d in self.days), default=0.0)

    @property
    def visits_not_fitted(self) -> int:
        return sum(u.visits for u in self.unfitted)


def route_rep(rep: RepVisits, travel: Travel, settings: Settings) -> RepRoutes:
    """Route one rep (runs in a worker process; everything in and out pickles)."""
    start = time.perf_counter()
    geometry = Geometry.of(rep, travel)
    hours = settings.hours_per_day
    unfitted: list[Unfitted] = []
    visit_account: list[int] = []
    for account, visits in enumerate(rep.visits.tolist()):
        alone = geometry.alone_hours(account)
        customer = rep.customer_ids[account]
        if alone > hours:
            unfitted.append(Unfitted(customer, visits, _alone_reason(alone, hours)))
            continue
        if visits > rep.days:
            days = _plural(rep.days, "working day")
            reason = f"{_plural(visits, 'visit')} but {days} (at most one visit a day)"
            unfitted.append(Unfitted(customer, visits - rep.days, reason))
        visit_account += [account] * min(visits, rep.days)
    solved = solve_days(
        geometry,
        visit_account,
        rep.days,
        hours,
        settings.time_limit_s,
        settings.seed,
        settings.iterations,
    )
    days = [[visit_account[v] for v in route] for route in solved]
    days += [[] for _ in range(rep.days - len(days))]
    placed = Counter(a for stops in days for a in stops)
    pending = list((Counter(visit_account) - placed).elements())
    pending += split_invalid(days, geometry, hours)
    left = insert_all(pending, days, geometry, hours)
    for account, count in sorted(Counter(left).items()):
        reason = _full_reason(account, days, geometry, hours)
        unfitted.append(Unfitted(rep.customer_ids[account], count, reason))
    used = [stops for stops in days if stops]
    on = spread_days(used, rep.days)
    routes = tuple(
        sorted(
            (
                schedule_day(d + 1, stops, geometry, rep.customer_ids)
                for d, stops in zip(on, used, strict=True)
            ),
            key=lambda route: route.day,
        )
    )
    wall = time.perf_counter() - start
    return RepRoutes(rep.rep_id, rep.days, rep.visit_count, routes, tuple(unfitted), wall)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _alone_reason(alone: float, hours: float) -> str:
    return f"a visit alone takes {alone:.2f} h (there, on site, back), over the {hours:g} h day"


def _full_reason(account: int, days: list[list[int]], geometry: Geometry, hours: float) -> str:
    free = [hours - geometry.day_hours(stops) for stops in days if account not in stops]
    need = geometry.alone_hours(account)
    if not free:
        return "every working day already has a visit of this account"
    return (
        f"no working day has room: the emptiest day without this account has "
        f"{max(free):.2f} h left of {hours:g} h; the visit takes at least "
        f"{float(geometry.onsite_h[account]):.2f} h on site plus the drive ({need:.2f} h alone)"
    )
