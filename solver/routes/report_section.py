"""The routes section of the HTML report (``territory report --plan DIR --routes RDIR``):
routed vs round-trip travel per rep, and one rep's first five days out on a map.

Reads the folder ``territory routes`` wrote; stops of customers or reps the plan does not
have are an input error naming file, rows and column (the folders do not belong together).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from solver.errors import InputError, InputIssue
from solver.inputs.io import read_table
from solver.report.sections import (
    MAP_H,
    MAP_W,
    Cell,
    PlanData,
    Section,
    Table,
    fmt_num,
    number,
    projection,
    render,
)
from solver.routes.output import STOP_COLUMNS, SUMMARY_COLUMNS

WEEK_DAYS = 5
DAY_COLOURS = ("#2f6fad", "#e67e22", "#27ae60", "#8e44ad", "#c0392b")


def read_routes(routes_dir: str | Path, plan: PlanData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """stops.csv and routes_summary.csv of ``routes_dir``, typed and checked against the plan."""
    folder = Path(routes_dir)
    frames = []
    for name, columns in (("stops.csv", STOP_COLUMNS), ("routes_summary.csv", SUMMARY_COLUMNS)):
        table = read_table(folder / name, name)
        missing = [c for c in columns if c not in table.frame.columns]
        if missing:
            raise InputError([InputIssue(table.source, ", ".join(missing), "column missing")])
        frames.append(table)
    stops, summary = (t.frame.copy() for t in frames)
    unknown = ~stops["customer_id"].isin(set(plan.assignments["customer_id"]))
    if unknown.any():
        rows = tuple(frames[0].row_number(int(i)) for i in np.flatnonzero(unknown))
        rule = "customer not in the plan's assignments.csv (routes of another plan?)"
        raise InputError([InputIssue(frames[0].source, "customer_id", rule, rows)])
    for column in ("day", "stop", "arrive_h", "depart_h", "drive_km_from_previous"):
        stops[column] = pd.to_numeric(stops[column], errors="coerce")
    for column in SUMMARY_COLUMNS[1:-2]:
        summary[column] = pd.to_numeric(summary[column], errors="coerce")
    return stops, summary


def routes_section(routes_dir: str | Path) -> Section:
    """The report section of ``routes_dir``, for ``render_report(plan, [section])``."""
    return partial(_section, routes_dir)


def _section(routes_dir: str | Path, p: PlanData, colours: dict[str, str]) -> Markup:
    """A sortable per-rep table and the busiest rep's first days out on a map."""
    stops, summary = read_routes(routes_dir, p)
    return render(
        "routes_section.html.j2",
        package=__package__,
        week=_week_map(p, stops),
        table=_travel_table(summary, colours),
    )


def _travel_table(summary: pd.DataFrame, colours: dict[str, str]) -> Table:
    headers = (
        ("rep", "text"),
        ("days used", "num"),
        ("routed km", "num"),
        ("round-trip km", "num"),
        ("saved", "num"),
        ("longest day h", "num"),
        ("visits not fitted", "num"),
    )
    rows = []
    for r in summary.itertuples(index=False):
        rows.append(
            (
                Cell(str(r.rep_id), dot=colours.get(str(r.rep_id), "#999")),
                number(r.days_used, fmt_num(r.days_used)),
                number(r.routed_km, fmt_num(r.routed_km)),
                number(r.star_km, fmt_num(r.star_km)),
                # a fraction: number() marks a percentage above 100 % as over capacity
                number(r.saved_km_pct / 100.0, f"{fmt_num(r.saved_km_pct, 1)} %"),
                number(r.longest_day_h, fmt_num(r.longest_day_h, 2)),
                number(r.visits_not_fitted, fmt_num(r.visits_not_fitted), str(r.not_fitted)),
            )
        )
    return Table("routes-table", headers, tuple(rows))


@dataclass(frozen=True)
class RouteDay:
    """One day out on the week map: its colour, tooltip, stops and closed line (pixels)."""

    colour: str
    tip: str
    stops: tuple[tuple[float, float], ...]
    line: tuple[tuple[float, float], ...]  # base, stops in order, base


@dataclass(frozen=True)
class WeekMap:
    """The first days out of the rep with the most stops, laid out in pixels."""

    rep_id: str
    caption: str
    base: tuple[float, float]
    days: tuple[RouteDay, ...]
    width: int = MAP_W
    height: int = MAP_H


def _week_map(p: PlanData, stops: pd.DataFrame) -> WeekMap | None:
    """The first five days out of the rep with the most stops: a coloured line per day."""
    if stops.empty:
        return None
    rep_id = str(stops["rep_id"].value_counts().index[0])
    own = stops[stops["rep_id"] == rep_id]
    first = sorted(own["day"].unique())[:WEEK_DAYS]
    week = own[own["day"].isin(first)]
    where = p.assignments.set_index("customer_id")[["lat", "lon"]]
    base = p.reps.set_index("rep_id").loc[rep_id, ["lat", "lon"]].astype(float)
    lat = np.concatenate([[base["lat"]], where.loc[week["customer_id"], "lat"].to_numpy(float)])
    lon = np.concatenate([[base["lon"]], where.loc[week["customer_id"], "lon"].to_numpy(float)])
    proj = projection(lat, lon)
    bx, by = proj.xy(np.array([base["lat"]]), np.array([base["lon"]]))
    home = (float(bx[0]), float(by[0]))
    days = []
    for k, (day, visits) in enumerate(week.groupby("day", sort=True)):
        spots = where.loc[visits.sort_values("stop")["customer_id"]]
        x, y = proj.xy(spots["lat"].to_numpy(float), spots["lon"].to_numpy(float))
        points = tuple(zip(x.tolist(), y.tolist(), strict=True))
        left = visits["depart_h"].max()
        days.append(
            RouteDay(
                colour=DAY_COLOURS[k % len(DAY_COLOURS)],
                tip=f"day {int(day)}: {_stops(len(visits))}, the last left at {left:.1f} h",
                stops=points,
                line=(home, *points, home),
            )
        )
    shown = ", ".join(str(int(d)) for d in first)
    caption = f"{rep_id} (the rep with the most stops): its first {len(first)} days out ({shown})"
    return WeekMap(rep_id, caption, home, tuple(days))


def _stops(count: int) -> str:
    return f"{count} stop{'' if count == 1 else 's'}"
