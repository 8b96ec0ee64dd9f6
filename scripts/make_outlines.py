"""Build ``solver/outlines.json.gz``: country outlines and coastlines (Natural Earth
1:50m admin-0, public domain) and US state outlines (US Census Bureau cartographic
boundaries 2017, public domain), as lon/lat polylines for the maps.

Inputs are the TopoJSON files of the npm packages ``world-atlas@2.0.2``
(``countries-50m.json``) and ``us-atlas@3.0.1`` (``states-10m.json``)::

    npm pack world-atlas@2.0.2 us-atlas@3.0.1   # then unpack both
    python scripts/make_outlines.py world/countries-50m.json us/states-10m.json

Each arc is stored once (shared borders are not repeated) as integers in hundredths of
a degree (about 1 km): the first point, then the differences to the previous point.
"""

from __future__ import annotations

import gzip
import itertools
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "solver" / "report" / "outlines.json.gz"
STEP = 0.01  # degrees per stored unit


def arcs_lonlat(topology: dict) -> list[list[tuple[float, float]]]:
    """Decode a quantized TopoJSON topology's arcs into lon/lat points."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    out = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def encode(points: list[tuple[float, float]]) -> list[int]:
    """Points rounded to STEP, repeated points dropped, as first point + deltas."""
    grid = []
    for lon, lat in points:
        q = (round(lon / STEP), round(lat / STEP))
        if not grid or q != grid[-1]:
            grid.append(q)
    if len(grid) < 2:
        return []
    flat = [grid[0][0], grid[0][1]]
    for (x0, y0), (x1, y1) in itertools.pairwise(grid):
        flat += [x1 - x0, y1 - y0]
    return flat


def main(countries_path: str, states_path: str) -> None:
    data = {"step": STEP, "source": {}}
    for key, path, note in (
        ("countries", countries_path, "Natural Earth 1:50m admin-0 (world-atlas 2.0.2)"),
        ("states", states_path, "US Census Bureau states 2017 (us-atlas 3.0.1)"),
    ):
        topology = json.loads(Path(path).read_text())
        data[key] = [a for a in (encode(p) for p in arcs_lonlat(topology)) if a]
        data["source"][key] = note
    text = json.dumps(data, separators=(",", ":"))
    OUT.write_bytes(gzip.compress(text.encode(), mtime=0))
    print(f"{OUT.name}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(*sys.argv[1:3])
