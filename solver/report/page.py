"""One self-contained HTML report of a solved plan folder (``territory report``).

The page needs no network: charts and maps are inline SVG, styles are inline and the only
script (sorting and filtering the tables) is inline too, allowed by its hash in a
Content-Security-Policy that forbids every other source. Every text value comes from CRM
files; the templates (``templates/``, jinja2) escape each one before it reaches the page.

Sections: headline cards (status, gap, objective vs bound, moves, value moved, workload
fairness before -> after), fairness metrics, workload per rep before vs after
(:mod:`solver.report.chart`), two maps of accounts coloured by rep (before =
``previous_rep``, after = ``rep_id``; :mod:`solver.report.maps`), extra sections (e.g.
routes, :mod:`solver.report.sections`), the moves with their reasons and the per-rep table
(:mod:`solver.report.tables`). Maps draw at most :data:`MAX_MAP_POINTS` accounts (a seeded
sample, stated on the page) and the moves table lists at most :data:`MAX_MOVE_ROWS` moves
(highest value first), so 100k-account plans stay a few MB.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from solver.inputs.io import atomic_write
from solver.metrics import BAND, band_label, ordered, verdict
from solver.report.chart import BarChart, measure_chart, workload_chart
from solver.report.formats import finite, fmt_num, fmt_pct, fmt_ratio, rep_colours
from solver.report.maps import account_maps
from solver.report.plan_data import PlanData, load_plan
from solver.report.sections import Section
from solver.report.tables import moves_table, rep_table
from solver.report.templating import asset, render

MAX_MAP_POINTS = 20_000
MAX_MOVE_ROWS = 10_000
#: the page's only script; the Content-Security-Policy allows it by its SHA-256
SCRIPT = asset("sort.js")
STYLE = asset("style.css")


def _better(before: object, after: object, metric: str) -> str:
    """CSS class: "good" when ``after`` improves on ``before`` in the direction
    ``solver.metrics`` gives ``metric`` (dotted name), "bad" when it is worse."""
    return {"better": "good", "worse": "bad"}.get(
        verdict(metric, finite(before), finite(after)), ""
    )


@dataclass(frozen=True)
class Change:
    """A measure before -> after as the page prints it, with its "good"/"bad" class."""

    label: str
    before: str
    after: str
    cls: str


def _change(label: str, before: object, after: object, metric: str, fmt=fmt_ratio) -> Change:
    return Change(label, fmt(before), fmt(after), _better(before, after, metric))


@dataclass(frozen=True)
class Headline:
    """The figures of the cards at the top of the page."""

    status: str
    engine_line: str
    gap: str
    bound_source: str
    objective: str
    bound: str
    moves: str
    moves_line: str
    value_moved: str
    value_line: str
    workload: tuple[Change, Change, Change]  # Gini, CV, max/min


def headline(p: PlanData) -> Headline:
    """The cards at the top: certificate, moves, value moved and workload fairness."""
    cert, after = p.certificate, p.metrics.get("after", {})
    before = p.metrics.get("before", {})
    a = p.assignments
    n = len(a)
    moves = int(after.get("moves", int(a["changed"].sum())))
    total_value = float(a["value"].sum()) if "value" in a else 0.0
    moved_value = after.get("value_moved")
    if moved_value is None and "value" in a:
        moved_value = float(a.loc[a["changed"], "value"].sum())
    share = after.get("value_moved_share")
    if share is None and moved_value is not None and total_value > 0:
        share = float(moved_value) / total_value
    wb, wa = before.get("workload", {}), after.get("workload", {})
    return Headline(
        status=str(cert.get("status", "unknown")),
        engine_line=f"engine {cert.get('engine', '?')}, {fmt_num(cert.get('wall_s'), 1)} s",
        gap=fmt_pct(cert.get("gap"), 2),
        bound_source=str(cert.get("bound_source", "no bound")),
        objective=fmt_num(cert.get("objective")),
        bound=fmt_num(cert.get("bound")),
        moves=fmt_num(moves),
        moves_line=f"of {n:,} accounts ({fmt_pct(moves / n if n else None)})",
        value_moved=fmt_num(moved_value),
        value_line=f"{fmt_pct(share)} of total value {fmt_num(total_value)}",
        workload=(
            _change("Workload Gini", wb.get("gini"), wa.get("gini"), "workload.gini"),
            _change("Workload CV", wb.get("cv"), wa.get("cv"), "workload.cv"),
            _change(
                "Workload max / min",
                wb.get("max_min_ratio"),
                wa.get("max_min_ratio"),
                "workload.max_min_ratio",
                lambda x: fmt_num(x, 2),
            ),
        ),
    )


FAIRNESS_ROWS = (
    ("workload Gini", ("workload", "gini"), fmt_ratio),
    ("workload CV", ("workload", "cv"), fmt_ratio),
    ("workload max/min ratio", ("workload", "max_min_ratio"), lambda x: fmt_num(x, 2)),
    ("workload Jain index (1 = equal)", ("workload", "jain"), fmt_ratio),
    # of utilisation against its plain mean: the per-measure table below has its own bands
    (
        f"reps within ±{BAND * 100:.0f} % of the mean utilisation",
        ("workload", "in_band_share"),
        fmt_pct,
    ),
    ("highest utilisation", ("utilisation_max",), fmt_pct),
    ("lowest utilisation", ("utilisation_min",), fmt_pct),
    ("value Gini", ("value_gini",), fmt_ratio),
    ("mean one-way road km per account", ("travel_km_mean",), lambda x: fmt_num(x, 1)),
    ("p95 road km", ("travel_km_p95",), lambda x: fmt_num(x, 1)),
    ("road km per period (all reps)", ("travel_km_per_period",), fmt_num),
    ("specialty match rate", ("specialty_match_rate",), fmt_pct),
    ("accounts with leaving reps", ("leaving_rep_accounts",), fmt_num),
)
#: the value-seniority fit: key accounts with experienced reps (strength 0..1)
FIT_ROWS = (
    ("value-seniority fit (Spearman's rho, value vs owner strength)", ("value_seniority_fit",)),
    ("mean owner strength, tier-A accounts", ("strength_tier_a",)),
    ("mean owner strength, tier-C accounts", ("strength_tier_c",)),
    ("mean owner strength, top 20 % of accounts by value", ("strength_top_value",)),
    ("mean owner strength, bottom 20 % of accounts by value", ("strength_bottom_value",)),
)
#: the statistics of each balance measure, in table order
MEASURE_STATS = (
    ("Gini", "gini", fmt_ratio),
    ("CV", "cv", fmt_ratio),
    ("max / min", "max_min_ratio", lambda x: fmt_num(x, 2)),
    ("reps in band", "in_band_share", fmt_pct),
)


def _dig(d: dict, path: tuple[str, ...]) -> object:
    for key in path:
        d = d.get(key, {}) if isinstance(d, dict) else {}
    return None if isinstance(d, dict) else d


def fairness_rows(p: PlanData, table=FAIRNESS_ROWS) -> list[Change]:
    """Every before/after metric in metrics.json the page knows a label for (of
    ``table``: label, path, format; the format defaults to three decimals)."""
    before, after = p.metrics.get("before", {}), p.metrics.get("after", {})
    rows = []
    for label, path, *fmt in table:
        b, a = _dig(before, path), _dig(after, path)
        if b is None and a is None:
            continue
        rows.append(_change(label, b, a, ".".join(path), *fmt))
    return rows


@dataclass(frozen=True)
class MeasureRow:
    """One balance measure on the page: its rule, its statistics and its chart."""

    key: str
    share: str
    band: str
    stats: tuple[Change, ...]
    chart: BarChart | None
    note: str = ""  # said instead of the chart (a measure that is 0 on every account)


def measure_rows(p: PlanData, colours: dict[str, str]) -> list[MeasureRow]:
    """Every balance measure in metrics.json, before -> after, with its per-rep chart."""
    after = p.metrics.get("after", {}).get("measures") or {}
    before = p.metrics.get("before", {}).get("measures") or {}
    rows = []
    for key, spread in ordered(after):
        if not isinstance(spread, dict):
            continue
        then = before.get(key) or {}
        band = band_label(spread)
        stats = tuple(
            _change(label, then.get(stat), spread.get(stat), f"measures.{key}.{stat}", fmt)
            for label, stat, fmt in MEASURE_STATS
        )
        empty = spread.get("total") == 0
        chart = None if empty else measure_chart(p.reps, colours, key, spread, band)
        note = f"{key} is 0 on every account: nothing to balance, no chart." if empty else ""
        rows.append(MeasureRow(str(key), str(spread.get("share", "")), band, stats, chart, note))
    return rows


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'"
    )


def render_report(plan_dir: str | Path, sections: Sequence[Section] = ()) -> str:
    """The whole report of the plan folder ``plan_dir`` as one self-contained HTML page;
    each of ``sections`` adds its HTML after the maps (e.g. the routes section)."""
    p = load_plan(plan_dir)
    colours = rep_colours(p.reps)
    cert = p.certificate
    n, m = len(p.assignments), len(p.reps)
    active = int(p.reps["active"].sum())
    fp = cert.get("input_fingerprints") or {}
    return render(
        "page.html.j2",
        csp=_csp(),
        style=Markup(STYLE),
        script=Markup(SCRIPT),
        folder=p.folder.name,
        subtitle=(
            f"{n:,} accounts · {m:,} reps ({m - active:,} leaving) · as of "
            f"{cert.get('as_of', '?')} · engine {cert.get('engine', '?')} · seed "
            f"{cert.get('seed', '?')}"
        ),
        headline=headline(p),
        fairness=fairness_rows(p),
        measures=measure_rows(p, colours),
        measure_stats=[label for label, _, _ in MEASURE_STATS],
        fit=fairness_rows(p, FIT_ROWS),
        chart=workload_chart(p.reps, colours),
        maps=account_maps(p.assignments, p.reps, colours, MAX_MAP_POINTS),
        extra=Markup("").join(section(p, colours) for section in sections),
        moves=moves_table(p, colours, MAX_MOVE_ROWS),
        reps=rep_table(p, colours),
        cert=cert,
        fingerprints=", ".join(f"{k} {v}" for k, v in fp.items()) if isinstance(fp, dict) else "",
    )


def write_report(
    plan_dir: str | Path, out_path: str | Path, sections: Sequence[Section] = ()
) -> Path:
    """Render the report of ``plan_dir`` and write it atomically to ``out_path``."""
    text = render_report(plan_dir, sections)
    out = Path(out_path)
    atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return out
