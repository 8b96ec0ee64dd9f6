"""The maps of the report: an equirectangular projection fit to a map box, country and
state outlines in pixels, and the before / after maps of accounts coloured by rep with
the reps' home bases and their labels placed so they do not collide.

:func:`account_maps` lays both maps out; ``maps.html.j2`` draws them as inline SVG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.report.formats import CAPACITY_LINE, NO_REP
from solver.report.labels import place_labels
from solver.report.outlines import outlines

MAP_W, MAP_H = 640, 520
MAP_PAD = (16.0, 24.0, 44.0, 16.0)  # left, top, right (room for base labels), bottom
#: label box of a rep base: px per character of its 11 px bold text, height, gap
LABEL_CHAR_W, LABEL_H, LABEL_GAP = 7.0, 12.0, 9.0


@dataclass(frozen=True)
class Projection:
    """x = pad + (lon - lon0) x kx x scale, y = pad + (lat1 - lat) x scale (pixels)."""

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


def projection(lat: np.ndarray, lon: np.ndarray) -> Projection:
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
    return Projection(float(lon0), float(lat1), float(scale), kx)


def outline_paths(proj: Projection) -> tuple[tuple[str, str], ...]:
    """(layer, SVG path data in pixels) of the state, then country and coast outlines
    inside the map; steps under half a pixel are dropped."""
    shapes = outlines(proj.bounds())
    paths = []
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
            paths.append((layer, "".join(d)))
    return tuple(paths)


@dataclass(frozen=True)
class Owner:
    """The accounts one rep owns on one map: fill colour and pixel positions."""

    rep_id: str
    fill: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class AccountMap:
    """One map: "before" (coloured by ``previous_rep``) or "after" (by ``rep_id``)."""

    which: str
    owners: tuple[Owner, ...]


@dataclass(frozen=True)
class Base:
    """A rep's home base marker with its label's text position (x, baseline y)."""

    rep_id: str
    fill: str
    active: bool
    x: float
    y: float
    label_x: float
    label_y: float


@dataclass(frozen=True)
class AccountMaps:
    """Both maps of the same sampled accounts, the bases, outlines and legend."""

    maps: tuple[AccountMap, AccountMap]
    outlines: tuple[tuple[str, str], ...]
    bases: tuple[Base, ...]  # leaving reps last, so drawn on top
    radius: float
    legend: tuple[tuple[str, str, bool], ...]  # (rep_id, colour, active) of every rep
    drawn: int
    located: int  # accounts with coordinates
    width: int = MAP_W
    height: int = MAP_H
    no_rep: str = NO_REP
    cross: str = CAPACITY_LINE  # the mark of a leaving rep's base


def account_maps(
    assignments: pd.DataFrame, reps: pd.DataFrame, colours: dict[str, str], max_points: int
) -> AccountMaps | None:
    """Lay out the before / after maps: at most ``max_points`` accounts (a seeded sample,
    the same on both maps); None when assignments have no lat / lon columns."""
    a, r = assignments, reps
    if "lat" not in a or "lon" not in a:
        return None
    lat, lon = a["lat"].to_numpy(float), a["lon"].to_numpy(float)
    rlat = r["lat"].to_numpy(float) if "lat" in r else np.full(len(r), np.nan)
    rlon = r["lon"].to_numpy(float) if "lon" in r else np.full(len(r), np.nan)
    proj = projection(np.concatenate([lat, rlat]), np.concatenate([lon, rlon]))
    located = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    idx = located
    if len(idx) > max_points:
        rng = np.random.default_rng(0)
        idx = np.sort(rng.choice(idx, max_points, replace=False))
    px, py = proj.xy(lat[idx], lon[idx])
    bx, by = proj.xy(rlat, rlon)
    radius = (
        4.0 if len(idx) <= 500 else 2.6 if len(idx) <= 3000 else 1.6 if len(idx) <= 10000 else 1.1
    )
    maps = []
    for which, column in (("before", "previous_rep"), ("after", "rep_id")):
        owners = a[column].to_numpy(str)[idx]
        groups = []
        for owner in pd.unique(owners):
            sel = owners == owner
            points = tuple(zip(px[sel].tolist(), py[sel].tolist(), strict=True))
            groups.append(Owner(str(owner), colours.get(str(owner), NO_REP), points))
        maps.append(AccountMap(which, tuple(groups)))
    legend = tuple(
        (str(rid), colours.get(str(rid), NO_REP), bool(act))
        for rid, act in zip(r["rep_id"], r["active"], strict=True)
    )
    return AccountMaps(
        maps=(maps[0], maps[1]),
        outlines=outline_paths(proj),
        bases=_bases(r, bx, by, colours),
        radius=radius,
        legend=legend,
        drawn=len(idx),
        located=len(located),
    )


def _bases(
    reps: pd.DataFrame, bx: np.ndarray, by: np.ndarray, colours: dict[str, str]
) -> tuple[Base, ...]:
    """The home bases with coordinates, leaving reps last (drawn on top)."""
    spots = _base_label_spots(reps, bx, by)
    bases = []
    for j in np.argsort(~reps["active"].to_numpy(bool), kind="stable"):
        if not (np.isfinite(bx[j]) and np.isfinite(by[j])):
            continue
        rid = str(reps["rep_id"].iloc[j])
        lx, ly = spots[j]
        bases.append(
            Base(
                rid,
                colours.get(rid, NO_REP),
                bool(reps["active"].iloc[j]),
                float(bx[j]),
                float(by[j]),
                lx,
                ly + LABEL_H - 2,
            )
        )
    return tuple(bases)


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
