"""The ``territory`` command line: files in, plan files out, stable exit codes, clear errors.

Instances are ``make_instance(n=30, m=5, seed=1)`` written as CSV: reps R0..R4 with R4
leaving; C000 is protected by R0 and C001 by R1 until 2027-06-30 (in force at the
scenario's as_of 2027-01-01).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from solver.cli.main import app
from solver.plan import SCHEMA_VERSION
from tests.instances import make_instance

N_CUSTOMERS = 30
SCENARIO_TOML = "as_of = 2027-01-01\ntime_limit_s = 5\nseed = 1\n"
HYPERLINK = '=HYPERLINK("http://example.com/x","open")'

runner = CliRunner()


def flat(text: str) -> str:
    """Output with rich's line wrapping undone (every run of whitespace -> one space)."""
    return " ".join(text.split())


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


class Files:
    """One instance written to a folder, with helpers to run the CLI on it."""

    def __init__(self, folder: Path):
        self.folder = folder
        customers, reps = make_instance(n=N_CUSTOMERS, m=5, seed=1)
        customers["name"] = [f"Account {i}" for i in range(N_CUSTOMERS)]
        customers.loc[3, "name"] = HYPERLINK
        customers["crm_key"] = [f"K-{i:04d}" for i in range(N_CUSTOMERS)]
        self.customers_df = customers.astype(object)
        self.reps_df = reps.astype(object)
        self.customers = self.write("customers.csv", self.customers_df)
        self.reps = self.write("reps.csv", self.reps_df)
        self.scenario = folder / "scenario.toml"
        self.scenario.write_text(SCENARIO_TOML, encoding="utf-8")

    def write(self, name: str, frame: pd.DataFrame) -> Path:
        path = self.folder / name
        frame.to_csv(path, index=False)
        return path

    def solve(self, out: Path, *extra: str, customers=None, reps=None):
        return runner.invoke(
            app,
            [
                "solve",
                "--customers",
                str(customers or self.customers),
                "--reps",
                str(reps or self.reps),
                "--scenario",
                str(self.scenario),
                "--out",
                str(out),
                *extra,
            ],
        )

    def check(self, plan: Path, *extra: str):
        return runner.invoke(
            app,
            [
                "check",
                "--customers",
                str(self.customers),
                "--reps",
                str(self.reps),
                "--scenario",
                str(self.scenario),
                "--plan",
                str(plan),
                *extra,
            ],
        )


@pytest.fixture
def files(tmp_path) -> Files:
    return Files(tmp_path)


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> tuple[Files, Path, object]:
    """One successful solve shared by the read-only tests."""
    files = Files(tmp_path_factory.mktemp("solved"))
    out = files.folder / "plan"
    result = files.solve(out)
    return files, out, result


def assert_clean_exit(result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit) or (code == 0 and result.exception is None)
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- solve


def test_solve_writes_the_three_files(solved):
    _, out, result = solved
    assert_clean_exit(result, 0)
    names = sorted(p.name for p in out.iterdir())
    assert names == [".plan.lock", "assignments.csv", "metrics.json", "reps.csv"]
    assert f"written: {out}/assignments.csv" in flat(result.stdout)


def test_assignments_csv_has_one_row_per_customer_and_the_contract_columns(solved):
    files, out, _ = solved
    rows = read_csv(out / "assignments.csv")
    assert rows["customer_id"].tolist() == [f"C{i:03d}" for i in range(N_CUSTOMERS)]
    for column in ("customer_id", "rep_id", "previous_rep", "changed", "reason"):
        assert column in rows.columns
    costs = [c for c in rows.columns if c.startswith("cost_")]
    assert {"cost_travel", "cost_total"} <= set(costs)
    assert rows["name"].tolist()[:3] == ["Account 0", "Account 1", "Account 2"]
    assert rows["crm_key"].tolist() == [f"K-{i:04d}" for i in range(N_CUSTOMERS)]
    assert rows["previous_rep"].tolist() == files.customers_df["current_rep"].tolist()
    assert set(rows["rep_id"]) <= {"R0", "R1", "R2", "R3"}  # R4 is leaving
    assert (rows["reason"].str.len() > 0).all()
    changed = rows["changed"].map({"True": True, "False": False})
    assert changed.tolist() == (rows["rep_id"] != rows["previous_rep"]).tolist()
    assert rows.loc[0, "rep_id"] == "R0" and rows.loc[1, "rep_id"] == "R1"  # protected


