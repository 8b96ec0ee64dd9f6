"""``territory assign`` and ``territory drift`` used as a user would: solve a small plan,
place a new-accounts CSV with empty optional cells, then check, export and report it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from solver.cli.main import app
from tests.instances import make_instance

runner = CliRunner()
SCENARIO = 'as_of = 2027-01-01\ntime_limit_s = 5\nseed = 1\nengine = "cpsat"\n'
HEADER = "customer_id,lat,lon,value,effort_hours,visits,segment,protected_rep,protected_until,tier"
NEW_CSV = f"""{HEADER}
N1,32.9,-96.5,15000,,,,,,
N2,33.5,-98.0,4000,3.5,2,energy,,,
N3,33.1,-97.2,9000,4,,,R1,2027-06-30,
"""


def flat(text: str) -> str:
    return " ".join(text.split())


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    customers, reps = make_instance(n=30, m=5, seed=1)
    customers.to_csv(folder / "customers.csv", index=False)
    reps.to_csv(folder / "reps.csv", index=False)
    (folder / "scenario.toml").write_text(SCENARIO)
    result = runner.invoke(app, [
        "solve", "--customers", str(folder / "customers.csv"), "--reps", str(folder / "reps.csv"),
        "--scenario", str(folder / "scenario.toml"), "--out", str(folder / "plan"), "--quiet",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder


def _assign(folder: Path, new_text: str, out: str, *extra: str):
    (folder / f"{out}.csv").write_text(new_text)
    args = ["assign", "--plan", str(folder / "plan"), "--new", str(folder / f"{out}.csv")]
    return runner.invoke(app, [*args, "--out", str(folder / out), *extra])


def test_assign_then_check_export_and_report(solved: Path):
    result = _assign(solved, NEW_CSV, "placed")
    assert result.exit_code == 0, result.output
    assert "placed 3 of 3 new accounts" in flat(result.output)
    out = solved / "placed"
    table = read_csv(out / "assignments.csv")
    before = read_csv(solved / "plan" / "assignments.csv").set_index("customer_id")["rep_id"]
    after = table.set_index("customer_id")["rep_id"]
    assert (after.loc[before.index] == before).all()
    assert after["N3"] == "R1"  # its protection: the rep who made first contact
    assert read_csv(out / "unassigned.csv").empty
    check = runner.invoke(app, [
        "check", "--customers", str(out / "assignments.csv"), "--reps", str(out / "reps.csv"),
        "--plan", str(out), "--scenario", str(solved / "scenario.toml"),
    ])  # fmt: skip
    assert check.exit_code == 0, check.output
    stale = runner.invoke(app, [
        "check", "--customers", str(solved / "customers.csv"), "--reps", str(out / "reps.csv"),
        "--plan", str(out),
    ])  # fmt: skip
    assert stale.exit_code == 5  # the old customers file lacks the new accounts: say how
    assert f"--customers {out / 'assignments.csv'} --reps {out / 'reps.csv'}" in flat(stale.output)
    export = runner.invoke(app, [
        "export", "--plan", str(out), "--format", "generic", "--out", str(solved / "new.csv"),
    ])  # fmt: skip
    assert export.exit_code == 0, export.output
    changes = read_csv(solved / "new.csv")
    assert sorted(changes["customer_id"]) == ["N1", "N2", "N3"]  # the new accounts only
    report = runner.invoke(app, ["report", "--plan", str(out), "--out", str(solved / "r.html")])
    assert report.exit_code == 0, report.output


def test_a_duplicate_id_is_exit_3_naming_file_row_and_column(solved: Path):
    first = read_csv(solved / "plan" / "assignments.csv")["customer_id"].iloc[0]
    text = NEW_CSV.replace("N2,", f"{first},")
    result = _assign(solved, text, "dup")
    assert result.exit_code == 3
    message = flat(result.output)
    assert "dup.csv, row 3, column 'customer_id'" in message and first in message
    assert not (solved / "dup" / "assignments.csv").exists()


def test_an_account_no_rep_can_take_is_exit_10_and_listed(solved: Path):
    text = NEW_CSV + "N4,33.0,-97.0,5000,90000,,,,,\n"
    result = _assign(solved, text, "full")
    assert result.exit_code == 10, result.output
    assert "unplaced N4 [capacity_hours]" in flat(result.output)
    listed = read_csv(solved / "full" / "unassigned.csv")
    assert list(listed["customer_id"]) == ["N4"]
    assert listed.loc[0, "effort_hours"] == "90000.0"  # its input, to feed back later
    placed = set(read_csv(solved / "full" / "assignments.csv")["customer_id"])
    assert {"N1", "N2", "N3"} <= placed and "N4" not in placed


def test_assign_from_a_recorded_run_and_drift(solved: Path, tmp_path: Path):
    db = str(tmp_path / "runs.db")
    recorded = _assign(solved, NEW_CSV, "rec", "--record", "--db", db, "--json")
    assert recorded.exit_code == 0, recorded.output
    summary = json.loads(recorded.output)
    assert summary["placed"] == 3 and summary["run_id"] == 1
    assert summary["batch"]["bound"] <= summary["batch"]["objective"] + 1e-6
    (solved / "more.csv").write_text("customer_id,lat,lon,value\nN9,33.2,-97.4,7000\n")
    again = runner.invoke(app, [
        "assign", "--run", "latest", "--db", db, "--new", str(solved / "more.csv"),
        "--out", str(solved / "more"),
    ])  # fmt: skip
    assert again.exit_code == 0, again.output
    grown = read_csv(solved / "more" / "assignments.csv")
    assert len(grown) == 34 and "N9" in set(grown["customer_id"])
    drift = runner.invoke(app, ["drift", "--plan", str(solved / "more"), "--json"])
    assert drift.exit_code == 0, drift.output
    data = json.loads(drift.output)
    assert data["new_since"] == 4 and data["rebalance_due"]  # 4 of 30 accounts added


def test_a_recorded_placement_names_its_parent_run(solved: Path, tmp_path: Path):
    db = str(tmp_path / "lineage.db")
    plan = solved / "plan"
    first = runner.invoke(app, [
        "solve", "--customers", str(solved / "customers.csv"), "--reps", str(solved / "reps.csv"),
        "--scenario", str(solved / "scenario.toml"), "--out", str(tmp_path / "base"), "--quiet",
        "--record", "--db", db,
    ])  # fmt: skip
    assert first.exit_code == 0, first.output
    # from the folder of a recorded plan: linked to that run by the plan's id
    linked = runner.invoke(app, [
        "assign", "--plan", str(tmp_path / "base"), "--new", str(_new(tmp_path)),
        "--out", str(tmp_path / "today"), "--record", "--db", db, "--quiet",
    ])  # fmt: skip
    assert linked.exit_code == 0, linked.output
    # from the recorded placement itself: linked to it
    chained = runner.invoke(app, [
        "assign", "--run", "latest", "--db", db, "--new", str(_new(tmp_path, "N8")),
        "--out", str(tmp_path / "tomorrow"), "--record", "--quiet",
    ])  # fmt: skip
    assert chained.exit_code == 0, chained.output
    # from a folder never recorded: no parent run, and show says so
    unlinked = runner.invoke(app, [
        "assign", "--plan", str(plan), "--new", str(_new(tmp_path, "N7")),
        "--out", str(tmp_path / "other"), "--record", "--db", db, "--quiet",
    ])  # fmt: skip
    assert unlinked.exit_code == 0, unlinked.output
    shown = {k: flat(runner.invoke(app, ["runs", "show", str(k), "--db", db]).output)
             for k in (1, 2, 3, 4)}  # fmt: skip
    assert "placements on this run: run 2" in shown[1]
    assert "placed on run 1" in shown[2] and "placements on this run: run 3" in shown[2]
    assert "placed on run 2" in shown[3]
    assert "placed on a standing plan not recorded here" in shown[4]


def _new(folder: Path, cid: str = "N9") -> Path:
    path = folder / f"{cid}.csv"
    path.write_text(f"customer_id,lat,lon,value\n{cid},33.2,-97.4,7000\n")
    return path
