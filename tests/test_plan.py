"""The plan as a user reads it: explanations, reasons, files, and the bundled demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import solver
from tests.instances import SMALL_SCENARIO, make_instance

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plan() -> solver.Plan:
    customers, reps = make_instance(n=40, m=5, seed=2)
    return solver.solve(customers, reps, SMALL_SCENARIO)


def test_explain_names_the_rule_for_a_protected_customer(plan):
    text = plan.explain("C000")
    assert "protected" in text and "R0" in text


def test_explain_gives_runner_up_and_term_differences(plan):
    free = plan.assignments.loc[plan.assignments["forced_by"] == "", "customer_id"].iloc[0]
    text = plan.explain(free)
    assert "runner-up" in text or "compared with its previous rep" in text
    for term in ("travel", "specialty", "value_fit", "continuity", "total"):
        assert term in text


def test_explain_unknown_customer_is_a_clear_error(plan):
    with pytest.raises(KeyError, match="NOPE"):
        plan.explain("NOPE")


def test_every_row_has_a_reason_and_leaving_rep_moves_say_so(plan):
    rows = plan.assignments
    assert rows["reason"].str.len().min() > 0
    # R4 is the leaving rep of make_instance(m=5)
    leaving = (rows["previous_rep"] == "R4") & ~rows["forced_by"].str.startswith("protected")
    assert leaving.any()
    assert rows.loc[leaving, "reason"].str.contains("leaving").all()
    assert (rows.loc[leaving, "forced_by"] == "leaving rep R4 (active = false)").all()
    kept = ~rows["changed"]
    assert rows.loc[kept & (rows["forced_by"] == ""), "reason"].str.startswith("kept").all()


def test_write_produces_three_files_and_no_leftovers(plan, tmp_path):
    plan.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".plan.lock",  # the advisory lock of the write, kept (deleting it is not safe)
        "assignments.csv",
        "metrics.json",
        "reps.csv",
    ]
    data = json.loads((tmp_path / "metrics.json").read_text())
    # a small model: the LP bound, or HiGHS MIP's proof of the exact model
    source = data["certificate"]["bound_source"]
    assert source.startswith(("LP relaxation", "HiGHS branch-and-bound")), source
    assert data["certificate"]["bound"] <= data["certificate"]["objective"] + 1e-6
    assert data["metrics"]["after"]["leaving_rep_accounts"] == 0
    written = pd.read_csv(tmp_path / "assignments.csv", keep_default_na=False)
    assert len(written) == 40


def test_metrics_show_before_and_after(plan):
    before, after = plan.metrics["before"], plan.metrics["after"]
    assert before["leaving_rep_accounts"] > 0 and after["leaving_rep_accounts"] == 0
    assert after["moves"] == int(plan.assignments["changed"].sum())
    for key in ("gini", "cv", "max_min_ratio", "jain", "in_band_share"):
        assert key in after["workload"]


def test_readme_demo_command_runs(tmp_path):
    """The README's first command ends in `territory demo`; run it as a user would."""
    out = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "solver.cli.main", "demo", "--out", str(out), "--time-limit", "5"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "gap" in result.stdout and "before vs after" in result.stdout
    rows = pd.read_csv(out / "assignments.csv", keep_default_na=False)
    customers = pd.read_csv(ROOT / "data" / "customers.csv", keep_default_na=False)
    assert list(rows["customer_id"]) == list(customers["customer_id"])
    assert (
        solver.check_plan(
            ROOT / "data" / "customers.csv",
            ROOT / "data" / "reps.csv",
            out / "assignments.csv",
            ROOT / "data" / "scenario.toml",
        )
        == []
    )


def test_a_loaded_plan_folder_is_the_plan_that_was_written(plan, tmp_path):
    plan.write(tmp_path / "a")
    loaded = solver.Plan.load(tmp_path / "a")
    loaded.write(tmp_path / "b")
    for name in ("assignments.csv", "reps.csv"):
        written = pd.read_csv(tmp_path / "a" / name, dtype=str, keep_default_na=False)
        again = pd.read_csv(tmp_path / "b" / name, dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(written, again)
    assert (
        loaded.certificate
        == json.loads((tmp_path / "a" / "metrics.json").read_text())["certificate"]
    )
    assert loaded.metrics == plan.metrics
    customer = plan.assignments["customer_id"].iloc[7]
    assert loaded.explain(customer) == plan.explain(customer)
    assert loaded.compare(plan).moves.empty
    # a file of the folder names the folder too
    assert solver.Plan.load(tmp_path / "a" / "metrics.json").objective == plan.objective


def test_loading_a_folder_with_a_foreign_assignment_file_is_refused(plan, tmp_path):
    plan.write(tmp_path / "a")
    rows = pd.read_csv(tmp_path / "a" / "assignments.csv", dtype=str, keep_default_na=False)
    rows.loc[0, "rep_id"] = "R99"
    rows.to_csv(tmp_path / "a" / "assignments.csv", index=False)
    with pytest.raises(solver.InputError, match=r"R99|rep_id"):
        solver.Plan.load(tmp_path / "a")
