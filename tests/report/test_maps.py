"""Map outlines shipped with the package and labels that do not collide."""

from __future__ import annotations

import re

import numpy as np
import pytest

from solver.report import outlines as outlines_mod
from solver.report.labels import overlaps, place_labels
from solver.report.maps import LABEL_CHAR_W, LABEL_H
from solver.report.outlines import outlines

GULF = (-100.0, -93.0, 25.5, 31.0)  # south Texas: Mexico border, Gulf coast, state lines


def test_outlines_ship_with_the_package_and_are_small():
    assert outlines_mod.DATA.exists()
    assert outlines_mod.DATA.stat().st_size < 500_000


def test_outlines_cut_to_the_map_box():
    shapes = outlines(GULF, margin=0.1)
    assert shapes.countries and shapes.states
    lon0, lon1, lat0, lat1 = GULF
    box = (lon0 - 0.7, lon1 + 0.7, lat0 - 0.55, lat1 + 0.55)
    for piece in shapes.countries + shapes.states:
        inner = piece[1:-1]  # the end points may lie one step beyond the box
        assert ((inner[:, 0] >= box[0]) & (inner[:, 0] <= box[1])).all()
        assert ((inner[:, 1] >= box[2]) & (inner[:, 1] <= box[3])).all()
    # the Rio Grande border runs through the box: some country line crosses lon -99.5
    crosses = [p for p in shapes.countries if p[:, 0].min() < -99.5 < p[:, 0].max()]
    assert crosses
    assert outlines((5.5, 6.5, 45.5, 46.5)).countries and not len(
        outlines((-30.0, -29.0, -40.0, -39.0))
    )


def test_labels_avoid_each_other_where_fixed_offsets_collide():
    x = np.array([100.0, 110.0, 120.0, 130.0, 140.0, 150.0])  # a tight row of bases
    y = np.full(6, 100.0)
    widths = [28.0] * 6
    fixed = [(px + 9, py - 20, px + 9 + 28, py - 8) for px, py in zip(x, y, strict=True)]
    assert overlaps(fixed) > 0
    spots = place_labels(x, y, widths, 12.0, 9.0, marker=7.0)
    boxes = [(sx, sy, sx + 28, sy + 12) for sx, sy in spots]
    assert overlaps(boxes) == 0


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> str:
    from solver.analysis.whatif import Case
    from solver.report.page import render_report

    case = Case.from_files("data/customers.csv", "data/reps.csv", "data/scenario.toml")
    out = tmp_path_factory.mktemp("sample") / "plan"
    case.solve(time_limit_s=2.0, progress=False).write(out)
    return render_report(out)


def test_report_maps_have_outlines_and_base_labels_that_do_not_collide(sample_report):
    page = sample_report
    svg = page[page.index('id="map-after"') :]
    svg = svg[: svg.index("</svg>")]
    assert 'class="outline-countries"' in svg and 'class="outline-states"' in svg
    assert "Natural Earth" in page
    labels = re.findall(r'<text x="([\d.-]+)" y="([\d.-]+)" class="baselabel">([^<]*)</text>', svg)
    assert len(labels) == 30
    boxes = [
        (float(x), float(y) - LABEL_H + 2, float(x) + LABEL_CHAR_W * len(t), float(y) + 2)
        for x, y, t in labels
    ]
    assert overlaps(boxes) == 0