def test_reps_csv_has_one_row_per_rep(solved):
    _, out, _ = solved
    reps = read_csv(out / "reps.csv")
    assert reps["rep_id"].tolist() == ["R0", "R1", "R2", "R3", "R4"]
    assert reps.loc[4, "accounts"] == "0"  # the leaving rep owns nothing
    assert sum(int(a) for a in reps["accounts"]) == N_CUSTOMERS


def test_metrics_json_has_metrics_and_certificate(solved):
    _, out, _ = solved
    data = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert set(data) == {"metrics", "certificate", "plan_id", "schema_version"}
    assert data["schema_version"] == SCHEMA_VERSION
    assert {"after", "before"} <= set(data["metrics"])
    cert = data["certificate"]
    for key in ("status", "objective", "bound", "gap", "wall_s", "engine", "seed"):
        assert key in cert, key
    assert cert["status"] in ("optimal", "feasible")
    assert cert["seed"] == 1
    assert set(cert["engine"].split("+")) <= {"cpsat", "flow", "milp", "lns", "highs"}
    assert cert["bound"] <= cert["objective"] + 1e-6
    assert cert["gap"] < 1
    assert 0 <= cert["wall_s"] < 60
    assert cert["as_of"] == "2027-01-01"
    assert set(cert["input_fingerprints"]) == {"customers", "reps", "scenario"}
    assert all(len(v) == 16 for v in cert["input_fingerprints"].values())
    assert data["metrics"]["after"]["leaving_rep_accounts"] == 0


