"""Country outlines and coastlines (Natural Earth 1:50m, public domain) and US state
outlines (US Census Bureau, public domain) for the maps, shipped with the package.

``outlines(bounds)`` gives the polylines, in lon/lat degrees, that cross a map's box,
cut to the box plus a margin (a map draws only what it shows). The data file is built by
``scripts/make_outlines.py``.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("outlines.json.gz")
LAYERS = ("countries", "states")


@dataclass(frozen=True)
class Outlines:
    """Polylines per layer: each an (n, 2) array of (lon, lat) degrees."""

    countries: list[np.ndarray]
    states: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.countries) + len(self.states)


@lru_cache(maxsize=1)
def _all() -> dict[str, list[np.ndarray]]:
    data = json.loads(gzip.decompress(DATA.read_bytes()))
    step = float(data["step"])
    layers = {}
    for layer in LAYERS:
        arcs = []
        for flat in data[layer]:
            points = np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0) * step
            arcs.append(points)
        layers[layer] = arcs
    return layers


def outlines(bounds: tuple[float, float, float, float], margin: float = 0.1) -> Outlines:
    """The outline pieces inside ``bounds`` = (lon_min, lon_max, lat_min, lat_max),
    widened by ``margin`` x its span on each side; each piece keeps one point beyond the
    box at either end so lines run to the edge."""
    lon0, lon1, lat0, lat1 = bounds
    dx, dy = max(lon1 - lon0, 1e-6) * margin, max(lat1 - lat0, 1e-6) * margin
    box = (lon0 - dx, lon1 + dx, lat0 - dy, lat1 + dy)
    return Outlines(*(_cut(_all()[layer], box) for layer in LAYERS))


def _cut(arcs: list[np.ndarray], box: tuple[float, float, float, float]) -> list[np.ndarray]:
    lon0, lon1, lat0, lat1 = box
    out = []
    for arc in arcs:
        lon, lat = arc[:, 0], arc[:, 1]
        if lon.max() < lon0 or lon.min() > lon1 or lat.max() < lat0 or lat.min() > lat1:
            continue
        inside = (lon >= lon0) & (lon <= lon1) & (lat >= lat0) & (lat <= lat1)
        keep = inside.copy()
        keep[1:] |= inside[:-1]  # one point beyond the box on each side
        keep[:-1] |= inside[1:]
        if not keep.any():
            continue
        breaks = np.flatnonzero(np.diff(keep.astype(np.int8)))
        for piece in np.split(np.arange(len(arc)), breaks + 1):
            if keep[piece[0]] and len(piece) >= 2:
                out.append(arc[piece])
    return out
