"""The report's sortable tables: the moves with their reasons and the per-rep table.

A :class:`Table` is plain data (headers, rows of :class:`Cell`); the ``sortable`` macro
of ``macros.html.j2`` draws it, and the page's script sorts it by a header click (number
columns by each cell's ``sort`` value).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from solver.report.formats import NO_REP, finite, fmt_num, fmt_pct, sort_key
from solver.report.plan_data import PlanData


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, CSS class, sort value (``data-v``), the colour of a dot
    drawn before the text, and a tooltip."""

    text: str
    cls: str = ""
    sort: str | None = None
    dot: str | None = None
    title: str = ""


@dataclass(frozen=True)
class Table:
    """A sortable table: ``headers`` are (label, "text" or "num")."""

    id: str
    headers: tuple[tuple[str, str], ...]
    rows: tuple[tuple[Cell, ...], ...]


def number(value: object, text: str, title: str = "") -> Cell:
    """A number cell sorted by ``value``; a percentage above 100 % is marked "over"."""
    v = finite(value)
    over = text.endswith("%") and v is not None and v > 1.0 + 1e-9
    return Cell(text, "num over" if over else "num", sort_key(value), title=title)


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


@dataclass(frozen=True)
class Moves:
    """The moves table and how many moves it leaves out."""

    table: Table
    total: int

    @property
    def shown(self) -> int:
        return len(self.table.rows)


def moves_table(p: PlanData, colours: dict[str, str], max_rows: int) -> Moves:
    """The accounts whose rep changes, highest value first (at most ``max_rows``), with the
    reason of each move."""
    a = p.assignments
    moved = a[a["changed"]]
    if "value" in moved:
        moved = moved.sort_values("value", ascending=False, kind="stable")
    shown = moved.head(max_rows)
    has_name = "name" in a.columns
    headers = [("customer", "text")] + ([("name", "text")] if has_name else [])
    headers += [("from", "text"), ("to", "text"), ("reason", "text"), ("value", "num")]
    rows = []
    for row in shown.to_dict("records"):
        prev, new = row.get("previous_rep", ""), row["rep_id"]
        cells = [Cell(_text(row.get("customer_id", "")))]
        if has_name:
            cells.append(Cell(_text(row.get("name"))))
        cells += [
            Cell(_text(prev), dot=colours.get(str(prev), NO_REP)),
            Cell(_text(new), dot=colours.get(str(new), NO_REP)),
            Cell(_text(row.get("reason", ""))),
            Cell(fmt_num(row.get("value")), "num", sort_key(row.get("value"))),
        ]
        rows.append(tuple(cells))
    return Moves(Table("moves", tuple(headers), tuple(rows)), len(moved))


REP_COLUMNS = (  # (header, reps.csv column, formatter)
    ("accounts before", "accounts_before", fmt_num),
    ("accounts after", "accounts", fmt_num),
    ("gained", "accounts_gained", lambda v: "–" if finite(v) is None else f"{finite(v):+,.0f}"),
    ("hours before", "workload_hours_before", lambda v: fmt_num(v, 1)),
    ("hours after", "workload_hours", lambda v: fmt_num(v, 1)),
    ("capacity h", "capacity_hours", lambda v: fmt_num(v, 1)),
    ("util. before", "utilisation_before", fmt_pct),
    ("util. after", "utilisation", fmt_pct),
    ("value before", "value_before", fmt_num),
    ("value", "value", fmt_num),
    ("value share", "value_share", fmt_pct),
    ("travel km", "travel_km", fmt_num),
    ("specialty match", "specialty_match_rate", fmt_pct),
)


def rep_table(p: PlanData, colours: dict[str, str]) -> Table:
    """One row per rep: accounts, workload and utilisation before -> after, value, travel."""
    r = p.reps
    has_name = "name" in r.columns
    headers = [("rep", "text")] + ([("name", "text")] if has_name else [])
    headers += [("status", "text")] + [(label, "num") for label, _, _ in REP_COLUMNS]
    rows = []
    for _, row in r.iterrows():
        rid = str(row["rep_id"])
        cells = [Cell(rid, dot=colours.get(rid, NO_REP))]
        if has_name:
            cells.append(Cell(_text(row["name"])))
        cells.append(Cell("active") if row["active"] else Cell("leaving", "leaving"))
        cells += [number(row.get(col), fmt(row.get(col))) for _, col, fmt in REP_COLUMNS]
        rows.append(tuple(cells))
    return Table("reps", tuple(headers), tuple(rows))