def test_formula_cells_are_neutralised(solved):
    _, out, _ = solved
    rows = read_csv(out / "assignments.csv")
    assert rows.loc[3, "name"] == "'" + HYPERLINK
    assert not any(v.startswith("=") for v in rows["name"])
    raw = (out / "assignments.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in raw
    assert ",=HYPERLINK(" not in raw and ',"=HYPERLINK(' not in raw


def test_formula_cells_in_rep_columns_are_neutralised(files, tmp_path):
    files.reps_df["name"] = ["Ann", "+cmd|' /C calc'!A0", "@SUM(A1)", "Di", "-2+3"]
    files.write("reps.csv", files.reps_df)
    out = tmp_path / "plan"
    assert_clean_exit(files.solve(out, "-q"), 0)
    reps = read_csv(out / "reps.csv")
    assert reps["name"].tolist() == ["Ann", "'+cmd|' /C calc'!A0", "'@SUM(A1)", "Di", "'-2+3"]


def test_quiet_prints_nothing_on_stdout(files, tmp_path):
    out = tmp_path / "plan"
    result = files.solve(out, "--quiet")
    assert_clean_exit(result, 0)
    assert result.stdout == ""
    assert (out / "assignments.csv").exists()


def test_a_warning_about_the_inputs_is_printed_once(files, tmp_path):
    quota = [1.0, 1.0, 0.0, 1.0, 1.0]  # R2: active, no protected account
    reps = files.write("quota.csv", files.reps_df.assign(quota=quota))
    band = '[[balance]]\nmeasure = "value"\nshare = "quota"\nband = [0.5, 2.0]\n'
    files.scenario.write_text(SCENARIO_TOML + band, encoding="utf-8")
    result = files.solve(tmp_path / "plan", "--quiet", reps=reps)
    assert_clean_exit(result, 0)
    text = flat(result.stderr)
    assert text.count("warning:") == 1, text  # not again when the checker reads the inputs
    assert "'quota' is 0 for active rep(s) R2" in text


def test_summary_is_printed_without_quiet(solved):
    _, _, result = solved
    text = flat(result.stdout)
    assert "before vs after" in text
    assert "lower bound" in text and "gap" in text


# ---------------------------------------------------------------- failures


def test_invalid_input_exits_3_and_writes_nothing(files, tmp_path):
    files.customers_df.loc[4, "value"] = "lots"
    files.customers_df.loc[7, "lat"] = 123
    bad = files.write("bad_customers.csv", files.customers_df)
    out = tmp_path / "plan"
    result = files.solve(out, customers=bad)
    assert_clean_exit(result, 3)
    assert not (out / "assignments.csv").exists()
    assert not out.exists() or list(out.iterdir()) == []
    assert result.stdout == ""
    text = flat(result.stderr)
    assert "2 problem(s) in the input" in text
    assert f"{bad}, row 6, column 'value': not a number (got 'lots')" in text
    assert f"{bad}, row 9, column 'lat': latitude outside -90..90" in text


def test_missing_input_file_exits_3(files, tmp_path):
    result = files.solve(tmp_path / "plan", reps=tmp_path / "nope.csv")
    assert_clean_exit(result, 3)
    assert f"{tmp_path / 'nope.csv'}: file not found" in flat(result.stderr)


def test_bad_scenario_exits_3_naming_the_key(files, tmp_path):
    files.scenario.write_text(SCENARIO_TOML + "[weights]\ntravl = 1\n", encoding="utf-8")
    result = files.solve(tmp_path / "plan")
    assert_clean_exit(result, 3)
    assert "key 'weights.travl': unknown key" in flat(result.stderr)


def test_a_bad_option_value_is_blamed_on_the_options_not_the_scenario_file(files, tmp_path):
    result = files.solve(tmp_path / "plan", "--engine", "fast")
    assert_clean_exit(result, 3)
    message = flat(result.stderr)
    assert "command-line options" in message and "'fast'" in message
    assert "replace()" not in message


def test_protected_work_above_capacity_exits_4(files, tmp_path):
    files.reps_df.loc[0, "capacity_hours"] = 1
    tiny = files.write("tiny_reps.csv", files.reps_df)
    out = tmp_path / "plan"
    result = files.solve(out, reps=tiny)
    assert_clean_exit(result, 4)
    text = flat(result.stderr)
    assert "No plan satisfies every hard rule" in text
    assert "rep R0 holds" in text
    assert "of protected or locked accounts; its capacity_hours limit is 1.0" in text
    assert "raise capacity_hours" in text
    assert not out.exists()


def test_max_travel_too_small_for_every_rep_exits_4(files, tmp_path):
    files.reps_df["max_travel_km"] = 0.001
    near = files.write("near_reps.csv", files.reps_df)
    result = files.solve(tmp_path / "plan", reps=near)
    assert_clean_exit(result, 4)
    text = flat(result.stderr)
    # C000 and C001 keep their protected reps (protection wins over eligibility)
    assert "customer C000" not in text
    assert (
        "customer C002 has no eligible rep (4 reps excluded by max_travel, "
        "1 reps excluded by leaving_rep)"
    ) in text
    assert "raise max_travel_km" in text


def test_as_of_decides_which_protections_hold(files, tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    assert_clean_exit(files.solve(before, "-q"), 0)
    assert_clean_exit(files.solve(after, "-q", "--as-of", "2027-07-01"), 0)
    held = read_csv(before / "assignments.csv")["forced_by"]
    expired = read_csv(after / "assignments.csv")["forced_by"]
    assert held[:2].tolist() == ["protected (first contact) as of 2027-01-01"] * 2
    assert not held[2:].str.startswith("protected").any()
    assert not expired.str.startswith("protected").any()
    cert = json.loads((after / "metrics.json").read_text(encoding="utf-8"))["certificate"]
    assert cert["as_of"] == "2027-07-01"


def test_a_leaving_reps_protection_is_released_and_said_so(files, tmp_path):
    files.customers_df.loc[5, "protected_rep"] = "R4"  # R4 is leaving
    files.customers_df.loc[5, "protected_until"] = "2027-03-31"
    files.write("customers.csv", files.customers_df)
    result = files.solve(tmp_path / "a")
    assert_clean_exit(result, 0)
    assert "released protections: 1 held by leaving reps" in flat(result.stdout)
    rows = read_csv(tmp_path / "a" / "assignments.csv").set_index("customer_id")
    assert "protection of leaving rep R4 until 2027-03-31 released" in rows.loc["C005", "forced_by"]
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())["metrics"]
    assert metrics["after"]["released_protections"] == 1


def test_as_of_decides_whether_a_leaving_reps_protection_is_an_error(files, tmp_path):
    files.customers_df.loc[5, "protected_rep"] = "R4"  # R4 is leaving
    files.customers_df.loc[5, "protected_until"] = "2027-03-31"
    path = files.write("customers.csv", files.customers_df)
    files.scenario.write_text(
        SCENARIO_TOML + '[rules]\nleaving_rep_protection = "error"\n', encoding="utf-8"
    )
    result = files.solve(tmp_path / "a", "-q")
    assert_clean_exit(result, 3)
    assert (
        f"{path}, row 7, column 'protected_rep': protection in force on 2027-01-01 is held "
        "by a leaving rep"
    ) in flat(result.stderr)
    assert_clean_exit(files.solve(tmp_path / "b", "-q", "--as-of", "2027-04-01"), 0)


def test_bad_as_of_is_a_usage_error(files, tmp_path):
    result = files.solve(tmp_path / "plan", "--as-of", "01/07/2027")
    assert_clean_exit(result, 2)
    assert not (tmp_path / "plan").exists()


def test_failed_solve_leaves_the_previous_plan_untouched(files, tmp_path):
    out = tmp_path / "plan"
    assert_clean_exit(files.solve(out, "-q"), 0)
    before = {name: (out / name).read_bytes() for name in ("assignments.csv", "reps.csv")}
    before["metrics.json"] = (out / "metrics.json").read_bytes()

    files.customers_df.loc[2, "value"] = -1
    bad = files.write("bad_customers.csv", files.customers_df)
    assert_clean_exit(files.solve(out, "-q", customers=bad), 3)
    files.reps_df.loc[0, "capacity_hours"] = 1
    tiny = files.write("tiny_reps.csv", files.reps_df)
    assert_clean_exit(files.solve(out, "-q", reps=tiny), 4)

    assert sorted(p.name for p in out.iterdir()) == sorted([*before, ".plan.lock"])
    for name, data in before.items():
        assert (out / name).read_bytes() == data, name

    # a successful solve does replace it
    assert_clean_exit(files.solve(out, "-q", "--as-of", "2027-07-01"), 0)
    assert (out / "metrics.json").read_bytes() != before["metrics.json"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*before, ".plan.lock"])  # no staging


