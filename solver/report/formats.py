"""How the report writes numbers and colours: thousands-separated figures, percentages,
ratios, an en dash for anything missing, and a distinct colour per rep."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: colour of accounts without a known rep; bars before / after; the 100 % capacity line;
#: the fair-share line and the band of a balance measure
NO_REP = "#9aa0a6"
BEFORE_BAR, AFTER_BAR, CAPACITY_LINE = "#b8bec6", "#2f6fad", "#c0392b"
FAIR_LINE, BAND_FILL = "#1e7b45", "#e3f3e8"
MISSING = "–"


def finite(x: object) -> float | None:
    """``x`` as a finite float, or None (missing, text, NaN, infinite)."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt_num(x: object, digits: int = 0) -> str:
    """Thousands-separated number, or an en dash when missing."""
    v = finite(x)
    return MISSING if v is None else f"{v:,.{digits}f}"


def fmt_pct(x: object, digits: int = 1) -> str:
    """A share (0.25) as a percentage ("25.0 %")."""
    v = finite(x)
    return MISSING if v is None else f"{100 * v:,.{digits}f} %"


def fmt_ratio(x: object) -> str:
    """A dimensionless measure (Gini, CV, Jain) with three decimals."""
    v = finite(x)
    return MISSING if v is None else f"{v:.3f}"


def sort_key(x: object) -> str:
    """The ``data-v`` a sortable number cell carries: the float, or empty when missing."""
    v = finite(x)
    return "" if v is None else str(v)


def rep_colours(reps: pd.DataFrame) -> dict[str, str]:
    """A distinct colour per rep: golden-angle hues taken in order of longitude (so
    neighbouring reps differ strongly), with three lightness/saturation levels."""
    order = np.argsort(
        reps["lon"].to_numpy(float) if "lon" in reps else np.arange(len(reps)), kind="stable"
    )
    colours: dict[str, str] = {}
    for k, j in enumerate(order):
        hue = (k * 137.508) % 360
        sat, light = ((70, 42), (55, 58), (80, 32))[k % 3]
        colours[str(reps["rep_id"].iloc[j])] = f"hsl({hue:.1f},{sat}%,{light}%)"
    return colours
