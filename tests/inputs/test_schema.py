"""Input contract: every bad table is an InputError naming file, row(s), column and rule.

The base instance is ``make_instance(n=12, m=4, seed=0)``: customers C000..C011, reps
R0..R3 where R3 is leaving (active = false); C000 is protected by R0 and C001 by R1 until
2027-06-30, which holds at the scenario's as_of 2027-01-01. In a CSV file the header is
line 1, so the customer at 0-based position ``p`` is on line ``p + 2``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import solver
from solver.errors import InputIssue
from tests.instances import SMALL_SCENARIO, make_instance


def line(position: int) -> int:
    """CSV line number of the data row at 0-based ``position`` (header = line 1)."""
    return position + 2


@pytest.fixture
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A valid instance as object columns, so any cell can be set to any text."""
    customers, reps = make_instance(n=12, m=4, seed=0)
    return customers.astype(object), reps.astype(object)


def write(tmp_path: Path, name: str, frame: pd.DataFrame) -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def build_error(customers, reps, scenario=SMALL_SCENARIO) -> solver.InputError:
    with pytest.raises(solver.InputError) as info:
        solver.Problem.build(customers, reps, scenario)
    error = info.value
    assert isinstance(error.issues, list)
    assert error.issues and all(isinstance(i, InputIssue) for i in error.issues)
    return error


def only_issue(error: solver.InputError) -> InputIssue:
    assert len(error.issues) == 1, error.issues
    return error.issues[0]


def issue_for(error: solver.InputError, column: str, rule: str) -> InputIssue:
    found = [i for i in error.issues if i.column == column and i.rule == rule]
    assert len(found) == 1, f"no single ({column!r}, {rule!r}) issue in {error.issues}"
    return found[0]


# ---------------------------------------------------------------- columns and ids


@pytest.mark.parametrize("column", ["customer_id", "lat", "lon", "value"])
def test_missing_required_customer_column(tables, tmp_path, column):
    customers, reps = tables
    path = write(tmp_path, "customers.csv", customers.drop(columns=[column]))
    issue = only_issue(build_error(path, reps))
    assert issue.source == str(path)
    assert issue.column == column
    assert issue.rule == "required column is missing"
    assert issue.rows == ()
    assert "columns present" in issue.detail


def test_missing_required_rep_columns_are_all_listed(tables, tmp_path):
    customers, reps = tables
    path = write(tmp_path, "reps.csv", reps.drop(columns=["capacity_hours", "lon"]))
    error = build_error(customers, path)
    assert {(i.source, i.column, i.rule) for i in error.issues} == {
        (str(path), "lon", "required column is missing"),
        (str(path), "capacity_hours", "required column is missing"),
    }


def test_duplicate_customer_ids_name_both_lines(tables, tmp_path):
    customers, reps = tables
    customers.loc[5, "customer_id"] = "C003"
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.source, issue.column, issue.rule) == (str(path), "customer_id", "duplicate id")
    assert issue.rows == (line(3), line(5))
    assert "'C003'" in issue.detail


def test_duplicate_rep_ids(tables, tmp_path):
    customers, reps = tables
    reps.loc[2, "rep_id"] = "R1"
    path = write(tmp_path, "reps.csv", reps)
    error = build_error(customers, path)
    issue = issue_for(error, "rep_id", "duplicate id")
    assert issue.source == str(path)
    assert issue.rows == (line(1), line(2))


def test_duplicate_ids_after_stripping_spaces(tables, tmp_path):
    customers, reps = tables
    customers.loc[5, "customer_id"] = "C003 "
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert issue.rule == "duplicate id"
    assert issue.rows == (line(3), line(5))


def test_ids_differing_only_by_case(tables, tmp_path):
    customers, reps = tables
    customers.loc[7, "customer_id"] = "c002"
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule) == ("customer_id", "ids differ only by letter case")
    assert issue.rows == (line(2), line(7))
    assert "'c002'" in issue.detail and "'C002'" in issue.detail


