"""What ``territory solve`` prints when the plan is written: the certificate in one line,
the plan-wide metrics before vs after, one row per balance measure, the value-seniority
fit, and the moves. Green is better than before, red worse (:func:`solver.metrics.verdict`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from solver.cli.common import VERDICT_STYLE
from solver.metrics import band_label, flat_numbers, ordered, verdict
from solver.plan import Plan

Format = Callable[[float], str]


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _ratio(x: float) -> str:
    return f"{x:.3f}"


#: plan-wide rows: (label, metric, format)
#: (the spread of workload is the measures table's first row; a plan without measures, as
#: written before them, shows the utilisation spread here)
PLAN_ROWS: tuple[tuple[str, str, Format], ...] = (
    ("highest utilisation", "utilisation_max", _pct),
    ("lowest utilisation", "utilisation_min", _pct),
    ("mean travel km (one way)", "travel_km_mean", "{:.1f}".format),
    ("p95 travel km", "travel_km_p95", "{:.1f}".format),
    ("specialty match rate", "specialty_match_rate", _pct),
    ("accounts with leaving reps", "leaving_rep_accounts", "{:,.0f}".format),
)
#: the utilisation spread, shown when the plan has no measures table
WORKLOAD_ROWS: tuple[tuple[str, str, Format], ...] = (
    ("workload Gini (utilisation)", "workload.gini", _ratio),
    ("workload CV", "workload.cv", _ratio),
    ("max / min utilisation", "workload.max_min_ratio", "{:.2f}".format),
    ("Jain index", "workload.jain", _ratio),
    ("reps within ±10 % of mean load", "workload.in_band_share", _pct),
)
#: value-seniority rows: (label, metric, format); strength is 0..1
FIT_ROWS: tuple[tuple[str, str, Format], ...] = (
    ("value-seniority fit (Spearman)", "value_seniority_fit", _ratio),
    ("owner strength, tier-A accounts", "strength_tier_a", _ratio),
    ("owner strength, tier-C accounts", "strength_tier_c", _ratio),
    ("owner strength, top 20 % by value", "strength_top_value", _ratio),
    ("owner strength, bottom 20 % by value", "strength_bottom_value", _ratio),
)
#: per-measure statistics shown: (header, statistic, format)
MEASURE_STATS: tuple[tuple[str, str, Format], ...] = (
    ("Gini", "gini", _ratio),
    ("max / min", "max_min_ratio", "{:.2f}".format),
    ("in band", "in_band_share", "{:.0%}".format),
)


def _coloured(name: str, before: float | None, after: float | None, fmt: Format) -> str:
    if after is None:
        return ""
    shown = fmt(after)
    colour = VERDICT_STYLE.get(verdict(name, before, after))
    return f"[{colour}]{shown}[/]" if colour else shown


def _shown(value: float | None, fmt: Format) -> str:
    return fmt(value) if value is not None else ""


def metrics_table(after: Mapping[str, Any], before: Mapping[str, Any], rows, title: str) -> Table:
    """Before vs after of the plan-wide ``rows`` (those the plan has)."""
    flat_after, flat_before = flat_numbers(after), flat_numbers(before)
    table = Table(title=title, show_edge=False)
    for header, justify in (("metric", "left"), ("before", "right"), ("after", "right")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for label, name, fmt in rows:
        if name not in flat_after:
            continue
        b, a = flat_before.get(name), flat_after[name]
        table.add_row(label, _shown(b, fmt), _coloured(name, b, a, fmt))
    return table


def measures_table(after: Mapping[str, Any], before: Mapping[str, Any]) -> Table | None:
    """One row per balance measure: share rule, band, and Gini, max/min and the share of
    reps in band before -> after (ratios to each rep's fair share)."""
    measures = after.get("measures") or {}
    if not measures:
        return None
    old = before.get("measures") or {}
    table = Table(
        title=escape("balance per measure against each rep's fair share, before -> after"),
        caption=escape("band: [lo, hi] hard, ±x soft tolerance, (±x) reported only"),
        show_edge=False,
    )
    for header in ("measure", "share", "band"):
        table.add_column(header, overflow="fold")  # these give way on a narrow console
    for header, _, _ in MEASURE_STATS:
        table.add_column(header, justify="right", no_wrap=True, min_width=12)
    for key, spread in ordered(measures):
        then = old.get(key) or {}
        share = escape(str(spread.get("share", "")))
        cells = [escape(str(key)), share, band_label(spread, short=True)]
        for _, stat, fmt in MEASURE_STATS:
            name = f"measures.{key}.{stat}"
            b, a = then.get(stat), spread.get(stat)
            shown = _coloured(name, b, a, fmt)
            cells.append(f"{_shown(b, fmt)}->{shown}" if b is not None else shown)
        table.add_row(*cells)
    return table


def print_summary(out: Console, plan: Plan, out_dir: Path) -> None:
    """The summary of a solved and written plan (see the module)."""
    cert = plan.certificate
    gap = "n/a" if cert["gap"] is None else f"{cert['gap']:.3%}"
    stopped = f" (interrupted by {cert['interrupted']})" if cert.get("interrupted") else ""
    bound = "none" if cert["bound"] is None else f"{cert['bound']:,.1f} ({cert['bound_source']})"
    out.print(
        f"[bold]plan[/] {cert['status']}{stopped} by {cert['engine']} in {cert['wall_s']:.1f} s: "
        f"objective {cert['objective']:,.1f}, lower bound {escape(bound)}, gap {gap}"
    )
    after = plan.metrics["after"]
    before = plan.metrics.get("before") or {}
    measures = measures_table(after, before)
    rows = PLAN_ROWS if measures is not None else WORKLOAD_ROWS + PLAN_ROWS
    out.print(metrics_table(after, before, rows, "before vs after"))
    if measures is not None:
        out.print(measures)
    out.print(metrics_table(after, before, FIT_ROWS, "key accounts with experienced reps"))
    if "moves" in after:
        out.print(
            f"moves: {after['moves']:,} accounts, value moved {after['value_moved']:,.0f} "
            f"({_pct(after['value_moved_share'])} of total value)"
        )
    released = after.get("released_protections", 0)
    if released:
        out.print(
            f"released protections: {released:,} held by leaving reps (listed in forced_by; "
            'rules.leaving_rep_protection = "error" refuses them instead)'
        )
    if cert.get("stop_reason"):
        out.print(f"ended: {escape(cert['stop_reason'])}")
    if cert.get("route_rounds_stop"):
        rounds = len(cert.get("route_rounds") or [])
        out.print(
            f"route rounds: {rounds} solves (round 0 on round trips); "
            f"{escape(cert['route_rounds_stop'])}"
        )
    out.print(f"written: {escape(str(out_dir))}/assignments.csv, reps.csv, metrics.json")
