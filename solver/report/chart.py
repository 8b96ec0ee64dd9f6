"""The per-rep bar charts: one row per rep, a measure before (grey) and after (blue) as
horizontal bars, gridlines, a marker line and, for a balance measure, its band.

- :func:`workload_chart`: utilisation (share of capacity), a dashed line at 100 %.
- :func:`measure_chart`: a balance measure as each rep's ratio to its fair share
  (reps.csv ``<measure>_ratio`` and ``_ratio_before``), a line at 100 % of the fair share
  and the band shaded (metrics.json ``measures.<measure>.band_low`` / ``band_high``).
  The axis stops at :data:`MAX_RATIO` x the fair share; a longer bar is cut there, its
  value printed in full.

:func:`bar_chart` lays a chart out in SVG pixels; ``bar_chart.svg.j2`` draws it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from solver.report.formats import (
    AFTER_BAR,
    BAND_FILL,
    BEFORE_BAR,
    CAPACITY_LINE,
    FAIR_LINE,
    NO_REP,
    fmt_pct,
)

WIDTH, LEFT, RIGHT, HEAD = 900, 230, 70, 34
#: longest rep label (id, name and the leaving mark), characters
LABEL_CHARS = 30
#: where a balance measure's axis stops, in multiples of the fair share
MAX_RATIO = 3.0


@dataclass(frozen=True)
class Bar:
    """One bar: ``when`` is "before" or "after"; ``value`` the rep's figure (a share)."""

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
class Marker:
    """A vertical line across the rows (capacity, fair share) with its label on top."""

    x: float
    label: str
    colour: str


@dataclass(frozen=True)
class Band:
    """The shaded band between ``x0`` and ``x1``, labelled at its top."""

    x0: float
    x1: float
    label: str
    fill: str = BAND_FILL


@dataclass(frozen=True)
class BarChart:
    """A chart laid out in pixels; ``bar_class`` names its bars (``bar-before``, ...)."""

    id: str
    aria: str
    width: int
    height: int
    left: int
    head: int
    font: int
    grid: tuple[tuple[float, str], ...]  # (x, label) of each gridline
    rows: tuple[ChartRow, ...]
    marker: Marker
    band: Band | None
    bar_class: str
    before_fill: str = BEFORE_BAR
    after_fill: str = AFTER_BAR


def _column(reps: pd.DataFrame, name: str) -> np.ndarray:
    return reps.get(name, pd.Series(np.nan, index=reps.index)).to_numpy(float)


def _label(row: pd.Series, reps: pd.DataFrame) -> str:
    rid = str(row["rep_id"])
    name = str(row.get("name", "")) if "name" in reps and pd.notna(row.get("name")) else ""
    leaving = "" if bool(row["active"]) else " ✕ leaving"
    label = rid + (f" · {name}" if name else "")
    if len(label) + len(leaving) > LABEL_CHARS:
        label = label[: LABEL_CHARS - 1 - len(leaving)] + "…"
    return label + leaving


def _step(top: float) -> float:
    """Gridline spacing: every 20 % up to 200 %, every 50 % up to 500 %, else 100 %."""
    return 0.2 if top <= 2.0 + 1e-9 else 0.5 if top <= 5.0 + 1e-9 else 1.0


def bar_chart(
    reps: pd.DataFrame,
    colours: dict[str, str],
    before: np.ndarray,
    after: np.ndarray,
    *,
    id: str,
    aria: str,
    marker: tuple[float, str, str],
    band: tuple[float, float, str] | None = None,
    cap: float = math.inf,
    bar_class: str = "bar",
) -> BarChart:
    """Lay out the bars ``before`` and ``after`` (shares, one per row of ``reps``: rep_id,
    active, name). The axis runs from 0 to the largest value (at most ``cap``), the marker
    and the band's top rounded up to 10 %, at least 110 %."""
    m = len(reps)
    seen = np.concatenate([before[np.isfinite(before)], after[np.isfinite(after)]])
    reach = [1.0, marker[0], *(band[:2] if band else ())]
    largest = min(max([*seen.tolist(), *reach]), cap)
    top = max(1.1, math.ceil(largest * 10 + 0.5) / 10)
    row_h = 26 if m <= 60 else 14
    plot_w = WIDTH - LEFT - RIGHT
    height = HEAD + row_h * m + 30

    def x(v: float) -> float:
        return LEFT + plot_w * min(max(0.0, v), top) / top

    step = _step(top)
    grid = tuple(
        (x(k * step), f"{100 * k * step:.0f} %") for k in range(int(top / step + 1e-9) + 1)
    )
    bar = (row_h - 6) / 2
    rows = []
    for i in range(m):
        row = reps.iloc[i]
        rid = str(row["rep_id"])
        y0 = HEAD + i * row_h
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
                label=_label(row, reps),
                colour=colours.get(rid, NO_REP),
                y=y0 + row_h / 2,
                bars=bars,  # type: ignore[arg-type]
                value_x=min(x(shares[1]) + 4, WIDTH - RIGHT + 4),
                value_y=y0 + 2 + 2 * bar,
                value_text=fmt_pct(after[i], 0),
            )
        )
    return BarChart(
        id=id,
        aria=aria,
        width=WIDTH,
        height=height,
        left=LEFT,
        head=HEAD,
        font=12 if row_h >= 20 else 9,
        grid=grid,
        rows=tuple(rows),
        marker=Marker(x(marker[0]), marker[1], marker[2]),
        band=Band(x(band[0]), x(band[1]), band[2]) if band else None,
        bar_class=bar_class,
    )


def workload_chart(reps: pd.DataFrame, colours: dict[str, str]) -> BarChart:
    """Utilisation per rep (reps.csv utilisation_before, utilisation), a line at 100 %."""
    return bar_chart(
        reps,
        colours,
        _column(reps, "utilisation_before"),
        _column(reps, "utilisation"),
        id="workload-chart",
        aria="workload utilisation per rep, before and after",
        marker=(1.0, "capacity 100 %", CAPACITY_LINE),
    )


def measure_chart(
    reps: pd.DataFrame, colours: dict[str, str], key: str, spread: Mapping[str, Any], band: str
) -> BarChart | None:
    """The balance measure ``key`` per rep as a ratio to its fair share, its band
    ``spread["band_low"]..["band_high"]`` shaded and labelled ``band``; None when reps.csv
    has no ratio column for it (a plan written before measures)."""
    if f"{key}_ratio" not in reps:
        return None
    low, high = spread.get("band_low"), spread.get("band_high")
    shaded = (float(low), float(high), band) if low is not None and high is not None else None
    return bar_chart(
        reps,
        colours,
        _column(reps, f"{key}_ratio_before"),
        _column(reps, f"{key}_ratio"),
        id=f"measure-chart-{_slug(key)}",
        aria=f"{key} per rep as a share of its fair share, before and after",
        marker=(1.0, "fair share", FAIR_LINE),
        band=shaded,
        cap=max(MAX_RATIO, shaded[1] + 0.2 if shaded else 0.0),
        bar_class="measure-bar",
    )


def _slug(key: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in key)