def test_blank_id(tables, tmp_path):
    customers, reps = tables
    customers.loc[4, "customer_id"] = ""
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.source, issue.column, issue.rule) == (str(path), "customer_id", "id is blank")
    assert issue.rows == (line(4),)


def test_blank_rep_id(tables, tmp_path):
    customers, reps = tables
    reps.loc[1, "rep_id"] = "   "
    path = write(tmp_path, "reps.csv", reps)
    error = build_error(customers, path)
    assert issue_for(error, "rep_id", "id is blank").rows == (line(1),)


# ---------------------------------------------------------------- numbers


def test_non_numeric_value_shows_the_text(tables, tmp_path):
    customers, reps = tables
    customers.loc[3, "value"] = "lots"
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule, issue.rows) == ("value", "not a number", (line(3),))
    assert issue.detail == "got 'lots'"


def test_non_numeric_examples_are_capped_at_three(tables, tmp_path):
    customers, reps = tables
    for k, text in enumerate(["a", "b", "c", "d"]):
        customers.loc[k + 2, "lat"] = text
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert issue.rows == (line(2), line(3), line(4), line(5))
    assert issue.detail == "got 'a', 'b', 'c'"


def test_blank_required_number(tables, tmp_path):
    customers, reps = tables
    customers.loc[6, "lon"] = ""
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule, issue.rows) == ("lon", "value is required", (line(6),))


def test_infinite_value_is_rejected(tables, tmp_path):
    customers, reps = tables
    customers.loc[2, "value"] = "inf"
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule, issue.rows) == (
        "value",
        "must be a finite number",
        (line(2),),
    )


@pytest.mark.parametrize(
    ("column", "bad", "rule"),
    [
        ("lat", 90.5, "latitude outside -90..90"),
        ("lat", -91, "latitude outside -90..90"),
        ("lon", 180.01, "longitude outside -180..180"),
        ("lon", -200, "longitude outside -180..180"),
    ],
)
def test_lat_lon_out_of_range(tables, tmp_path, column, bad, rule):
    customers, reps = tables
    customers.loc[8, column] = bad
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule, issue.rows) == (column, rule, (line(8),))


def test_rep_lat_out_of_range(tables, tmp_path):
    customers, reps = tables
    reps.loc[2, "lat"] = 123
    path = write(tmp_path, "reps.csv", reps)
    issue = only_issue(build_error(customers, path))
    assert (issue.source, issue.column, issue.rule, issue.rows) == (
        str(path),
        "lat",
        "latitude outside -90..90",
        (line(2),),
    )


def test_boundary_lat_lon_are_accepted(tables):
    customers, reps = tables
    customers.loc[2, "lat"] = 90
    customers.loc[3, "lon"] = -180
    scenario = {**SMALL_SCENARIO, "rules": {"max_travel": False, "capacity_hours": False}}
    problem = solver.Problem.build(customers, reps, scenario)
    assert problem.customers.loc[2, "lat"] == 90.0
    assert problem.customers.loc[3, "lon"] == -180.0


def test_negative_value(tables, tmp_path):
    customers, reps = tables
    customers.loc[9, "value"] = -5
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule, issue.rows) == ("value", "must be >= 0", (line(9),))


def test_zero_value_is_accepted(tables):
    customers, reps = tables
    customers.loc[9, "value"] = 0
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    assert problem.customers.loc[9, "value"] == 0.0


@pytest.mark.parametrize("bad", [0, -1.5])
def test_effort_must_be_positive(tables, tmp_path, bad):
    customers, reps = tables
    customers.loc[4, "effort_hours"] = bad
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule, issue.rows) == ("effort_hours", "must be > 0", (line(4),))


@pytest.mark.parametrize("bad", [0, -10])
def test_capacity_hours_must_be_positive(tables, tmp_path, bad):
    customers, reps = tables
    reps.loc[1, "capacity_hours"] = bad
    path = write(tmp_path, "reps.csv", reps)
    issue = only_issue(build_error(customers, path))
    assert (issue.source, issue.column, issue.rule, issue.rows) == (
        str(path),
        "capacity_hours",
        "must be > 0",
        (line(1),),
    )


