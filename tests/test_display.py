"""How plans and comparisons show in a notebook: short repr, HTML card, tidy metrics."""

from __future__ import annotations

import pytest

import solver
from solver.scenario import Scenario
from tests.instances import SMALL_SCENARIO, make_instance


@pytest.fixture(scope="module")
def plans():
    customers, reps = make_instance(n=30, m=5, seed=1)
    customers.loc[2, "segment"] = "<script>alert(1)</script>"
    scenario = Scenario.from_dict(SMALL_SCENARIO)
    a = solver.solve(customers, reps, scenario)
    b = solver.solve(customers, reps, scenario.replace(weights={"travel": 5.0}))
    return a, b


def test_plan_repr_is_one_short_line(plans):
    plan = plans[0]
    text = repr(plan)
    assert "\n" not in text and len(text) < 200
    assert text.startswith(f"Plan({plan.status}, objective {plan.objective:,.1f}")
    assert f"{plan.metrics['after']['moves']:,} moves" in text
    assert "30 accounts x 5 reps" in text


def test_plan_card_has_status_gap_moves_and_fairness_before_after(plans):
    plan = plans[0]
    html = plan._repr_html_()
    assert f"<td>{plan.status}</td>" in html
    assert f"{plan.gap:.3%}" in html
    assert f"{plan.metrics['after']['moves']:,} accounts" in html
    assert "workload fairness" in html
    gini = plan.metrics_frame().set_index("metric").loc["workload.gini"]
    assert f"<td style='padding:0 8px'>{gini['before']:.3g}</td>" in html
    assert f"<td style='padding:0 8px'>{gini['after']:.3g}</td>" in html
    assert "<script" not in html  # nothing from the data is ever markup


def test_metrics_frame_is_tidy_before_after(plans):
    plan = plans[0]
    frame = plan.metrics_frame()
    assert list(frame.columns) == ["metric", "measure", "statistic", "before", "after", "change"]
    assert frame["metric"].is_unique
    row = frame.set_index("metric").loc["workload.cv"]
    assert row["measure"] == "workload" and row["statistic"] == "cv"
    assert row["before"] == plan.metrics["before"]["workload"]["cv"]
    assert row["after"] == plan.metrics["after"]["workload"]["cv"]
    assert row["change"] == pytest.approx(row["after"] - row["before"])
    moves = frame.set_index("metric").loc["moves"]
    assert moves["after"] == plan.metrics["after"]["moves"] and moves["measure"] == ""


def test_comparison_repr_and_card(plans):
    a, b = plans
    diff = b.compare(a)
    text = repr(diff)
    assert text.startswith(f"Comparison({diff.accounts_moved:,} accounts moved")
    assert f"{a.objective:,.1f} -> {b.objective:,.1f}" in text
    html = diff._repr_html_()
    assert "Comparison (b vs a)" in html and f"<td>{diff.accounts_moved:,}</td>" in html
    assert "workload.gini" in html
