"""Per-measure metrics where users read them: metrics.json (old files included), reps.csv,
compare, sweep columns and the console summary after ``territory solve``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import solver
from solver.analysis.sweep import pareto, plan_row, sense
from solver.cli.main import app
from solver.metrics import PlanMetrics, direction
from solver.plan import SCHEMA_VERSION
from tests.instances import SMALL_SCENARIO, TWO_BALANCE_TABLES, banded_instance

runner = CliRunner()
SCENARIO = {**SMALL_SCENARIO, "balance": TWO_BALANCE_TABLES}


@pytest.fixture(scope="module")
def plans() -> tuple[solver.Plan, solver.Plan]:
    """The banded plan, and one of the same book with travel weighing 5x more."""
    customers, reps = banded_instance()
    a = solver.solve(customers, reps, SCENARIO)
    b = solver.solve(customers, reps, {**SCENARIO, "weights": {"travel": 5.0}})
    return a, b


def test_reps_csv_carries_value_its_share_and_each_measures_ratio_to_its_fair_share(plans):
    plan = plans[0]
    reps = plan.reps
    active = reps["active"].to_numpy(bool)
    value = reps["value"].to_numpy(float)
    # value by equal shares: each active rep's fair share is the total over the active reps
    fair = value.sum() / active.sum()
    np.testing.assert_allclose(reps.loc[active, "value_ratio"], value[active] / fair, atol=1e-4)
    assert reps["value_share"].sum() == pytest.approx(1.0, abs=1e-5)
    # potential by quota: its amount per rep, and the ratio to the quota share of the total
    quota = np.where(active, reps["quota"], 0.0)
    target = quota / quota.sum() * plan.assignments["potential"].sum()
    got = reps["balance_potential"].to_numpy(float)
    np.testing.assert_allclose(got[active] / target[active], reps.loc[active, "potential_ratio"],
                               atol=1e-4)  # fmt: skip
    before = np.bincount(
        pd.Categorical(plan.assignments["previous_rep"], categories=reps["rep_id"]).codes,
        weights=plan.assignments["value"], minlength=len(reps),
    )  # fmt: skip
    np.testing.assert_allclose(reps["value_before"], before, atol=0.01)
    # the hard value band holds for every active rep
    assert plan.metrics.after.measures["value"].in_band_share == 1.0
    assert reps.loc[active, "value_ratio"].between(0.7 - 1e-6, 1.3 + 1e-6).all()


def test_a_metrics_file_written_before_measures_loads_and_the_version_is_unchanged(
    plans, tmp_path: Path
) -> None:
    plan = plans[0]
    plan.write(tmp_path / "plan")
    data = json.loads((tmp_path / "plan" / "metrics.json").read_text(encoding="utf-8"))
    # new entries only: readers of version 1 keep working, so the layout stays version 1
    assert data["schema_version"] == SCHEMA_VERSION == 1
    for side in ("before", "after"):
        for key in list(data["metrics"][side]):
            if key == "measures" or key.startswith("strength_"):
                data["metrics"][side].pop(key)
    old = PlanMetrics.from_dict(data["metrics"])
    assert old.after.measures is None and old.after.strength_tier_a is None
    assert old.after.workload.gini == plan.metrics.after.workload.gini
    assert "measures" not in old.as_dict()["after"]
    typed = PlanMetrics.from_dict(plan.metrics.as_dict())
    assert typed.after.measures["potential"].gini == plan.metrics.after.measures["potential"].gini
    assert typed == plan.metrics


def test_compare_shows_each_measure_with_its_direction(plans):
    a, b = plans
    rows = b.compare(a).metrics
    for key in ("workload", "accounts", "value", "potential"):
        for stat in ("gini", "cv", "max_min_ratio", "in_band_share"):
            name = f"measures.{key}.{stat}"
            va, vb = rows.at[name, "a"], rows.at[name, "b"]
            assert va == pytest.approx(a.metrics.after.measures[key][stat])
            assert vb == pytest.approx(b.metrics.after.measures[key][stat])
            if not np.isclose(va, vb):
                lower_wins = stat != "in_band_share"
                assert rows.at[name, "better"] == ("b" if (vb < va) == lower_wins else "a")
    assert "measures.value.share" not in rows.index  # text entries are no metric rows
    assert "potential: Gini" in b.compare(a).summary()


def test_sweep_columns_carry_each_measure_and_know_its_better_direction(plans):
    row = plan_row(plans[0])
    assert row["measures_potential_gini"] == plans[0].metrics.after.measures["potential"].gini
    assert sense("measures_potential_gini") == "min" == sense("travel_km_mean")
    assert sense("measures_value#2_in_band_share") == "max" == sense("specialty_match_rate")
    assert sense("strength_tier_a") == "max" and sense("strength_tier_c") is None
    assert sense("objective") is None and direction("measures.x.y.gini") == "lower"
    frame = pd.DataFrame({"measures_value_in_band_share": [0.5, 1.0], "moves": [3, 3]})
    assert pareto(frame, list(frame.columns))["pareto"].tolist() == [False, True]


def test_the_console_summary_has_a_row_per_measure_and_the_fit(tmp_path: Path) -> None:
    customers, reps = banded_instance()
    customers.to_csv(tmp_path / "customers.csv", index=False)
    reps.to_csv(tmp_path / "reps.csv", index=False)
    (tmp_path / "s.toml").write_text(
        "as_of = 2027-01-01\ntime_limit_s = 5\nseed = 1\n"
        '[[balance]]\nmeasure = "value"\nshare = "equal"\nband = [0.7, 1.3]\n'
        '[[balance]]\nmeasure = "potential"\nshare = "quota"\ntolerance = 0.05\nweight = 10.0\n'
    )
    args = ["solve", "--customers", str(tmp_path / "customers.csv"), "--reps",
            str(tmp_path / "reps.csv"), "--scenario", str(tmp_path / "s.toml"),
            "--out", str(tmp_path / "plan")]  # fmt: skip
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = result.output
    data = json.loads((tmp_path / "plan" / "metrics.json").read_text())["metrics"]
    lines = {line.split("│")[0].strip(): line for line in text.splitlines() if "│" in line}
    for key, band in (("value", "[0.7, 1.3]"), ("potential", "±5 %"),
                      ("workload", "(±10 %)"), ("accounts", "(±10 %)")):  # fmt: skip
        line = lines[key]
        assert band in line
        for side in ("before", "after"):
            spread = data[side]["measures"][key]
            assert f"{spread['gini']:.3f}" in line and f"{spread['in_band_share']:.0%}" in line
    fit = lines["owner strength, tier-A accounts"]
    assert f"{data['before']['strength_tier_a']:.3f}" in fit
    assert f"{data['after']['strength_tier_a']:.3f}" in fit


def test_a_new_book_has_no_ratio_before():
    customers, reps = banded_instance(n=30)
    customers["current_rep"] = ""
    customers["protected_rep"] = ""
    customers["protected_until"] = ""
    plan = solver.solve(customers, reps, SCENARIO)
    assert plan.metrics.before is None
    for key in ("workload", "value", "potential"):
        assert plan.reps[f"{key}_ratio_before"].isna().all()
        assert plan.reps.loc[plan.reps["active"], f"{key}_ratio"].gt(0).all()