def test_seniority_outside_1_to_5(tables, tmp_path):
    customers, reps = tables
    reps.loc[0, "seniority"] = 0
    reps.loc[2, "seniority"] = 6
    path = write(tmp_path, "reps.csv", reps)
    issue = only_issue(build_error(customers, path))
    assert (issue.column, issue.rule) == ("seniority", "must be a whole number 1..5")
    assert issue.rows == (line(0), line(2))


def test_seniority_defaults_to_3(tables):
    customers, reps = tables
    reps = reps.drop(columns=["seniority"])
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    assert problem.reps["seniority"].tolist() == [3, 3, 3, 3]


def test_fractional_seniority_is_rejected(tables, tmp_path):
    customers, reps = tables
    reps.loc[1, "seniority"] = 2.5
    path = write(tmp_path, "reps.csv", reps)
    error = build_error(customers, path)
    issue = issue_for(error, "seniority", "must be a whole number 1..5")
    assert issue.rows == (line(1),)


@pytest.mark.parametrize("bad", [-0.1, 1.01])
def test_performance_outside_0_to_1(tables, tmp_path, bad):
    customers, reps = tables
    reps.loc[3, "performance"] = bad
    path = write(tmp_path, "reps.csv", reps)
    issue = only_issue(build_error(customers, path))
    assert (issue.column, issue.rule, issue.rows) == (
        "performance",
        "must be between 0 and 1",
        (line(3),),
    )


# ---------------------------------------------------------------- active and reps references


@pytest.mark.parametrize("word", ["maybe", "2", "active", "nein"])
def test_bad_active_word(tables, tmp_path, word):
    customers, reps = tables
    reps.loc[2, "active"] = word
    path = write(tmp_path, "reps.csv", reps)
    issue = only_issue(build_error(customers, path))
    assert (issue.column, issue.rule, issue.rows) == ("active", "must be true or false", (line(2),))
    assert issue.detail == f"got {word!r}"


@pytest.mark.parametrize(
    ("word", "active"),
    [("TRUE", True), ("yes", True), ("1", True), ("", True), ("No", False), ("f", False)],
)
def test_active_words_accepted(tables, word, active):
    customers, reps = tables
    reps.loc[2, "active"] = word
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    assert bool(problem.reps.loc[2, "active"]) is active


def test_unknown_rep_in_current_rep_and_protected_rep(tables, tmp_path):
    customers, reps = tables
    customers.loc[4, "current_rep"] = "R9"
    customers.loc[6, "protected_rep"] = "RX"
    customers.loc[6, "protected_until"] = "2027-06-30"
    path = write(tmp_path, "customers.csv", customers)
    error = build_error(path, reps)
    assert len(error.issues) == 2
    rule = "names a rep that is not in the reps table"
    current = issue_for(error, "current_rep", rule)
    assert current.rows == (line(4),) and current.detail == "got 'R9'"
    protected = issue_for(error, "protected_rep", rule)
    assert protected.rows == (line(6),) and protected.detail == "got 'RX'"


STRICT_LEAVING = {**SMALL_SCENARIO, "rules": {"leaving_rep_protection": "error"}}


def test_protection_in_force_held_by_leaving_rep_is_an_error_in_strict_mode(tables, tmp_path):
    customers, reps = tables
    customers.loc[5, "protected_rep"] = "R3"  # R3 is leaving
    customers.loc[5, "protected_until"] = "2027-03-31"
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps, STRICT_LEAVING))
    assert issue.column == "protected_rep"
    assert issue.rule == (
        "protection in force on 2027-01-01 is held by a leaving rep (active = false; "
        'rules.leaving_rep_protection = "error")'
    )
    assert issue.rows == (line(5),)
    assert issue.detail == "got 'R3'"


