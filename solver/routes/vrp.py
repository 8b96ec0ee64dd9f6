"""The days of one rep as a vehicle routing problem, solved with PyVRP.

Each visit is a client (an account with 3 visits is 3 clients at one place); the rep's
working days are ``days`` vehicles from the base and back, each with a shift of
``hours_per_day``. Visits are optional with a prize far above any detour, so the solver
serves as many as fit and leaves the rest unplanned rather than fail. Integer units:
metres for the cost, seconds (rounded up, so a day PyVRP accepts is within its hours in
exact arithmetic too) for drive and on-site time. Driving from one visit of an account
straight to another of the same account takes longer than a day, so no day holds two
back to back; two visits of one account apart on one day can still come out and are
moved by :mod:`solver.routes.repair`.
"""

from __future__ import annotations

import math

import numpy as np

from solver.routes.geometry import Geometry

SECONDS = 3600.0


def solve_days(
    geometry: Geometry,
    visit_account: list[int],
    days: int,
    hours_per_day: float,
    time_limit_s: float,
    seed: int,
    iterations: int | None = None,
) -> list[list[int]]:
    """Per used day, the visits (indices into ``visit_account``) in driving order.

    PyVRP stops after ``time_limit_s``, or with ``iterations`` after that many iterations
    (then the same data and seed give the same routes on any machine). Visits the solver
    left out are in no day; the caller places or lists them.
    """
    if days <= 0 or not visit_account:
        return []
    import pyvrp  # imported here: only routing needs it
    from pyvrp.stop import MaxIterations, MaxRuntime

    data = _problem_data(pyvrp, geometry, visit_account, days, hours_per_day)
    stop = MaxRuntime(time_limit_s) if iterations is None else MaxIterations(iterations)
    result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False)
    return [[a.idx for a in route if a.is_client()] for route in result.best.routes()]


def _problem_data(pyvrp, geometry: Geometry, visit_account: list[int], days: int, hours: float):
    where = np.array([0, *(a + 1 for a in visit_account)])  # location -> geometry index
    km = geometry.km[np.ix_(where, where)]
    metres = np.rint(km * 1000.0).astype(np.int64)
    shift = math.floor(hours * SECONDS)
    seconds = np.ceil(km / geometry.speed_kmh * SECONDS).astype(np.int64)
    account = np.array([-1, *visit_account])
    same = (account[:, None] == account[None, :]) & (account[:, None] >= 0)
    np.fill_diagonal(same, False)
    seconds[same] = shift + 1  # never two visits of one account back to back
    prize = int(4 * metres.max() + 1000)  # above any detour: serve every visit that fits
    locations = [pyvrp.Location(x=geometry.lon[i], y=geometry.lat[i]) for i in where]
    clients = [
        pyvrp.Client(
            location=i + 1,
            service_duration=math.ceil(geometry.onsite_h[a] * SECONDS),
            required=False,
            prize=prize,
        )
        for i, a in enumerate(visit_account)
    ]
    vehicles = [pyvrp.VehicleType(num_available=days, shift_duration=shift)]
    depots = [pyvrp.Depot(location=0)]
    return pyvrp.ProblemData(locations, clients, depots, vehicles, [metres], [seconds])
