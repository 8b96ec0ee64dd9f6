"""Each metric's direction is defined once and read the same way everywhere: compare, the
run history's diff, the report's colours and the command line's runs diff."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import solver
from solver.cli.main import app
from solver.metrics import HIGHER, LOWER, better_side, direction, metric_info
from solver.scenario import flatten
from solver.store.history import RunStore
from tests.instances import SMALL_SCENARIO, make_instance

runner = CliRunner()


@pytest.fixture(scope="module")
def plans() -> tuple[solver.Plan, solver.Plan]:
    """Two plans of one instance: travel weighs 5x more in the second."""
    customers, reps = make_instance(n=40, m=5, seed=3)
    a = solver.solve(customers, reps, SMALL_SCENARIO)
    b = solver.solve(customers, reps, {**SMALL_SCENARIO, "weights": {"travel": 5.0}})
    return a, b


def test_every_metric_a_plan_reports_has_a_unit_and_a_decided_direction(plans) -> None:
    reported = set(flatten(plans[0].metrics["after"])) | set(flatten(plans[0].metrics["before"]))
    assert "measures.value.gini" in reported and "strength_tier_a" in reported
    infos = {name: metric_info(name) for name in reported}
    assert all(info is not None and info.unit for info in infos.values()), infos


def test_the_directions_users_read_in_the_metrics() -> None:
    assert direction("travel_km_mean") == LOWER and direction("workload.gini") == LOWER
    assert direction("workload.jain") == HIGHER and direction("specialty_match_rate") == HIGHER
    assert direction("utilisation_min") == HIGHER and direction("utilisation_max") == LOWER
    assert direction("released_protections") is None and direction("unknown") is None
    assert better_side("travel_km_mean", 10.0, 8.0) == "b"
    assert better_side("workload.jain", 0.9, 0.8) == "a"
    assert better_side("workload.jain", 0.9, 0.9) == "="
    assert better_side("workload.jain", None, 0.9) == ""


def test_compare_and_the_run_history_agree_on_every_metric(plans, tmp_path: Path) -> None:
    a, b = plans
    compared = b.compare(a).metrics  # b against a
    with RunStore(tmp_path / "runs.db") as store:
        ia = store.record(a, SMALL_SCENARIO)
        ib = store.record(b, {**SMALL_SCENARIO, "weights": {"travel": 5.0}})
        diff = store.diff(ia, ib).metrics.set_index("metric")
    result = runner.invoke(
        app, ["runs", "diff", str(ia), str(ib), "--db", str(tmp_path / "runs.db"), "--json"]
    )
    assert result.exit_code == 0, result.output
    cli = {row["metric"]: row["better"] for row in json.loads(result.output)["metrics"]}
    decided = [name for name in compared.index if direction(name) is not None]
    assert "travel_km_mean" in decided and "workload.jain" in decided
    for name in decided:
        va, vb = compared.at[name, "a"], compared.at[name, "b"]
        expected = better_side(name, va, vb)
        assert compared.at[name, "better"] == diff.at[name, "better"] == cli[name] == expected
        if expected in ("a", "b"):
            lower_won = (vb < va) == (expected == "b")
            assert lower_won == (direction(name) == LOWER), name


def _row_class(page: str, label: str) -> str:
    row = re.search(rf"<tr><td>{re.escape(label)}</td>.*?</tr>", page, flags=re.DOTALL)
    assert row is not None, label
    return "good" if "good" in row.group(0) else "bad" if "bad" in row.group(0) else ""


def test_the_report_colours_by_the_same_directions(plans, tmp_path: Path) -> None:
    plan = plans[0]
    plan.write(tmp_path / "plan")
    result = runner.invoke(
        app, ["report", "--plan", str(tmp_path / "plan"), "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    before, after = flatten(plan.metrics["before"]), flatten(plan.metrics["after"])
    for label, name in (
        ("lowest utilisation", "utilisation_min"),
        ("highest utilisation", "utilisation_max"),
        ("workload Jain index (1 = equal)", "workload.jain"),
        ("mean one-way road km per account", "travel_km_mean"),
    ):
        side = better_side(name, before[name], after[name])
        assert _row_class(page, label) == {"b": "good", "a": "bad"}.get(side, ""), label
