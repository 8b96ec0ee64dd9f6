"""The routes section of the HTML report (``territory report --plan DIR --routes RDIR``):
routed vs round-trip travel per rep, and one rep's first five days out on a map.

Reads the folder ``territory routes`` wrote; stops of customers or reps the plan does not
have are an input error naming file, rows and column (the folders do not belong together).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from solver.errors import InputError, InputIssue
from solver.inputs.io import read_table
from solver.report.page import MAP_H, MAP_W, PlanData, Section, _projection, _table, e, fmt_num
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


def _section(routes_dir: str | Path, p: PlanData, colours: dict[str, str]) -> str:
    """A sortable per-rep table and the busiest rep's first days out on a map."""
    stops, summary = read_routes(routes_dir, p)
    return (
        '<section id="routes"><h2>Routes: routed vs round-trip travel per rep</h2>'
        f"{_week_map(p, stops)}<div class='scroll'>{_travel_table(summary, colours)}</div>"
        '<p class="note">Round trips: a separate trip from the base to each visit (the '
        "plan's travel model). Routed: the same visits driven as daily routes.</p></section>"
    )


def _travel_table(summary: pd.DataFrame, colours: dict[str, str]) -> str:
    headers = [
        ("rep", "text"),
        ("days used", "num"),
        ("routed km", "num"),
        ("round-trip km", "num"),
        ("saved", "num"),
        ("longest day h", "num"),
        ("visits not fitted", "num"),
    ]

    def num(value: object, text: str, title: str = "") -> str:
        tip = f' title="{e(title)}"' if title else ""
        return f'<td class="num" data-v="{e(value)}"{tip}>{e(text)}</td>'

    rows = []
    for r in summary.itertuples(index=False):
        dot = f'<i class="dot" style="background:{colours.get(str(r.rep_id), "#999")}"></i>'
        cells = [
            f"<td>{dot}{e(r.rep_id)}</td>",
            num(r.days_used, fmt_num(r.days_used)),
            num(r.routed_km, fmt_num(r.routed_km)),
            num(r.star_km, fmt_num(r.star_km)),
            num(r.saved_km_pct, f"{fmt_num(r.saved_km_pct, 1)} %"),
            num(r.longest_day_h, fmt_num(r.longest_day_h, 2)),
            num(r.visits_not_fitted, fmt_num(r.visits_not_fitted), str(r.not_fitted)),
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return _table("routes-table", headers, rows)


def _week_map(p: PlanData, stops: pd.DataFrame) -> str:
    """The first five days out of the rep with the most stops: a coloured line per day."""
    if stops.empty:
        return "<p>No routed stops.</p>"
    rep_id = str(stops["rep_id"].value_counts().index[0])
    own = stops[stops["rep_id"] == rep_id]
    first = sorted(own["day"].unique())[:WEEK_DAYS]
    week = own[own["day"].isin(first)]
    where = p.assignments.set_index("customer_id")[["lat", "lon"]]
    base = p.reps.set_index("rep_id").loc[rep_id, ["lat", "lon"]].astype(float)
    lat = np.concatenate([[base["lat"]], where.loc[week["customer_id"], "lat"].to_numpy(float)])
    lon = np.concatenate([[base["lon"]], where.loc[week["customer_id"], "lon"].to_numpy(float)])
    proj = _projection(lat, lon)
    bx, by = proj.xy(np.array([base["lat"]]), np.array([base["lon"]]))
    parts = [
        f'<svg id="routes-map" viewBox="0 0 {MAP_W} {MAP_H}" width="{MAP_W}" height="{MAP_H}" '
        f'role="img" aria-label="routes of {e(rep_id)}"><rect width="{MAP_W}" height="{MAP_H}" '
        'class="mapbg"/>'
    ]
    legend = []
    for k, (day, visits) in enumerate(week.groupby("day", sort=True)):
        colour = DAY_COLOURS[k % len(DAY_COLOURS)]
        spots = where.loc[visits.sort_values("stop")["customer_id"]]
        x, y = proj.xy(spots["lat"].to_numpy(float), spots["lon"].to_numpy(float))
        points = " ".join(
            f"{a:.1f},{b:.1f}" for a, b in zip([bx[0], *x, bx[0]], [by[0], *y, by[0]], strict=True)
        )
        left = visits["depart_h"].max()
        tip = f"day {int(day)}: {len(visits)} stops, the last left at {left:.1f} h"
        parts.append(
            f'<g><title>{e(tip)}</title><polyline points="{points}" fill="none" '
            f'stroke="{colour}" stroke-width="2"/>'
            + "".join(
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="4" fill="{colour}"/>'
                for a, b in zip(x, y, strict=True)
            )
            + "</g>"
        )
        legend.append(f'<span class="key"><i style="background:{colour}"></i>{e(tip)}</span>')
    parts.append(
        f'<circle cx="{bx[0]:.1f}" cy="{by[0]:.1f}" r="7" fill="#fff" stroke="#111" '
        f'stroke-width="2"><title>{e(rep_id)} base</title></circle></svg>'
    )
    shown = ", ".join(str(int(d)) for d in first)
    caption = f"{rep_id} (the rep with the most stops): its first {len(first)} days out ({shown})"
    return (
        f'<figure class="map"><figcaption>{e(caption)}</figcaption>{"".join(parts)}</figure>'
        f'<div class="legend">{"".join(legend)}</div>'
    )