def test_protection_of_leaving_rep_is_released_by_default(tables):
    customers, reps = tables
    customers.loc[5, "protected_rep"] = "R3"  # R3 is leaving
    customers.loc[5, "protected_until"] = "2027-03-31"
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    assert problem.forced[5] == -1  # the protection lapsed with its rep
    plan = solver.solve_problem(problem)
    row = plan.assignments.set_index("customer_id").loc["C005"]
    assert row["rep_id"] != "R3"
    assert "protection of leaving rep R3 until 2027-03-31 released" in row["forced_by"]
    assert plan.metrics["after"]["released_protections"] == 1
    # the input cells are carried through untouched
    assert row["protected_rep"] == "R3"


def test_protection_ending_on_as_of_still_holds(tables):
    customers, reps = tables
    customers.loc[5, "protected_rep"] = "R3"
    customers.loc[5, "protected_until"] = "2027-01-01"  # == as_of: still in force
    issue = only_issue(build_error(customers, reps, STRICT_LEAVING))
    assert issue.column == "protected_rep"
    assert issue.rule.startswith("protection in force on 2027-01-01")
    assert issue.rows == (5,)


def test_expired_protection_of_leaving_rep_is_not_an_error(tables):
    customers, reps = tables
    customers.loc[5, "protected_rep"] = "R3"
    customers.loc[5, "protected_until"] = "2026-12-31"  # the day before as_of
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    assert problem.forced[5] == -1  # nothing forces C005 to stay with R3
    assert problem.forced[0] == 0  # C000's own protection (R0) still holds


def test_unparseable_protected_until(tables, tmp_path):
    customers, reps = tables
    for position, text in ((3, "30/06/2027"), (4, "2027-02-30"), (5, "soon")):
        customers.loc[position, "protected_rep"] = "R1"
        customers.loc[position, "protected_until"] = text
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule) == ("protected_until", "not a date in YYYY-MM-DD form")
    assert issue.rows == (line(3), line(4), line(5))
    assert issue.detail == "got '30/06/2027', '2027-02-30', 'soon'"


def test_protected_rep_without_protected_until(tables, tmp_path):
    customers, reps = tables
    customers.loc[7, "protected_rep"] = "R2"
    customers.loc[7, "protected_until"] = ""
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule, issue.rows) == (
        "protected_until",
        "protected_rep is set but protected_until is empty",
        (line(7),),
    )


def test_protected_until_without_protected_rep(tables, tmp_path):
    customers, reps = tables
    customers.loc[7, "protected_until"] = "2027-06-30"
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule, issue.rows) == (
        "protected_rep",
        "protected_until is set but protected_rep is empty",
        (line(7),),
    )


def test_protected_until_as_date_objects_in_a_frame(tables):
    customers, reps = tables
    customers["protected_until"] = [
        dt.date(2027, 6, 30) if text else None for text in customers["protected_until"]
    ]
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    assert problem.forced[:3].tolist() == [0, 1, -1]


def test_protected_until_as_datetime64_column_in_a_frame(tables):
    customers, reps = tables
    customers["protected_until"] = pd.to_datetime(
        customers["protected_until"].replace("", None), format="%Y-%m-%d"
    )
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    assert problem.forced[:3].tolist() == [0, 1, -1]


# ---------------------------------------------------------------- whole files


def test_header_only_customers_file(tables, tmp_path):
    _, reps = tables
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,lat,lon,value\n", encoding="utf-8")
    issue = only_issue(build_error(path, reps))
    assert (issue.source, issue.column, issue.rule, issue.rows) == (
        str(path),
        "",
        "no customers in the file (header only)",
        (),
    )


def test_header_only_reps_file(tables, tmp_path):
    customers, _ = tables
    path = tmp_path / "reps.csv"
    path.write_text("rep_id,lat,lon,capacity_hours\n", encoding="utf-8")
    error = build_error(customers, path)
    issue = issue_for(error, "", "no reps in the file (header only)")
    assert issue.source == str(path)


def test_empty_file(tables, tmp_path):
    _, reps = tables
    path = tmp_path / "customers.csv"
    path.write_bytes(b"")
    issue = only_issue(build_error(path, reps))
    assert (issue.source, issue.column, issue.rule) == (
        str(path),
        "",
        "file is empty (no header row)",
    )


