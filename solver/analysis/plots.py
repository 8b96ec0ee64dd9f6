"""Figures of plans, comparisons and sweeps (matplotlib).

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so nothing
ever blocks or opens a window and no global figure state piles up in long sweeps; it works
under the Agg backend. In a notebook the figure displays as a cell's value; elsewhere use
``fig.savefig("x.png")``. Pass ``ax`` to draw into an existing Axes instead.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from solver.analysis.compare import Comparison
from solver.analysis.sweep import pareto
from solver.inputs.geo import haversine_km
from solver.plan import Plan
from solver.report.labels import place_labels
from solver.report.outlines import outlines

BEFORE, AFTER, CAPACITY = "#b8bec6", "#2f6fad", "#c0392b"
GAIN, LOSS = "#2e8b57", "#c0392b"
#: qualitative colours for territories; neighbouring reps never share one
PALETTE = (
    *("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"),
    *("#17becf", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"),
    *("#3182bd", "#e6550d", "#31a354", "#756bb1", "#e7ba52", "#fd8d3c"),
)
#: axis titles of sweep columns a person reads
LABELS = {
    "travel_km_per_period": "road km driven per period (all reps)",
    "travel_km_mean": "mean one-way road km per account",
    "balance_deviation": "workload away from fair share (hours, all reps)",
    "moves": "accounts moved",
    "value_moved": "value moved",
    "workload_cv": "workload CV (utilisation)",
    "workload_gini": "workload Gini (utilisation)",
    "objective": "objective (cost points)",
}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def _show_figures_in_notebooks() -> None:
    """Let a notebook display a pyplot-free Figure as a cell's value (PNG), unless the
    user has set up a formatter for figures already (``%matplotlib inline`` does)."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    formatter = shell.display_formatter.formatters["image/png"]
    try:
        formatter.lookup_by_type(Figure)
    except KeyError:
        formatter.for_type(Figure, _png)


_show_figures_in_notebooks()


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots()


def _short(x: float, _pos: int | None = None) -> str:
    """1234567 -> '1.2M', 45300 -> '45k' (axis ticks of money, km and hours)."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}"


def _tidy(ax: Axes, axis: str = "both") -> None:
    ax.grid(axis=axis, alpha=0.3)  # type: ignore[arg-type]
    ax.set_axisbelow(True)


def plot_workload(
    plan: Plan,
    baseline: Plan | None = None,
    unit: str = "utilisation",
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Load per rep, before and after: bars of utilisation (load / capacity_hours, %) or of
    hours with each rep's capacity marked. Before = today's owners, or ``baseline``'s plan."""
    if unit not in ("utilisation", "hours"):
        raise ValueError("unit must be 'utilisation' or 'hours'")
    after = plan.reps.set_index("rep_id")
    if baseline is None:
        before = after["workload_hours_before"]
        names = labels or ("before (today's owners)", "after (plan)")
    else:
        before = baseline.reps.set_index("rep_id")["workload_hours"]
        names = labels or ("plan A", "plan B")
    reps = list(dict.fromkeys([*before.index, *after.index]))
    hours_b = before.reindex(reps).fillna(0.0).to_numpy(float)
    hours_a = after["workload_hours"].reindex(reps).fillna(0.0).to_numpy(float)
    capacity = after["capacity_hours"].reindex(reps)
    if baseline is not None:
        capacity = capacity.fillna(baseline.reps.set_index("rep_id")["capacity_hours"])
    capacity = capacity.to_numpy(float)
    scale = 100.0 / capacity if unit == "utilisation" else np.ones(len(reps))
    fig, ax = _axes(ax, (max(8.0, 0.32 * len(reps) + 2), 4.8))
    x = np.arange(len(reps))
    ax.bar(x - 0.2, hours_b * scale, 0.4, color=BEFORE, label=names[0])
    ax.bar(x + 0.2, hours_a * scale, 0.4, color=AFTER, label=names[1])
    top = float(np.nanmax(np.concatenate([hours_b * scale, hours_a * scale, [1.0]])))
    if unit == "utilisation":
        ax.axhline(100.0, color=CAPACITY, ls="--", lw=1.2, label="capacity")
        owning = hours_a > 0
        if owning.any():
            mean = float((hours_a * scale)[owning].mean())
            band = f"{names[1]}: mean ±10 %"
            ax.axhspan(0.9 * mean, 1.1 * mean, color=AFTER, alpha=0.08, label=band)
        ax.set_ylabel("utilisation (% of capacity hours)")
        top = max(top, 100.0)
    else:
        ax.scatter(x, capacity, marker="_", s=200, color=CAPACITY, zorder=3, label="capacity")
        ax.set_ylabel("workload (hours per period)")
        top = max(top, float(np.nanmax(capacity)))
    ax.set_ylim(0, top * 1.2)  # head room for the legend
    inactive = set(after.index[~after["active"].astype(bool)])
    ax.set_xticks(x, [f"{r} ✕" if r in inactive else str(r) for r in reps], rotation=90)
    ax.set_xlim(-0.7, len(reps) - 0.3)
    ax.set_title("Workload per rep" + (" (✕ = leaving)" if inactive else ""))
    ax.legend(loc="upper center", fontsize=8, ncols=4, framealpha=0.95)
    _tidy(ax, "y")
    return fig


