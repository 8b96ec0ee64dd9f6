"""Plots: figures are returned (never shown), carry the expected artists, and save as PNG."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from solver.analysis import plots
from solver.analysis.whatif import Case
from tests.instances import SMALL_SCENARIO, make_instance


@pytest.fixture(scope="module")
def plans():
    customers, reps = make_instance(n=40, m=5, seed=2)
    base = Case(customers, reps, {**SMALL_SCENARIO, "time_limit_s": 2.0})
    variant = base.rep_leaves("R1").hire("R7", 33.0, -96.0, 300.0)
    return base.solve(), variant.solve()


def saved(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 2_000
    return path


def bars(ax) -> list[Rectangle]:
    return [bar for container in ax.containers for bar in container]


def test_workload_before_after_bars_per_rep(plans, tmp_path):
    plan, _ = plans
    fig = plots.plot_workload(plan)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert len(bars(ax)) == 2 * len(plan.reps)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "R4 ✕"  # leaving rep marked
    assert "utilisation" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "capacity" in labels and any("before" in t for t in labels)
    heights = [b.get_height() for b in bars(ax)]
    util = plan.reps["utilisation"].to_numpy() * 100
    np.testing.assert_allclose(heights[len(plan.reps) :], util, atol=0.05)
    saved(fig, tmp_path / "workload.png")


def test_workload_against_a_baseline_in_hours(plans, tmp_path):
    plan_a, plan_b = plans
    fig = plots.plot_workload(plan_b, baseline=plan_a, unit="hours", labels=("A", "B"))
    ax = fig.axes[0]
    reps = set(plan_a.reps["rep_id"]) | set(plan_b.reps["rep_id"])
    assert len(bars(ax)) == 2 * len(reps)
    assert "hours" in ax.get_ylabel()
    assert {"A", "B", "capacity"} <= {t.get_text() for t in ax.get_legend().get_texts()}
    saved(fig, tmp_path / "workload_hours.png")
    with pytest.raises(ValueError, match="unit"):
        plots.plot_workload(plan_a, unit="days")


def test_travel_histogram_and_cumulative_share(plans, tmp_path):
    plan, _ = plans
    fig = plots.plot_travel(plan)
    hist, cum = fig.axes
    assert hist.get_ylabel() == "accounts" and "%" in cum.get_ylabel()
    legend = [t.get_text() for t in hist.get_legend().get_texts()]
    assert len(legend) == 2 and all("mean" in t and "p95" in t for t in legend)
    assert len(cum.get_lines()) == 2
    x, y = cum.get_lines()[1].get_data()
    assert len(x) == len(plan.assignments) and y[-1] == pytest.approx(100.0)
    saved(fig, tmp_path / "travel.png")


def test_pareto_front_rings_efficient_plans(tmp_path):
    frame = pd.DataFrame(
        {
            "variant": range(5),
            "travel_km_per_period": [1.0, 2.0, 3.0, 4.0, 2.5],
            "balance_deviation": [5.0, 3.0, 1.0, 4.0, 3.5],
            "moves": [10, 10, 10, 20, 12],
        }
    )
    fig = plots.plot_pareto(frame)
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the plot and its colour bar
    dominated, efficient = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(efficient.get_offsets()) == 3 and len(dominated.get_offsets()) == 2
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "2"]
    assert "3 of 5" in ax.get_title()
    saved(fig, tmp_path / "pareto.png")
    flat = plots.plot_pareto(frame, color=None)
    assert len(flat.axes) == 1
    assert any(line.get_label() == "front" for line in flat.axes[0].get_lines())


def test_territory_map_colours_accounts_by_rep(plans, tmp_path):
    plan, _ = plans
    fig = plots.plot_territories(plan)
    ax = fig.axes[0]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    spokes = [c for c in lines if not (c.get_gid() or "").startswith("outlines")]
    assert len(spokes) == 1 and len(spokes[0].get_segments()) == len(plan.assignments)
    outlines = {c.get_gid(): c for c in lines if c not in spokes}
    assert "outlines-states" in outlines  # inland Texas: state lines, no coast
    lon = np.r_[plan.assignments["lon"].astype(float), plan.reps["lon"].astype(float)]
    x0, x1 = ax.get_xlim()
    assert lon.min() - 0.5 < x0 and x1 < lon.max() + 0.5  # the outlines do not widen the view
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    accounts = points[0]
    assert len(accounts.get_offsets()) == len(plan.assignments)
    colours = plots.territory_colours(plan)
    by_rep = {}
    for rep, rgba in zip(plan.assignments["rep_id"], accounts.get_facecolors(), strict=True):
        by_rep.setdefault(rep, set()).add(tuple(np.round(rgba[:3], 3)))
    assert all(len(c) == 1 for c in by_rep.values())  # one colour per rep
    assert len(set(colours.values())) == len(colours)  # five reps: all different
    assert {t.get_text() for t in ax.texts} == set(plan.reps["rep_id"])
    assert "40 accounts" in ax.get_title()
    saved(fig, tmp_path / "map.png")
    _, other = plans
    versus = plots.plot_territories(other, baseline=plan).axes[0]
    differs = (other.assignments["rep_id"] != plan.assignments["rep_id"]).sum()
    ringed = [t.get_text() for t in versus.get_legend().get_texts() if "differs" in t.get_text()]
    assert ringed == [f"owner differs from baseline ({differs})"]
    zoom = plots.plot_territories(plan, spokes=False, bounds=(-96.5, -95.0, 32.0, 33.0))
    assert zoom.axes[0].get_xlim() == (-96.5, -95.0)
    assert not [
        c
        for c in zoom.axes[0].collections
        if isinstance(c, LineCollection) and not (c.get_gid() or "").startswith("outlines")
    ]


def test_gains_bars_show_who_gains_and_loses(plans, tmp_path):
    plan_a, plan_b = plans
    diff = plan_b.compare(plan_a)
    fig = plots.plot_gains(diff, by="accounts")
    ax = fig.axes[0]
    changed = diff.reps[diff.reps["accounts_delta"] != 0]
    assert len(bars(ax)) == len(changed)
    widths = sorted(b.get_width() for b in bars(ax))
    assert widths == sorted(changed["accounts_delta"].astype(float))
    assert {t.get_text() for t in ax.get_yticklabels()} == set(changed["rep_id"])
    saved(fig, tmp_path / "gains.png")
    with pytest.raises(ValueError, match="gains by"):
        plots.plot_gains(diff, by="happiness")


def test_plots_draw_into_a_given_axes_and_never_use_pyplot(plans):
    plan, _ = plans
    fig = Figure()
    ax = fig.subplots()
    assert plots.plot_workload(plan, ax=ax) is fig
    assert plots.plot_travel(plan, ax=ax) is fig and len(fig.axes) == 1
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []
