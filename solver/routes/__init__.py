"""Visit routes per rep: the period's visits of a solved plan as daily routes (PyVRP).

    result = solver.routes("plan/", "routes/", hours_per_day=8, time_limit_s=1, workers=2)
    result.summary(), result.stops(), result.reps[0].days[0].stops

``solver.routes`` is this package and, called, :func:`route_plan`: the module is made
callable so that the room keeps its name and the public call reads as the issue asks.
"""

from __future__ import annotations

import sys
import types

from solver.routes.day import DayRoute, Stop
from solver.routes.inputs import RepVisits, Travel
from solver.routes.output import RoutesResult
from solver.routes.rep import RepRoutes, Settings, Unfitted
from solver.routes.run import route_plan

__all__ = [
    "DayRoute",
    "RepRoutes",
    "RepVisits",
    "RoutesResult",
    "Settings",
    "Stop",
    "Travel",
    "Unfitted",
    "route_plan",
]


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs) -> RoutesResult:
        return route_plan(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