def _road_km_before(plan: Plan) -> np.ndarray:
    """One-way road km from each account to today's owner (accounts with an owner)."""
    f = plan.problem.facts
    assert f is not None
    has = f.current >= 0
    j = f.current[has]
    return haversine_km(f.c_lat[has], f.c_lon[has], f.r_lat[j], f.r_lon[j]) * f.road_factor


def plot_travel(
    plan: Plan,
    baseline: Plan | None = None,
    labels: Sequence[str] | None = None,
    bins: int = 40,
    ax: Axes | None = None,
) -> Figure:
    """Distribution of one-way road km per account (great-circle km x road factor), before
    and after: a histogram with each mean (dashed) and 95th percentile (dotted) and, unless
    ``ax`` is given, the cumulative share of accounts within a distance beside it."""
    road = plan.problem.scenario.travel.road_factor
    after = plan.assignments["distance_km"].to_numpy(float) * road
    if baseline is None:
        before = _road_km_before(plan)
        names = labels or ("before (today's owners)", "after (plan)")
    else:
        before = baseline.assignments["distance_km"].to_numpy(float) * road
        names = labels or ("plan A", "plan B")
    if ax is None:
        fig = Figure(figsize=(11.0, 4.5), layout="constrained")
        ax, cum = fig.subplots(1, 2, width_ratios=(3, 2))
    else:
        fig, cum = ax.figure, None
    both = np.concatenate([before, after])
    top = max(float(np.percentile(both, 99)) if len(both) else 1.0, 1.0)
    edges = np.linspace(0.0, top, bins + 1)
    series = ((before, names[0], BEFORE, "stepfilled"), (after, names[1], AFTER, "step"))
    for data, name, color, kind in series:
        if not len(data):
            continue
        mean, p95 = float(data.mean()), float(np.percentile(data, 95))
        label = f"{name}: mean {mean:.0f} km, p95 {p95:.0f} km"
        ax.hist(np.clip(data, 0, top), edges, histtype=kind, lw=2, color=color, label=label)
        ax.axvline(mean, color=color, ls="--", lw=1.2)
        ax.axvline(p95, color=color, ls=":", lw=1.2)
        if cum is not None:
            ordered = np.sort(data)
            share = np.arange(1, len(ordered) + 1) / len(ordered) * 100
            cum.plot(ordered, share, color=color, lw=2, label=name)
    ax.set_xlabel(f"one-way road km from the owning rep (last bar: {top:.0f} km or more)")
    ax.set_ylabel("accounts")
    ax.set_title("Travel per account")
    ax.legend(fontsize=8)
    _tidy(ax)
    if cum is not None:
        cum.set_xscale("symlog", linthresh=10)
        cum.xaxis.set_major_formatter(FuncFormatter(_short))
        cum.set_ylim(0, 101)
        cum.set_xlabel("one-way road km (log scale past 10 km)")
        cum.set_ylabel("% of accounts within")
        cum.set_title("Accounts within a distance")
        cum.legend(fontsize=8, loc="lower right")
        _tidy(cum)
    return fig


