"""One self-contained HTML report of a solved plan folder (``territory report``).

The page needs no network: charts and maps are inline SVG drawn here, styles are inline and
the only script (sorting and filtering the tables) is inline too, allowed by its hash in a
Content-Security-Policy that forbids every other source. Every text value comes from CRM
files, so each one is HTML-escaped before it reaches the page.

Sections: headline cards (status, gap, objective vs bound, moves, value moved, workload
fairness before -> after), fairness metrics, workload per rep before vs after, two maps of
accounts coloured by rep (before = ``previous_rep``, after = ``rep_id``), the moves with
their reasons, and the per-rep table. Maps draw at most :data:`MAX_MAP_POINTS` accounts
(a seeded sample, stated on the page) and the moves table lists at most
:data:`MAX_MOVE_ROWS` moves (highest value first), so 100k-account plans stay a few MB.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from solver.export.plan_files import read_plan
from solver.inputs.io import atomic_write
from solver.metrics import verdict
from solver.report.labels import place_labels
from solver.report.outlines import outlines

MAX_MAP_POINTS = 20_000
MAX_MOVE_ROWS = 10_000
NO_REP = "#9aa0a6"
BEFORE_BAR, AFTER_BAR, CAPACITY_LINE = "#b8bec6", "#2f6fad", "#c0392b"
MAP_W, MAP_H = 640, 520
#: an extra section of the page: (plan, rep colours) -> HTML, every value escaped
Section = Callable[["PlanData", dict[str, str]], str]


def e(value: object) -> str:
    """HTML-escape any value (quotes too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


@dataclass(frozen=True)
class PlanData:
    """A plan folder read for the report: typed tables, metrics and certificate."""

    assignments: pd.DataFrame
    reps: pd.DataFrame
    metrics: dict
    certificate: dict
    folder: Path


def load_plan(plan_dir: str | Path) -> PlanData:
    """Read a plan folder (formula guards undone) and type the columns the report uses."""
    files = read_plan(plan_dir)
    a = files.assignments.frame.copy()
    r = files.reps.frame.copy()
    for col in ("value", "lat", "lon", "workload_hours"):
        if col in a:
            a[col] = pd.to_numeric(a[col], errors="coerce")
    for col in a.columns.intersection(["customer_id", "rep_id", "previous_rep", "reason"]):
        a[col] = a[col].fillna("").astype(str)
    if "changed" in a:
        a["changed"] = a["changed"].astype(str).str.strip().str.lower().isin(["true", "1"])
    else:
        a["changed"] = (a["previous_rep"] != "") & (a["previous_rep"] != a["rep_id"])
    text_cols = ("rep_id", "name", "specialties", "region", "active")
    for col in r.columns:
        if col not in text_cols:
            r[col] = pd.to_numeric(r[col], errors="coerce")
    r["rep_id"] = r["rep_id"].fillna("").astype(str)
    if "active" in r:
        r["active"] = ~r["active"].astype(str).str.strip().str.lower().isin(["false", "0", "no"])
    else:
        r["active"] = True
    try:
        data = json.loads((files.folder / "metrics.json").read_text(encoding="utf-8"))
        metrics = data.get("metrics") or {}
    except (OSError, ValueError, AttributeError):
        metrics = {}
    return PlanData(
        a, r, metrics if isinstance(metrics, dict) else {}, files.certificate, files.folder
    )


# ---------------------------------------------------------------- formatting helpers


def _f(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt_num(x: object, digits: int = 0) -> str:
    """Thousands-separated number, or an en dash when missing."""
    v = _f(x)
    return "–" if v is None else f"{v:,.{digits}f}"


def fmt_pct(x: object, digits: int = 1) -> str:
    """A share (0.25) as a percentage ("25.0 %")."""
    v = _f(x)
    return "–" if v is None else f"{100 * v:,.{digits}f} %"


def _ratio(x: object) -> str:
    v = _f(x)
    return "–" if v is None else f"{v:.3f}"


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


# ---------------------------------------------------------------- sections


def _card(label: str, value: str, sub: str = "") -> str:
    sub_html = f'<div class="sub">{sub}</div>' if sub else ""
    return (
        f'<div class="card"><div class="label">{e(label)}</div>'
        f'<div class="value">{value}</div>{sub_html}</div>'
    )


def _better(before: object, after: object, metric: str) -> str:
    """CSS class: "good" when ``after`` improves on ``before`` in the direction
    ``solver.metrics`` gives ``metric`` (dotted name), "bad" when it is worse."""
    return {"better": "good", "worse": "bad"}.get(verdict(metric, _f(before), _f(after)), "")


def _arrow(before: object, after: object, metric: str, fmt=_ratio) -> str:
    cls = _better(before, after, metric)
    return f'{e(fmt(before))} → <span class="{cls}">{e(fmt(after))}</span>'


def headline(p: PlanData) -> str:
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
    gap = cert.get("gap")
    wb, wa = before.get("workload", {}), after.get("workload", {})
    status = str(cert.get("status", "unknown"))
    cards = [
        _card(
            "Status",
            f'<span class="status-{e(status)}">{e(status)}</span>',
            e(f"engine {cert.get('engine', '?')}, {fmt_num(cert.get('wall_s'), 1)} s"),
        ),
        _card(
            "Gap to lower bound",
            f'<span id="headline-gap">{e(fmt_pct(gap, 2))}</span>',
            e(str(cert.get("bound_source", "no bound"))),
        ),
        _card(
            "Objective vs bound",
            e(fmt_num(cert.get("objective"))),
            f"bound {e(fmt_num(cert.get('bound')))}",
        ),
        _card(
            "Moves",
            f'<span id="headline-moves">{e(fmt_num(moves))}</span>',
            e(f"of {n:,} accounts ({fmt_pct(moves / n if n else None)})"),
        ),
        _card(
            "Value moved",
            f'<span id="headline-value-moved">{e(fmt_num(moved_value))}</span>',
            e(f"{fmt_pct(share)} of total value {fmt_num(total_value)}"),
        ),
        _card(
            "Workload Gini",
            _arrow(wb.get("gini"), wa.get("gini"), "workload.gini"),
            "utilisation inequality (0 = equal)",
        ),
        _card(
            "Workload CV",
            _arrow(wb.get("cv"), wa.get("cv"), "workload.cv"),
            "coefficient of variation",
        ),
        _card(
            "Workload max / min",
            _arrow(
                wb.get("max_min_ratio"),
                wa.get("max_min_ratio"),
                "workload.max_min_ratio",
                lambda x: fmt_num(x, 2),
            ),
            "busiest vs least busy active rep",
        ),
    ]
    return f'<section class="cards">{"".join(cards)}</section>'


FAIRNESS_ROWS = (
    ("workload Gini", ("workload", "gini"), _ratio),
    ("workload CV", ("workload", "cv"), _ratio),
    ("workload max/min ratio", ("workload", "max_min_ratio"), lambda x: fmt_num(x, 2)),
    ("workload Jain index (1 = equal)", ("workload", "jain"), _ratio),
    ("reps inside the load band", ("workload", "in_band_share"), fmt_pct),
    ("highest utilisation", ("utilisation_max",), fmt_pct),
    ("lowest utilisation", ("utilisation_min",), fmt_pct),
    ("value Gini", ("value_gini",), _ratio),
    ("mean one-way road km per account", ("travel_km_mean",), lambda x: fmt_num(x, 1)),
    ("p95 road km", ("travel_km_p95",), lambda x: fmt_num(x, 1)),
    ("road km per period (all reps)", ("travel_km_per_period",), fmt_num),
    ("specialty match rate", ("specialty_match_rate",), fmt_pct),
    ("value-seniority fit (Spearman)", ("value_seniority_fit",), _ratio),
    ("accounts with leaving reps", ("leaving_rep_accounts",), fmt_num),
)


def _dig(d: dict, path: tuple[str, ...]) -> object:
    for key in path:
        d = d.get(key, {}) if isinstance(d, dict) else {}
    return None if isinstance(d, dict) else d


def fairness_table(p: PlanData) -> str:
    """Every before/after metric in metrics.json the page knows a label for."""
    before, after = p.metrics.get("before", {}), p.metrics.get("after", {})
    rows = []
    for label, path, fmt in FAIRNESS_ROWS:
        b, a = _dig(before, path), _dig(after, path)
        if b is None and a is None:
            continue
        rows.append(
            f"<tr><td>{e(label)}</td><td class=num>{e(fmt(b))}</td>"
            f'<td class="num {_better(b, a, ".".join(path))}">{e(fmt(a))}</td></tr>'
        )
    if not rows:
        return "<p>No metrics in metrics.json.</p>"
    return (
        '<table class="metrics"><thead><tr><th>metric</th><th>before</th>'
        f"<th>after</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def workload_chart(p: PlanData, colours: dict[str, str]) -> str:
    """Horizontal bars per rep: utilisation before (grey) and after (blue), 100 % line."""
    r = p.reps
    m = len(r)
    before = r.get("utilisation_before", pd.Series(np.nan, index=r.index)).to_numpy(float)
    after = r.get("utilisation", pd.Series(np.nan, index=r.index)).to_numpy(float)
    finite = np.concatenate([before[np.isfinite(before)], after[np.isfinite(after)], [1.0]])
    top = max(1.1, math.ceil(float(finite.max()) * 10 + 0.5) / 10)
    row_h = 26 if m <= 60 else 14
    left, right, head = 230, 70, 34
    width = 900
    plot_w = width - left - right
    height = head + row_h * m + 30

    def x(v: float) -> float:
        return left + plot_w * max(0.0, v) / top

    parts = [
        f'<svg id="workload-chart" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        'aria-label="workload utilisation per rep, before and after">'
    ]
    for k in range(int(top * 10 // 2) + 1):  # gridlines every 20 %
        v = k * 0.2
        if v > top + 1e-9:
            break
        parts.append(
            f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{head - 6}" y2="{height - 26}" '
            f'class="grid"/><text x="{x(v):.1f}" y="{height - 10}" class="tick">'
            f"{100 * v:.0f} %</text>"
        )
    bar = (row_h - 6) / 2
    font = 12 if row_h >= 20 else 9
    for i in range(m):
        row = r.iloc[i]
        rid = str(row["rep_id"])
        name = str(row.get("name", "")) if "name" in r and pd.notna(row.get("name")) else ""
        y0 = head + i * row_h
        leaving = "" if bool(row["active"]) else " ✕ leaving"
        label = rid + (f" · {name}" if name else "")
        if len(label) + len(leaving) > 30:
            label = label[: 29 - len(leaving)] + "…"
        parts.append(
            f'<rect x="{left - 14}" y="{y0 + row_h / 2 - 5:.1f}" width="9" height="9" '
            f'fill="{colours.get(rid, NO_REP)}"/>'
            f'<text x="{left - 18}" y="{y0 + row_h / 2 + 4:.1f}" class="replabel" '
            f'font-size="{font}">{e(label)}{e(leaving)}</text>'
        )
        for cls, v, dy, fill in (
            ("bar-before", before[i], 2, BEFORE_BAR),
            ("bar-after", after[i], 2 + bar, AFTER_BAR),
        ):
            vv = float(v) if np.isfinite(v) else 0.0
            when = "before" if cls == "bar-before" else "after"
            parts.append(
                f'<rect class="{cls}" x="{left}" y="{y0 + dy:.1f}" '
                f'width="{x(vv) - left:.1f}" height="{bar:.1f}" fill="{fill}">'
                f"<title>{e(rid)} {when}: {e(fmt_pct(v))}</title></rect>"
            )
        va = float(after[i]) if np.isfinite(after[i]) else 0.0
        parts.append(
            f'<text x="{x(va) + 4:.1f}" y="{y0 + 2 + 2 * bar:.1f}" class="barval" '
            f'font-size="{font - 1}">{e(fmt_pct(after[i], 0))}</text>'
        )
    parts.append(
        f'<line x1="{x(1.0):.1f}" x2="{x(1.0):.1f}" y1="{head - 10}" y2="{height - 26}" '
        f'stroke="{CAPACITY_LINE}" stroke-width="2" stroke-dasharray="6 3"/>'
        f'<text x="{x(1.0) + 4:.1f}" y="{head - 14}" class="caplabel">capacity 100 %</text>'
        f'<rect x="{left}" y="6" width="12" height="10" fill="{BEFORE_BAR}"/>'
        f'<text x="{left + 16}" y="15" class="legend">before</text>'
        f'<rect x="{left + 70}" y="6" width="12" height="10" fill="{AFTER_BAR}"/>'
        f'<text x="{left + 86}" y="15" class="legend">after</text></svg>'
    )
    return "".join(parts)


@dataclass(frozen=True)
class _Projection:
    lon0: float
    lat1: float
    scale: float
    kx: float

    def xy(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates (pixels) of WGS84 points."""
        return (
            MAP_PAD[0] + (lon - self.lon0) * self.kx * self.scale,
            MAP_PAD[1] + (self.lat1 - lat) * self.scale,
        )

    def bounds(self) -> tuple[float, float, float, float]:
        """(lon_min, lon_max, lat_min, lat_max) of the whole map box."""
        lon = self.lon0 + (np.array([0.0, MAP_W]) - MAP_PAD[0]) / (self.kx * self.scale)
        lat = self.lat1 - (np.array([MAP_H, 0.0]) - MAP_PAD[1]) / self.scale
        return float(lon[0]), float(lon[1]), float(lat[0]), float(lat[1])


MAP_PAD = (16.0, 24.0, 44.0, 16.0)  # left, top, right (room for base labels), bottom
#: label box of a rep base: px per character of its 11 px bold text, height, gap
LABEL_CHAR_W, LABEL_H, LABEL_GAP = 7.0, 12.0, 9.0


def outline_paths(proj: _Projection) -> str:
    """Country, coast and US state outlines inside the map, as SVG paths (pixels)."""
    shapes = outlines(proj.bounds())
    parts = []
    for layer, pieces in (("states", shapes.states), ("countries", shapes.countries)):
        d = []
        for piece in pieces:
            x, y = proj.xy(piece[:, 1], piece[:, 0])
            pts = np.round(np.column_stack([x, y]), 1)
            keep = np.ones(len(pts), dtype=bool)
            keep[1:] = np.abs(np.diff(pts, axis=0)).max(axis=1) >= 0.5  # drop sub-pixel steps
            keep[-1] = True
            pts = pts[keep]
            if len(pts) >= 2:
                d.append("M" + "L".join(f"{px:g} {py:g}" for px, py in pts))
        if d:
            parts.append(f'<path class="outline-{layer}" d="{"".join(d)}"/>')
    return f'<g class="outlines">{"".join(parts)}</g>'


def _projection(lat: np.ndarray, lon: np.ndarray) -> _Projection:
    """Equirectangular projection (x scaled by cos of the mid latitude) fit to the map box."""
    ok = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = (lat[ok], lon[ok]) if ok.any() else (np.zeros(1), np.zeros(1))
    lat0, lat1, lon0, lon1 = lat.min(), lat.max(), lon.min(), lon.max()
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    span_x = max((lon1 - lon0) * kx, 1e-6)
    span_y = max(lat1 - lat0, 1e-6)
    scale = min(
        (MAP_W - MAP_PAD[0] - MAP_PAD[2]) / span_x, (MAP_H - MAP_PAD[1] - MAP_PAD[3]) / span_y
    )
    return _Projection(float(lon0), float(lat1), float(scale), kx)


def maps(p: PlanData, colours: dict[str, str]) -> tuple[str, int]:
    """Two SVG maps (before, after) of the same sampled accounts; returns (html, drawn)."""
    a, r = p.assignments, p.reps
    if "lat" not in a or "lon" not in a:
        return "<p>No lat/lon columns in assignments.csv: no map.</p>", 0
    lat, lon = a["lat"].to_numpy(float), a["lon"].to_numpy(float)
    rlat = r["lat"].to_numpy(float) if "lat" in r else np.full(len(r), np.nan)
    rlon = r["lon"].to_numpy(float) if "lon" in r else np.full(len(r), np.nan)
    proj = _projection(np.concatenate([lat, rlat]), np.concatenate([lon, rlon]))
    idx = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if len(idx) > MAX_MAP_POINTS:
        rng = np.random.default_rng(0)
        idx = np.sort(rng.choice(idx, MAX_MAP_POINTS, replace=False))
    px, py = proj.xy(lat[idx], lon[idx])
    bx, by = proj.xy(rlat, rlon)
    radius = (
        4.0 if len(idx) <= 500 else 2.6 if len(idx) <= 3000 else 1.6 if len(idx) <= 10000 else 1.1
    )
    borders = outline_paths(proj)
    label_spots = _base_label_spots(r, bx, by)
    out = []
    for which, column in (("before", "previous_rep"), ("after", "rep_id")):
        owners = a[column].to_numpy(str)[idx]
        parts = [
            f'<figure class="map"><figcaption>{which.capitalize()}: accounts coloured by '
            f"{'previous' if which == 'before' else 'planned'} rep</figcaption>"
            f'<svg id="map-{which}" viewBox="0 0 {MAP_W} {MAP_H}" width="{MAP_W}" '
            f'height="{MAP_H}" role="img" aria-label="map of accounts {which}">'
            f'<rect width="{MAP_W}" height="{MAP_H}" class="mapbg"/>{borders}'
            '<g class="accounts">'
        ]
        for owner in pd.unique(owners):
            sel = owners == owner
            fill = colours.get(str(owner), NO_REP)
            circles = "".join(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius}"/>'
                for cx, cy in zip(px[sel], py[sel], strict=True)
            )
            parts.append(f'<g fill="{fill}" data-rep="{e(owner)}">{circles}</g>')
        parts.append('</g><g class="bases">')
        leaving_last = np.argsort(~r["active"].to_numpy(bool), kind="stable")  # leaving on top
        for j in leaving_last:
            if not (np.isfinite(bx[j]) and np.isfinite(by[j])):
                continue
            rid = str(r["rep_id"].iloc[j])
            fill = colours.get(rid, NO_REP)
            active = bool(r["active"].iloc[j])
            tip = f"{rid} base" + ("" if active else " (leaving)")
            cx, cy = bx[j], by[j]
            parts.append(
                f'<g class="base{"" if active else " leaving"}"><title>{e(tip)}</title>'
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" fill="{fill}" stroke="#111" '
                'stroke-width="2"/>'
            )
            if not active:
                d = 11
                parts.append(
                    f'<path d="M{cx - d:.1f} {cy - d:.1f}L{cx + d:.1f} {cy + d:.1f}'
                    f'M{cx - d:.1f} {cy + d:.1f}L{cx + d:.1f} {cy - d:.1f}" '
                    f'stroke="{CAPACITY_LINE}" stroke-width="3"/>'
                )
            lx, ly = label_spots[j]
            parts.append(
                f'<text x="{lx:.1f}" y="{ly + LABEL_H - 2:.1f}" class="baselabel">'
                f"{e(rid)}{'' if active else ' (leaving)'}</text></g>"
            )
        parts.append("</g></svg></figure>")
        out.append("".join(parts))
    legend = "".join(
        f'<span class="key"><i style="background:{c}"></i>{e(rid)}'
        f"{'' if act else ' ✕ leaving'}</span>"
        for rid, c, act in (
            (str(rid), colours.get(str(rid), NO_REP), bool(act))
            for rid, act in zip(r["rep_id"], r["active"], strict=True)
        )
    )
    legend += f'<span class="key"><i style="background:{NO_REP}"></i>no rep / unknown</span>'
    n_geo = int((np.isfinite(lat) & np.isfinite(lon)).sum())
    note = (
        f"All {len(idx):,} accounts with coordinates are drawn."
        if len(idx) == n_geo
        else f"A random sample of {len(idx):,} of {n_geo:,} accounts is drawn (seeded; the "
        "same accounts on both maps)."
    )
    body = (
        f'<div class="maps">{"".join(out)}</div><p class="note" id="map-note">{e(note)} '
        "Large circles with a black ring are rep home bases; a red ✕ marks a leaving rep. "
        "Equirectangular projection; country outlines and coasts from Natural Earth, US "
        "state lines from the US Census Bureau (both public domain).</p>"
        f'<div class="legend">{legend}</div>'
    )
    return body, len(idx)


def _base_label_spots(reps: pd.DataFrame, bx: np.ndarray, by: np.ndarray) -> dict[int, tuple]:
    """Top-left corner of each rep base's label, placed so labels do not collide; reps
    with more accounts are placed first."""
    ok = np.flatnonzero(np.isfinite(bx) & np.isfinite(by))
    size = reps["accounts"].to_numpy(float) if "accounts" in reps else np.zeros(len(reps))
    order = ok[np.argsort(-np.nan_to_num(size[ok]), kind="stable")]
    texts = [
        str(reps["rep_id"].iloc[j]) + ("" if bool(reps["active"].iloc[j]) else " (leaving)")
        for j in order
    ]
    spots = place_labels(
        bx[order], by[order], [LABEL_CHAR_W * len(t) for t in texts], LABEL_H, LABEL_GAP, 7.0
    )
    return dict(zip(order.tolist(), spots, strict=True))


SORTABLE_TH = '<th data-sort="{kind}">{label}</th>'


def _table(table_id: str, headers: list[tuple[str, str]], rows: list[str]) -> str:
    head = "".join(SORTABLE_TH.format(kind=k, label=e(h)) for h, k in headers)
    return (
        f'<table id="{table_id}" class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def moves_table(p: PlanData, colours: dict[str, str]) -> str:
    """The accounts whose rep changes, highest value first, with the reason of each move."""
    a = p.assignments
    moved = a[a["changed"]]
    if "value" in moved:
        moved = moved.sort_values("value", ascending=False, kind="stable")
    total = len(moved)
    shown = moved.head(MAX_MOVE_ROWS)
    has_name = "name" in a.columns
    headers = [("customer", "text")] + ([("name", "text")] if has_name else [])
    headers += [("from", "text"), ("to", "text"), ("reason", "text"), ("value", "num")]
    rows = []
    for row in shown.to_dict("records"):
        cid, prev, new = row.get("customer_id", ""), row.get("previous_rep", ""), row["rep_id"]
        value = row.get("value")
        cells = [f"<td>{e(cid)}</td>"]
        if has_name:
            nm = row.get("name")
            cells.append(f"<td>{e('' if pd.isna(nm) else nm)}</td>")
        cells += [
            f'<td><i class="dot" style="background:{colours.get(str(prev), NO_REP)}"></i>'
            f"{e(prev)}</td>",
            f'<td><i class="dot" style="background:{colours.get(str(new), NO_REP)}"></i>'
            f"{e(new)}</td>",
            f"<td>{e(row.get('reason', ''))}</td>",
            f'<td class="num" data-v="{e(_f(value) if _f(value) is not None else "")}">'
            f"{e(fmt_num(value))}</td>",
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    note = (
        f"All {total:,} moves."
        if total == len(shown)
        else f"The {len(shown):,} highest-value moves of {total:,}; the full list is in "
        "assignments.csv (changed = True)."
    )
    return (
        '<div class="tools"><input id="move-filter" type="search" '
        'placeholder="filter moves (customer, rep, reason…)" aria-label="filter moves">'
        f'<span id="move-count" data-total="{len(shown)}"></span></div>'
        f'<p class="note">{e(note)} Click a column header to sort.</p>'
        + _table("moves", [(h, k) for h, k in headers], rows)
    )


def rep_table(p: PlanData, colours: dict[str, str]) -> str:
    """One row per rep: accounts, workload and utilisation before -> after, value, travel."""
    r = p.reps
    has_name = "name" in r.columns
    headers = [("rep", "text")] + ([("name", "text")] if has_name else [])
    headers += [
        ("status", "text"),
        ("accounts before", "num"),
        ("accounts after", "num"),
        ("gained", "num"),
        ("hours before", "num"),
        ("hours after", "num"),
        ("capacity h", "num"),
        ("util. before", "num"),
        ("util. after", "num"),
        ("value", "num"),
        ("travel km", "num"),
        ("specialty match", "num"),
    ]

    def num(v: object, text: str) -> str:
        fv = _f(v)
        cls = "num over" if text.endswith("%") and fv is not None and fv > 1.0 + 1e-9 else "num"
        return f'<td class="{cls}" data-v="{"" if fv is None else fv}">{e(text)}</td>'

    rows = []
    for _, row in r.iterrows():
        rid = str(row["rep_id"])
        cells = [
            f'<td><i class="dot" style="background:{colours.get(rid, NO_REP)}"></i>{e(rid)}</td>'
        ]
        if has_name:
            cells.append(f"<td>{e('' if pd.isna(row['name']) else row['name'])}</td>")
        cells.append("<td>active</td>" if row["active"] else '<td class="leaving">leaving</td>')
        g = row.get("accounts_gained")
        gained = "–" if _f(g) is None else f"{_f(g):+,.0f}"
        for key, text in (
            ("accounts_before", fmt_num(row.get("accounts_before"))),
            ("accounts", fmt_num(row.get("accounts"))),
            ("accounts_gained", gained),
            ("workload_hours_before", fmt_num(row.get("workload_hours_before"), 1)),
            ("workload_hours", fmt_num(row.get("workload_hours"), 1)),
            ("capacity_hours", fmt_num(row.get("capacity_hours"), 1)),
            ("utilisation_before", fmt_pct(row.get("utilisation_before"))),
            ("utilisation", fmt_pct(row.get("utilisation"))),
            ("value", fmt_num(row.get("value"))),
            ("travel_km", fmt_num(row.get("travel_km"))),
            ("specialty_match_rate", fmt_pct(row.get("specialty_match_rate"))),
        ):
            cells.append(num(row.get(key), text))
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return _table("reps", headers, rows)


# ---------------------------------------------------------------- page

STYLE = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:0;color:#1d2733;background:#f4f6f9}
header{background:#1f3a5f;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.85}
main{padding:18px 28px;max-width:1400px}
section{background:#fff;border-radius:8px;padding:16px 20px;margin:0 0 18px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:17px;margin:0 0 10px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px;
background:none;box-shadow:none;padding:0}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.card .label{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#5b6b7c}
.card .value{font-size:22px;font-weight:600;margin:2px 0;white-space:nowrap}
.card .sub{font-size:12px;color:#5b6b7c}
.good{color:#1e7b45}.bad{color:#b3261e}
.status-optimal{color:#1e7b45}.status-feasible{color:#8a5a00}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #e3e7ec;text-align:left;vertical-align:top}
th{background:#eef1f5;position:sticky;top:0;cursor:pointer;user-select:none;white-space:nowrap}
th[data-dir=asc]::after{content:" ▲"}th[data-dir=desc]::after{content:" ▼"}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.over{color:#b3261e;font-weight:600}
#reps td,#moves td{white-space:nowrap}#moves td:nth-last-child(2){white-space:normal}
td.leaving{color:#b3261e;font-weight:600}
table.metrics{width:auto}table.metrics td{padding:3px 14px}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px;
vertical-align:-1px}
.scroll{max-height:560px;overflow:auto;border:1px solid #e3e7ec}
.maps{display:flex;flex-wrap:wrap;gap:16px}
figure.map{margin:0}figcaption{font-weight:600;margin-bottom:4px}
svg{max-width:100%;height:auto}
.mapbg{fill:#f7f9fb;stroke:#cfd6de}
.outlines path{fill:none;stroke-linejoin:round}
.outline-countries{stroke:#8a96a3;stroke-width:1}
.outline-states{stroke:#c3ccd5;stroke-width:0.7}
.baselabel{font-size:11px;font-weight:700;fill:#111;paint-order:stroke;stroke:#fff;
stroke-width:3px}
.grid{stroke:#e3e7ec}.tick{font-size:11px;fill:#5b6b7c;text-anchor:middle}
.replabel{text-anchor:end;fill:#1d2733}.barval{fill:#1d2733}
.caplabel{font-size:11px;fill:#c0392b;font-weight:600}.legend{font-size:12px}
div.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:12px;margin-top:6px}
.key i{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:4px;
vertical-align:-1px}
.note{color:#5b6b7c;font-size:12px;margin:6px 0}
.tools{display:flex;gap:12px;align-items:center;margin-bottom:4px}
#move-filter{padding:5px 8px;width:320px;border:1px solid #c5ced8;border-radius:4px}
footer{color:#5b6b7c;font-size:12px;padding:0 28px 24px}
"""

SCRIPT = """
(function(){
function key(td,kind){if(kind==="num"){var v=td.getAttribute("data-v");
return v===null||v===""?-Infinity:parseFloat(v);}return td.textContent.toLowerCase();}
document.querySelectorAll("table.sortable").forEach(function(t){
t.querySelectorAll("th").forEach(function(th,i){th.addEventListener("click",function(){
var kind=th.getAttribute("data-sort"),dir=th.getAttribute("data-dir")==="asc"?"desc":"asc";
t.querySelectorAll("th").forEach(function(h){h.removeAttribute("data-dir");});
th.setAttribute("data-dir",dir);var tb=t.tBodies[0],rows=Array.from(tb.rows),s=dir==="asc"?1:-1;
rows.sort(function(a,b){var x=key(a.cells[i],kind),y=key(b.cells[i],kind);
return x<y?-s:x>y?s:0;});rows.forEach(function(r){tb.appendChild(r);});});});});
var f=document.getElementById("move-filter"),c=document.getElementById("move-count"),
m=document.getElementById("moves");
function count(){if(!m||!c)return;var n=0,rows=m.tBodies[0].rows;
for(var i=0;i<rows.length;i++){if(rows[i].style.display!=="none")n++;}
c.textContent=n.toLocaleString("en")+" of "+c.getAttribute("data-total")+" moves shown";}
if(f&&m){f.addEventListener("input",function(){var q=f.value.toLowerCase(),rows=m.tBodies[0].rows;
for(var i=0;i<rows.length;i++){rows[i].style.display=
rows[i].textContent.toLowerCase().indexOf(q)>=0?"":"none";}count();});}
count();document.body.setAttribute("data-ready","1");
})();
"""


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
    map_html, _ = maps(p, colours)
    extra_html = "".join(section(p, colours) for section in sections)
    n, m = len(p.assignments), len(p.reps)
    active = int(p.reps["active"].sum())
    subtitle = (
        f"{n:,} accounts · {m:,} reps ({m - active:,} leaving) · as of "
        f"{cert.get('as_of', '?')} · engine {cert.get('engine', '?')} · seed "
        f"{cert.get('seed', '?')}"
    )
    fp = cert.get("input_fingerprints") or {}
    fp_text = ", ".join(f"{k} {v}" for k, v in fp.items()) if isinstance(fp, dict) else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{e(_csp())}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Territory plan report: {e(p.folder.name)}</title>
<style>{STYLE}</style></head>
<body>
<header><h1>Territory plan report</h1><p>{e(subtitle)}</p></header>
<main>
{headline(p)}
<section id="fairness"><h2>Fairness and travel, before → after</h2>{fairness_table(p)}
<p class="note">Green: better than before; red: worse. Workload measures cover active reps.</p>
</section>
<section id="workload"><h2>Workload per rep: utilisation before vs after</h2>
{workload_chart(p, colours)}</section>
<section id="map"><h2>Accounts by rep, before and after</h2>{map_html}</section>
{extra_html}
<section id="moves-section"><h2>Moves and their reasons</h2>
<div class="scroll">{moves_table(p, colours)}</div></section>
<section id="reps-section"><h2>Per rep</h2><div class="scroll">{rep_table(p, colours)}</div>
</section>
</main>
<footer>Plan folder {e(p.folder.name)}; objective {e(fmt_num(cert.get("objective")))},
bound {e(fmt_num(cert.get("bound")))} ({e(cert.get("bound_source", "no bound"))});
input fingerprints: {e(fp_text or "–")}; solver version {e(cert.get("version", "?"))}.</footer>
<script>{SCRIPT}</script>
</body></html>
"""


def write_report(
    plan_dir: str | Path, out_path: str | Path, sections: Sequence[Section] = ()
) -> Path:
    """Render the report of ``plan_dir`` and write it atomically to ``out_path``."""
    text = render_report(plan_dir, sections)
    out = Path(out_path)
    atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return out
