"""The workload chart: one row per rep, utilisation before (grey) and after (blue) as
horizontal bars, gridlines every 20 % and a dashed line at 100 % of capacity.

:func:`workload_chart` lays the chart out in SVG pixels; ``workload_chart.svg.j2`` draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.report.formats import AFTER_BAR, BEFORE_BAR, CAPACITY_LINE, NO_REP, fmt_pct

WIDTH, LEFT, RIGHT, HEAD = 900, 230, 70, 34
#: longest rep label (id, name and the leaving mark), characters
LABEL_CHARS = 30


@dataclass(frozen=True)
class Bar:
    """One utilisation bar: ``when`` is "before" or "after"; ``value`` a share of capacity."""

    when: str
    x: float
    y: float
    width: float
    height: float
    fill: str
    value: float


@dataclass(frozen=True)
class ChartRow:
    """One rep's row: swatch, label, both bars and the after value printed at its end."""

    rep_id: str
    label: str
    colour: str
    y: float  # vertical middle of the row
    bars: tuple[Bar, Bar]
    value_x: float
    value_y: float
    value_text: str


@dataclass(frozen=True)
class WorkloadChart:
    """The chart laid out in pixels (``x_of(share)`` maps a utilisation to x)."""

    width: int
    height: int
    left: int
    head: int
    font: int
    grid: tuple[tuple[float, str], ...]  # (x, label) of each gridline
    rows: tuple[ChartRow, ...]
    capacity_x: float
    before_fill: str = BEFORE_BAR
    after_fill: str = AFTER_BAR
    capacity_colour: str = CAPACITY_LINE


def workload_chart(reps: pd.DataFrame, colours: dict[str, str]) -> WorkloadChart:
    """Lay out the chart of ``reps`` (columns utilisation_before, utilisation, active, name).
    The x axis runs from 0 to the largest utilisation rounded up to 10 % (at least 110 %)."""
    m = len(reps)
    before = reps.get("utilisation_before", pd.Series(np.nan, index=reps.index)).to_numpy(float)
    after = reps.get("utilisation", pd.Series(np.nan, index=reps.index)).to_numpy(float)
    finite = np.concatenate([before[np.isfinite(before)], after[np.isfinite(after)], [1.0]])
    top = max(1.1, math.ceil(float(finite.max()) * 10 + 0.5) / 10)
    row_h = 26 if m <= 60 else 14
    plot_w = WIDTH - LEFT - RIGHT
    height = HEAD + row_h * m + 30

    def x(v: float) -> float:
        return LEFT + plot_w * max(0.0, v) / top

    grid = []
    for k in range(int(top * 10 // 2) + 1):  # gridlines every 20 %
        v = k * 0.2
        if v > top + 1e-9:
            break
        grid.append((x(v), f"{100 * v:.0f} %"))
    bar = (row_h - 6) / 2
    rows = []
    for i in range(m):
        row = reps.iloc[i]
        rid = str(row["rep_id"])
        name = str(row.get("name", "")) if "name" in reps and pd.notna(row.get("name")) else ""
        y0 = HEAD + i * row_h
        leaving = "" if bool(row["active"]) else " ✕ leaving"
        label = rid + (f" · {name}" if name else "")
        if len(label) + len(leaving) > LABEL_CHARS:
            label = label[: LABEL_CHARS - 1 - len(leaving)] + "…"
        shares = [float(v) if np.isfinite(v) else 0.0 for v in (before[i], after[i])]
        bars = tuple(
            Bar(when, LEFT, y0 + dy, x(share) - LEFT, bar, fill, value)
            for when, share, value, dy, fill in (
                ("before", shares[0], before[i], 2, BEFORE_BAR),
                ("after", shares[1], after[i], 2 + bar, AFTER_BAR),
            )
        )
        rows.append(
            ChartRow(
                rep_id=rid,
                label=label + leaving,
                colour=colours.get(rid, NO_REP),
                y=y0 + row_h / 2,
                bars=bars,  # type: ignore[arg-type]
                value_x=x(shares[1]) + 4,
                value_y=y0 + 2 + 2 * bar,
                value_text=fmt_pct(after[i], 0),
            )
        )
    return WorkloadChart(
        width=WIDTH,
        height=height,
        left=LEFT,
        head=HEAD,
        font=12 if row_h >= 20 else 9,
        grid=tuple(grid),
        rows=tuple(rows),
        capacity_x=x(1.0),
    )