def test_error_text_with_brackets_is_printed_verbatim(files, tmp_path):
    files.customers_df.loc[4, "value"] = "[/x]"
    bad = files.write("bad_customers.csv", files.customers_df)
    result = files.solve(tmp_path / "plan", customers=bad)
    assert_clean_exit(result, 3)
    assert "not a number (got '[/x]')" in flat(result.stderr)


def test_error_text_with_markup_like_value_is_not_styled_away(files, tmp_path):
    files.customers_df.loc[4, "value"] = "[bold]12"
    bad = files.write("bad_customers.csv", files.customers_df)
    result = files.solve(tmp_path / "plan", customers=bad)
    assert_clean_exit(result, 3)
    assert "not a number (got '[bold]12')" in flat(result.stderr)


# ---------------------------------------------------------------- check


def test_check_accepts_the_plan_just_written(solved):
    files, out, _ = solved
    result = files.check(out / "assignments.csv")
    assert_clean_exit(result, 0)
    assert "plan is valid: every hard rule holds (as of 2027-01-01)" in flat(result.stdout)


def test_check_without_a_scenario_uses_the_plans_own(solved, tmp_path):
    files, out, _ = solved
    inputs = ["check", "--customers", str(files.customers), "--reps", str(files.reps)]
    result = runner.invoke(app, [*inputs, "--plan", str(out)])
    assert_clean_exit(result, 0)
    expected = "as of 2027-01-01, the scenario the plan was solved with"
    assert expected in flat(result.stdout)
    # a bare assignments file outside a plan folder has no scenario of its own: today's date
    bare = tmp_path / "bare.csv"
    shutil.copy(out / "assignments.csv", bare)
    result = runner.invoke(app, [*inputs, "--plan", str(bare)])
    assert_clean_exit(result, 0)
    assert f"(as of {dt.date.today()})" in flat(result.stdout)


def test_check_reports_a_moved_protected_customer(solved, tmp_path):
    files, out, _ = solved
    rows = read_csv(out / "assignments.csv")[["customer_id", "rep_id"]]
    rows.loc[0, "rep_id"] = "R2"  # C000 is protected by R0
    plan = tmp_path / "edited.csv"
    rows.to_csv(plan, index=False)
    result = files.check(plan)
    assert_clean_exit(result, 5)
    text = flat(result.stderr)
    assert "[protection] customer C000 is protected by R0 on 2027-01-01 but is assigned to R2" in (
        text
    )
    # the same plan is valid once the protection has ended
    assert_clean_exit(files.check(plan, "--as-of", "2027-07-01"), 0)