@pytest.mark.parametrize("which", ["customers", "reps"])
def test_missing_file(tables, tmp_path, which):
    customers, reps = tables
    path = tmp_path / f"no-{which}.csv"
    args = (path, reps) if which == "customers" else (customers, path)
    issue = only_issue(build_error(*args))
    assert (issue.source, issue.column, issue.rule) == (str(path), "", "file not found")


def test_several_problems_in_both_files_reported_together(tables, tmp_path):
    customers, reps = tables
    customers.loc[2, "value"] = -1
    customers.loc[5, "lat"] = "north"
    customers.loc[9, "effort_hours"] = 0
    reps.loc[0, "capacity_hours"] = 0
    reps.loc[2, "performance"] = 2
    c_path = write(tmp_path, "customers.csv", customers)
    r_path = write(tmp_path, "reps.csv", reps)
    error = build_error(c_path, r_path)
    got = {(i.source, i.column, i.rule, i.rows) for i in error.issues}
    assert got == {
        (str(c_path), "value", "must be >= 0", (line(2),)),
        (str(c_path), "lat", "not a number", (line(5),)),
        (str(c_path), "effort_hours", "must be > 0", (line(9),)),
        (str(r_path), "capacity_hours", "must be > 0", (line(0),)),
        (str(r_path), "performance", "must be between 0 and 1", (line(2),)),
    }
    assert str(error).startswith("5 problem(s) in the input:")


def test_missing_customers_file_and_bad_reps_reported_together(tables, tmp_path):
    _, reps = tables
    reps.loc[0, "capacity_hours"] = -1
    r_path = write(tmp_path, "reps.csv", reps)
    c_path = tmp_path / "missing.csv"
    error = build_error(c_path, r_path)
    got = {(i.source, i.rule) for i in error.issues}
    assert got == {(str(c_path), "file not found"), (str(r_path), "must be > 0")}


def test_message_names_file_row_and_column(tables, tmp_path):
    customers, reps = tables
    customers.loc[3, "value"] = "n/a"
    customers.loc[4, "value"] = "?"
    customers.loc[8, "lon"] = 999
    path = write(tmp_path, "customers.csv", customers)
    text = str(build_error(path, reps))
    lines = text.splitlines()
    assert lines[0] == "2 problem(s) in the input:"
    assert f"  - {path}, rows 5, 6, column 'value': not a number (got 'n/a', '?')" in lines
    assert f"  - {path}, row 10, column 'lon': longitude outside -180..180 (got '999')" in lines


def test_frame_rows_are_positions(tables):
    customers, reps = tables
    customers.loc[3, "value"] = -2
    issue = only_issue(build_error(customers, reps))
    assert issue.source == "customers (DataFrame)"
    assert issue.rows == (3,)
    assert "customers (DataFrame), row 3 (counting from 0), column 'value'" in str(issue)


def test_parquet_rows_say_they_count_from_0(tables, tmp_path):
    customers, reps = tables
    customers.loc[[0, 4], "value"] = -2
    path = tmp_path / "customers.parquet"
    customers.to_parquet(path)
    issue = only_issue(build_error(path, reps))
    assert issue.rows == (0, 4)
    assert f"{path}, rows 0, 4 (counting from 0), column 'value'" in str(issue)


def test_csv_with_bom_and_spaces_after_commas(tables, tmp_path):
    customers, reps = tables
    path = write(tmp_path, "customers.csv", customers)
    text = path.read_text(encoding="utf-8").replace(",", ", ")
    path.write_text("\ufeff" + text, encoding="utf-8")
    problem = solver.Problem.build(path, reps, SMALL_SCENARIO)
    assert problem.customers["customer_id"].tolist() == [f"C{i:03d}" for i in range(12)]


# ---------------------------------------------------------------- derived columns, carry-through


def _twenty(tables):
    """The tables with 20 customers K00..K19 and no protections."""
    customers, reps = tables
    customers = pd.concat([customers, customers.iloc[:8]], ignore_index=True)
    customers["customer_id"] = [f"K{i:02d}" for i in range(20)]
    return customers.assign(protected_rep="", protected_until=""), reps