def plot_pareto(
    frame: pd.DataFrame,
    x: str = "travel_km_per_period",
    y: str = "balance_deviation",
    color: str | None = "moves",
    pareto_column: str = "pareto",
    annotate: str | None = "variant",
    ax: Axes | None = None,
) -> Figure:
    """Trade-off scatter of a sweep: ``x`` against ``y``, coloured by ``color``; efficient
    plans (``pareto_column``, computed over x, y and color when absent) are ringed and
    labelled with ``annotate``; dominated plans are faded. Without ``color`` the efficient
    plans are joined by the staircase of the two-objective front."""
    objectives = [c for c in (x, y, color) if c]
    if pareto_column not in frame:
        frame = pareto(frame, objectives, pareto_column)
    data = frame.dropna(subset=objectives)
    eff = data[pareto_column].astype(bool).to_numpy()
    fig, ax = _axes(ax, (8.0, 5.5))
    if color:
        shade = {"cmap": "viridis", "vmin": data[color].min(), "vmax": data[color].max()}
        tint = data[color].to_numpy(float)
    else:
        shade, tint = {}, np.zeros(len(data))
    if (~eff).any():
        ax.scatter(
            data[x][~eff],
            data[y][~eff],
            s=30,
            alpha=0.35,
            c=tint[~eff] if color else "grey",
            **shade,
        )
    points = ax.scatter(
        data[x][eff],
        data[y][eff],
        s=90,
        edgecolors="black",
        linewidths=1.2,
        zorder=3,
        c=tint[eff] if color else AFTER,
        **shade,
    )
    handles = [
        Line2D([], [], marker="o", ls="", mfc="white", mec="black", ms=9, label="Pareto-efficient"),
        Line2D([], [], marker="o", ls="", color="grey", alpha=0.4, ms=6, label="dominated"),
    ]
    if color:
        fig.colorbar(points, ax=ax, label=LABELS.get(color, color))
    elif eff.sum() > 1:  # two objectives: the front is the staircase through efficient plans
        front = data[eff].sort_values([x, y])
        (line,) = ax.plot(front[x], front[y], ls="--", lw=1, color=AFTER, drawstyle="steps-post")
        line.set_label("front")
        handles.append(line)
    if annotate and annotate in data:
        for _, row in data[eff].iterrows():
            ax.annotate(
                str(row[annotate]),
                (row[x], row[y]),
                textcoords="offset points",
                xytext=(6, 5),
                fontsize=8,
            )
    ax.legend(handles=handles, fontsize=8)
    ax.set_xlabel(LABELS.get(x, x))
    ax.set_ylabel(LABELS.get(y, y))
    ax.xaxis.set_major_formatter(FuncFormatter(_short))
    ax.yaxis.set_major_formatter(FuncFormatter(_short))
    ax.set_title(f"Trade-off: {int(eff.sum())} of {len(data)} plans are Pareto-efficient")
    _tidy(ax)
    return fig


def territory_colours(plan: Plan, neighbours: int = 8) -> dict[str, str]:
    """A colour per rep such that no rep shares one with its ``neighbours`` nearest reps;
    the least used allowed colour is taken so the palette is spread evenly."""
    reps = plan.reps
    lat, lon = reps["lat"].to_numpy(float), reps["lon"].to_numpy(float)
    dist = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    near = np.argsort(dist, axis=1, kind="stable")[:, 1 : neighbours + 1]
    colour = np.full(len(reps), -1)
    used = np.zeros(len(PALETTE), dtype=int)
    for j in np.argsort(lon, kind="stable"):
        taken = set(colour[near[j]].tolist())
        allowed = [k for k in range(len(PALETTE)) if k not in taken] or list(range(len(PALETTE)))
        colour[j] = min(allowed, key=lambda k: (used[k], k))
        used[colour[j]] += 1
    return {str(r): PALETTE[k] for r, k in zip(reps["rep_id"], colour, strict=True)}