def test_check_lists_every_violation_of_an_all_on_one_rep_plan(solved, tmp_path):
    files, out, _ = solved
    rows = read_csv(out / "assignments.csv")[["customer_id", "rep_id"]]
    rows["rep_id"] = "R4"  # the leaving rep
    plan = tmp_path / "one_rep.csv"
    rows.to_csv(plan, index=False)
    result = files.check(plan)
    assert_clean_exit(result, 5)
    text = flat(result.stderr)
    assert f"{N_CUSTOMERS + 3} violation(s):" in text
    assert "[protection] customer C000 is protected by R0" in text
    assert "[protection] customer C001 is protected by R1" in text
    assert "[capacity_hours] rep R4 carries" in text
    for i in range(N_CUSTOMERS):
        assert f"[leaving_rep] customer C{i:03d} is assigned to leaving rep R4" in text


def test_check_reports_a_missing_customer(solved, tmp_path):
    files, out, _ = solved
    rows = read_csv(out / "assignments.csv")[["customer_id", "rep_id"]]
    plan = tmp_path / "short.csv"
    rows.drop(index=7).to_csv(plan, index=False)
    result = files.check(plan)
    assert_clean_exit(result, 5)
    text = flat(result.stderr)
    assert "1 violation(s):" in text
    assert "[coverage] customer C007 is missing from the plan" in text


def test_check_reports_unknown_and_duplicate_customers(solved, tmp_path):
    files, out, _ = solved
    rows = read_csv(out / "assignments.csv")[["customer_id", "rep_id"]]
    extra = pd.DataFrame({"customer_id": ["C005", "ZZZ"], "rep_id": ["R0", "R0"]})
    plan = tmp_path / "extra.csv"
    pd.concat([rows, extra]).to_csv(plan, index=False)
    result = files.check(plan)
    assert_clean_exit(result, 5)
    text = flat(result.stderr)
    assert "[coverage] customer C005 appears more than once in the plan" in text
    assert "[coverage] customer ZZZ is not in the customers table" in text


def test_check_plan_without_rep_column_exits_3(solved, tmp_path):
    files, out, _ = solved
    plan = tmp_path / "ids.csv"
    read_csv(out / "assignments.csv")[["customer_id"]].to_csv(plan, index=False)
    result = files.check(plan)
    assert_clean_exit(result, 3)
    assert f"{plan}, column 'rep_id': required column is missing" in flat(result.stderr)


# ---------------------------------------------------------------- the installed script


def test_installed_console_script_solves(files, tmp_path):
    exe = shutil.which("territory")
    assert exe is not None, "the territory console script is not installed"
    out = tmp_path / "plan"
    proc = subprocess.run(
        [
            exe,
            "solve",
            "--customers",
            str(files.customers),
            "--reps",
            str(files.reps),
            "--scenario",
            str(files.scenario),
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    rows = read_csv(out / "assignments.csv")
    assert len(rows) == N_CUSTOMERS
    assert (out / "reps.csv").exists() and (out / "metrics.json").exists()


# ---------------------------------------------------------------- formats and plan paths


def test_parquet_inputs_solve_like_csv(files, tmp_path):
    customers = pd.read_csv(files.customers)  # typed columns, NaN in empty optional cells
    reps = pd.read_csv(files.reps)
    customers.to_parquet(tmp_path / "customers.parquet")
    reps.to_parquet(tmp_path / "reps.parquet")
    result = files.solve(
        tmp_path / "plan",
        "-q",
        customers=tmp_path / "customers.parquet",
        reps=tmp_path / "reps.parquet",
    )
    assert_clean_exit(result, 0)
    rows = read_csv(tmp_path / "plan" / "assignments.csv")
    assert sorted(rows["customer_id"]) == sorted(customers["customer_id"])


def test_summary_says_why_the_solve_ended(solved):
    _, _, result = solved
    assert "ended: " in flat(result.stdout)


def test_check_report_and_export_take_the_folder_or_a_file_in_it(solved, tmp_path):
    files, out, _ = solved
    assert_clean_exit(files.check(out), 0)
    assert_clean_exit(files.check(out / "assignments.csv"), 0)
    for plan in (out, out / "metrics.json"):
        report = runner.invoke(
            app, ["report", "--plan", str(plan), "--out", str(tmp_path / "r.html")]
        )
        assert_clean_exit(report, 0)
        export = runner.invoke(
            app,
            ["export", "--plan", str(plan), "--format", "generic", "--out",
             str(tmp_path / "c.csv"), "--force"],
        )  # fmt: skip
        assert_clean_exit(export, 0)


def test_db_alone_records_the_run(files, tmp_path):
    db = tmp_path / "runs.db"
    result = files.solve(tmp_path / "plan", "--db", str(db))
    assert_clean_exit(result, 0)
    assert "recorded as run 1" in flat(result.stdout)
