"""Place map labels so they do not collide: each label tries a few spots around its
point (right, left, above, below) and takes the first that overlaps no label placed
before it and no marker; with none free, the spot with the least overlap.

Works in any unit where x grows right and y grows down (SVG pixels; points on a figure).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: candidate offsets of the label box's top-left corner, as multiples of (gap, width,
#: height): (dx_gap, dx_width, dy_gap, dy_height) -> dx = a*gap + b*w, dy = c*gap + d*h
SPOTS = (
    (1, 0, -1, -1),  # right, above the point
    (1, 0, 1, 0),  # right, below
    (-1, -1, -1, -1),  # left, above
    (-1, -1, 1, 0),  # left, below
    (0, -0.5, -2, -1),  # centred above
    (0, -0.5, 2, 0),  # centred below
)
#: the spots are tried at the gap, then at twice and three times it (a leader-free push)
RINGS = (1.0, 2.0, 3.0)


def place_labels(
    x: np.ndarray,
    y: np.ndarray,
    widths: Sequence[float],
    height: float,
    gap: float,
    marker: float = 0.0,
) -> list[tuple[float, float]]:
    """Top-left corner of each label box (same order as the points); labels are placed
    in the order given, so pass the most important first. ``marker`` is the radius of
    the markers drawn at the points, which labels avoid too."""
    r = marker
    markers = [(px - r, py - r, px + r, py + r) for px, py in zip(x, y, strict=True)]
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for px, py, w in zip(x, y, widths, strict=True):
        best, best_overlap = None, np.inf
        for ring, (a, b, c, d) in ((k, spot) for k in RINGS for spot in SPOTS):
            left, top = px + a * ring * gap + b * w, py + c * ring * gap + d * height
            box = (left, top, left + w, top + height)
            overlap = sum(_area(box, other) for other in placed) + sum(
                _area(box, m) for m in markers
            )
            if overlap < best_overlap:
                best, best_overlap = box, overlap
            if overlap == 0:
                break
        assert best is not None
        placed.append(best)
        out.append((best[0], best[1]))
    return out


def _area(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def overlaps(boxes: list[tuple[float, float, float, float]]) -> int:
    """Number of overlapping pairs among ``boxes`` (left, top, right, bottom)."""
    return sum(
        _area(boxes[i], boxes[j]) > 0 for i in range(len(boxes)) for j in range(i + 1, len(boxes))
    )