def plot_territories(
    plan: Plan,
    show_moves: bool = True,
    spokes: bool = True,
    bounds: tuple[float, float, float, float] | None = None,
    title: str | None = None,
    baseline: Plan | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Map of accounts coloured by their rep, with a faint spoke from each account to its
    rep's base (triangles; ✕ = leaving rep); ``show_moves`` rings accounts that change
    owner against today (or against ``baseline``'s plan); ``bounds`` = (lon_min, lon_max,
    lat_min, lat_max) zooms in."""
    a = plan.assignments
    reps = plan.reps.set_index("rep_id", drop=False)
    colours = territory_colours(plan)
    lon, lat = a["lon"].to_numpy(float), a["lat"].to_numpy(float)
    tint = a["rep_id"].map(colours).to_numpy()
    fig, ax = _axes(ax, (9.0, 7.5))
    if spokes:
        base = reps.loc[a["rep_id"], ["lon", "lat"]].to_numpy(float)
        lines = np.stack([np.column_stack([lon, lat]), base], axis=1)
        ax.add_collection(LineCollection(lines, colors=tint, linewidths=0.5, alpha=0.35))
    ax.scatter(lon, lat, s=10, c=tint, linewidths=0, alpha=0.9)
    if show_moves:
        if baseline is None:
            moved, what = a["changed"].astype(bool).to_numpy(), "changes owner"
        else:
            before = a["customer_id"].map(baseline.assignments.set_index("customer_id")["rep_id"])
            moved, what = (before != a["rep_id"]).to_numpy(), "owner differs from baseline"
        ax.scatter(
            lon[moved],
            lat[moved],
            s=24,
            facecolors="none",
            edgecolors="black",
            linewidths=0.6,
            label=f"{what} ({int(moved.sum()):,})",
        )
    active = reps["active"].astype(bool).to_numpy()
    ax.scatter(
        reps["lon"][active],
        reps["lat"][active],
        s=120,
        marker="^",
        zorder=3,
        c=reps["rep_id"][active].map(colours),
        edgecolors="black",
        linewidths=1.0,
        label="rep base",
    )
    if (~active).any():
        ax.scatter(
            reps["lon"][~active],
            reps["lat"][~active],
            s=100,
            marker="X",
            c="grey",
            edgecolors="black",
            zorder=3,
            label="leaving rep",
        )
    if bounds is not None:
        ax.set_xlim(bounds[0], bounds[1])
        ax.set_ylim(bounds[2], bounds[3])
    else:
        ax.autoscale_view()
    mid = float(np.mean(ax.get_ylim()))
    ax.set_aspect(1.0 / max(np.cos(np.radians(mid)), 0.1))
    _draw_outlines(ax)
    _label_reps(ax, reps)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    active_n = int(active.sum())
    ax.set_title(title or f"Territories: {len(a):,} accounts, {active_n} active reps")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    ax.grid(alpha=0.2)
    return fig


def _draw_outlines(ax: Axes) -> None:
    """Country outlines, coasts and US state lines under the accounts (not rescaling)."""
    ax.apply_aspect()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    shapes = outlines((x0, x1, y0, y1))
    for name, pieces, colour, width in (
        ("states", shapes.states, "#c3ccd5", 0.6),
        ("countries", shapes.countries, "#8a96a3", 0.9),
    ):
        if pieces:
            lines = LineCollection(pieces, colors=colour, linewidths=width, zorder=0)
            lines.set_gid(f"outlines-{name}")
            ax.add_collection(lines, autolim=False)


#: rep labels: font size (points), width of one character and height, in points
LABEL_PT, LABEL_CHAR_PT, LABEL_H_PT = 7.0, 4.6, 8.5


def _label_reps(ax: Axes, reps: pd.DataFrame) -> None:
    """Rep ids beside their bases, placed so that no two labels collide where there is
    room (reps with more accounts first)."""
    ax.apply_aspect()
    fig = ax.figure
    to_pt = 72.0 / fig.dpi
    order = (
        reps.sort_values("accounts", ascending=False, kind="stable") if "accounts" in reps else reps
    )
    xy = ax.transData.transform(order[["lon", "lat"]].to_numpy(float)) * to_pt
    x, y = xy[:, 0], fig.bbox.height * to_pt - xy[:, 1]  # y grows down, as labels expects
    texts = [str(r) for r in order["rep_id"]]
    spots = place_labels(x, y, [LABEL_CHAR_PT * len(t) for t in texts], LABEL_H_PT, 6.0, 6.0)
    for text, lon, lat, px, py, (left, top) in zip(
        texts, order["lon"], order["lat"], x, y, spots, strict=True
    ):
        ax.annotate(
            text,
            (lon, lat),
            textcoords="offset points",
            xytext=(left - px, py - top),
            ha="left",
            va="top",
            fontsize=LABEL_PT,
            weight="bold",
            annotation_clip=True,
        )


def plot_gains(
    comparison: Comparison, by: str = "value", top: int | None = None, ax: Axes | None = None
) -> Figure:
    """Who gains and who loses: per-rep change of ``by`` (value, accounts, workload_hours,
    travel_km or utilisation) from plan A to plan B, largest gain on top."""
    column = f"{by}_delta"
    if column not in comparison.reps:
        raise ValueError(f"cannot plot gains by {by!r}: no column {column}")
    deltas = comparison.reps.set_index("rep_id")[column]
    deltas = deltas[deltas.abs() > 1e-9].sort_values()
    if top is not None:
        deltas = deltas[deltas.abs().rank(ascending=False, method="first") <= top]
    fig, ax = _axes(ax, (7.5, max(3.0, 0.26 * len(deltas) + 1.5)))
    y = np.arange(len(deltas))
    values = deltas.to_numpy(float)
    ax.barh(y, values, color=np.where(values > 0, GAIN, LOSS))
    for yi, v in zip(y, values, strict=True):
        ax.annotate(
            ("+" if v > 0 else "") + _short(v),
            (v, yi),
            textcoords="offset points",
            xytext=(4 if v > 0 else -4, 0),
            ha="left" if v > 0 else "right",
            va="center",
            fontsize=7,
        )
    ax.set_yticks(y, [str(r) for r in deltas.index])
    ax.axvline(0, color="black", lw=0.8)
    ax.xaxis.set_major_formatter(FuncFormatter(_short))
    ax.margins(x=0.15)
    what = by.replace("_", " ")
    ax.set_xlabel(f"change in {what} (plan B - plan A)")
    ax.set_title(f"Who gains and who loses ({what})")
    _tidy(ax, "x")
    return fig