def test_tier_derived_from_value_when_absent(tables):
    customers, reps = _twenty(tables)
    customers["value"] = [float(v) for v in np.arange(20, 0, -1) * 1000]  # K00 most valuable
    assert "tier" not in customers.columns
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    # top 10 % (2 of 20) A, next 30 % (6) B, the rest C
    assert problem.customers["tier"].tolist() == ["A"] * 2 + ["B"] * 6 + ["C"] * 12


def test_tied_values_take_tiers_in_row_order(tables):
    customers, reps = _twenty(tables)
    customers["value"] = [5000.0] * 10 + [9000.0] + [5000.0] * 9  # K10 alone on top
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    tiers = problem.customers["tier"].tolist()
    assert tiers[10] == "A"  # the largest value, then the first of the tied ones
    assert tiers[:10] == ["A"] + ["B"] * 6 + ["C"] * 3
    assert tiers[11:] == ["C"] * 9


def test_given_tiers_are_kept_and_blank_ones_derived(tables):
    customers, reps = tables
    customers["value"] = [float(v) for v in range(1, 13)]  # C011 most valuable
    customers["tier"] = ""
    customers.loc[0, "tier"] = "a"  # lowest value, but tier given: kept (upper-cased)
    customers.loc[11, "tier"] = "C"  # highest value, but tier given: kept
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    tiers = problem.customers["tier"].tolist()
    assert tiers[0] == "A"
    assert tiers[11] == "C"
    assert tiers[1:11] == ["C"] * 7 + ["B"] * 3


def test_bad_tier(tables, tmp_path):
    customers, reps = tables
    customers["tier"] = "B"
    customers.loc[6, "tier"] = "D"
    path = write(tmp_path, "customers.csv", customers)
    issue = only_issue(build_error(path, reps))
    assert (issue.column, issue.rule, issue.rows) == ("tier", "must be A, B or C", (line(6),))


def test_effort_default_by_tier(tables, tmp_path):
    customers, reps = tables
    customers["tier"] = ["A", "B", "C"] * 4
    customers["effort_hours"] = ""
    customers.loc[3, "effort_hours"] = "7.5"  # given effort wins over the tier default
    path = write(tmp_path, "customers.csv", customers)
    problem = solver.Problem.build(path, reps, SMALL_SCENARIO)
    effort = problem.customers["effort_hours"].tolist()
    assert effort == [24.0, 12.0, 6.0, 7.5, 12.0, 6.0] + [24.0, 12.0, 6.0] * 2


def test_effort_default_when_column_absent(tables):
    customers, reps = tables
    customers = customers.drop(columns=["effort_hours"])
    customers["tier"] = ["C", "B", "A"] * 4
    problem = solver.Problem.build(customers, reps, SMALL_SCENARIO)
    assert problem.customers["effort_hours"].tolist() == [6.0, 12.0, 24.0] * 4


def test_extra_columns_carried_through_to_the_plan(tmp_path):
    customers, reps = make_instance(n=20, m=4, seed=3)
    customers["name"] = [f"Account {i}" for i in range(20)]
    customers["crm_key"] = [f"00{i}" for i in range(20)]  # leading zeros must survive
    customers["reason"] = "imported"  # clashes with an output column
    reps["nickname"] = ["Ann", "Bob", "Cy", "Di"]
    c_path = write(tmp_path, "customers.csv", customers)
    r_path = write(tmp_path, "reps.csv", reps)
    plan = solver.solve(c_path, r_path, SMALL_SCENARIO)
    rows = plan.assignments
    assert rows["customer_id"].tolist() == customers["customer_id"].tolist()
    assert rows["name"].tolist() == customers["name"].tolist()
    assert rows["crm_key"].tolist() == customers["crm_key"].tolist()
    assert rows["input_reason"].tolist() == ["imported"] * 20
    assert (rows["reason"] != "imported").all()
    assert plan.reps["nickname"].tolist() == ["Ann", "Bob", "Cy", "Di"]
