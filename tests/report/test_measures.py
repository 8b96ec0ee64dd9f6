"""The report's balance section: a table and a per-rep chart per measure with its band
drawn, the value-seniority fit before and after, and plans written before measures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import solver
from solver.report.page import render_report
from tests.instances import SMALL_SCENARIO, TWO_BALANCE_TABLES, banded_instance

MEASURES = ("workload", "accounts", "value", "potential")


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    customers, reps = banded_instance()
    plan = solver.solve(customers, reps, {**SMALL_SCENARIO, "balance": TWO_BALANCE_TABLES})
    out = tmp_path_factory.mktemp("plan")
    plan.write(out)
    return out


def _chart(page: str, key: str) -> str:
    found = re.search(rf'<svg id="measure-chart-{key}".*?</svg>', page, flags=re.DOTALL)
    assert found is not None, key
    return found.group(0)


def test_a_chart_per_measure_with_a_bar_per_rep_before_and_after_and_its_band(plan_dir):
    page = render_report(plan_dir)
    reps = pd.read_csv(plan_dir / "reps.csv")
    metrics = json.loads((plan_dir / "metrics.json").read_text())["metrics"]["after"]
    for key in MEASURES:
        chart = _chart(page, key)
        assert chart.count('class="measure-bar-after"') == len(reps)
        assert chart.count('class="measure-bar-before"') == len(reps)
        assert chart.count('class="band"') == 1 and "fair share" in chart
        # the after bar of the first rep says its ratio to the fair share
        first = reps.iloc[0]
        assert f"{first['rep_id']} after: {100 * first[f'{key}_ratio']:,.1f} %" in chart
    assert "hard [0.7, 1.3]" in _chart(page, "value")
    assert "tolerance ±5 %" in _chart(page, "potential")
    # the table: one row per measure, in reading order, Gini before -> after
    rows = re.findall(r'<tr id="measure-\d+"><td>([^<]+)</td>', page)
    assert rows == list(MEASURES)
    value = metrics["measures"]["value"]
    assert f"{value['gini']:.3f}" in page and f"{100 * value['in_band_share']:.1f} %" in page


def test_the_value_seniority_fit_before_and_after(plan_dir):
    page = render_report(plan_dir)
    section = page[page.index('<section id="fit">') :]
    section = section[: section.index("</section>")]
    data = json.loads((plan_dir / "metrics.json").read_text())["metrics"]
    for name in ("strength_tier_a", "strength_tier_c", "value_seniority_fit"):
        assert f"{data['before'][name]:.3f}" in section
        assert f"{data['after'][name]:.3f}" in section
    assert "tier-A accounts" in section and "top 20 % of accounts by value" in section


def test_a_plan_written_before_measures_still_renders(plan_dir, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    data = json.loads((plan_dir / "metrics.json").read_text())
    for side in ("before", "after"):
        for key in ("measures", "strength_tier_a", "strength_tier_c", "strength_top_value",
                    "strength_bottom_value"):  # fmt: skip
            data["metrics"][side].pop(key)
    (old / "metrics.json").write_text(json.dumps(data))
    reps = pd.read_csv(plan_dir / "reps.csv")
    reps = reps[[c for c in reps.columns if "_ratio" not in c and "balance_potential" not in c]]
    reps.to_csv(old / "reps.csv", index=False)
    (old / "assignments.csv").write_bytes((plan_dir / "assignments.csv").read_bytes())
    page = render_report(old)
    assert 'id="workload-chart"' in page and "measure-chart" not in page
    assert 'id="measures"' not in page
    assert "value-seniority fit" in page  # the fit row the old file has
