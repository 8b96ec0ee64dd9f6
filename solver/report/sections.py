"""What an extra section of the report (e.g. the routes section) builds on.

A :data:`Section` is called with the plan read for the report and the rep colours, and
returns its HTML as :class:`markupsafe.Markup` (render it with :func:`render` from a
template of its own package, so every value is escaped; a plain ``str`` is escaped
whole). Its templates may ``{% import "macros.html.j2" as ui %}`` for dots, cards and
sortable tables (:class:`Table` of :class:`Cell`).
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from solver.report.formats import NO_REP, fmt_num, fmt_pct
from solver.report.maps import MAP_H, MAP_W, Projection, projection
from solver.report.plan_data import PlanData
from solver.report.tables import Cell, Table, number
from solver.report.templating import render

#: an extra section of the page: (plan, rep colours) -> HTML, every value escaped
Section = Callable[[PlanData, dict[str, str]], Markup]

__all__ = [
    "MAP_H",
    "MAP_W",
    "NO_REP",
    "Cell",
    "PlanData",
    "Projection",
    "Section",
    "Table",
    "fmt_num",
    "fmt_pct",
    "number",
    "projection",
    "render",
]
