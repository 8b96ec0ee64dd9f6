"""Inputs as analysts have them: Excel workbooks, foreign headers, European CSV, and the
silent pitfalls (specialty spelling, swapped coordinates)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import solver
from solver.cli.main import app
from solver.inputs.columns import ColumnWarning, ShareWarning
from solver.inputs.locations import LocationWarning, location_warnings
from solver.problem import load_inputs
from solver.scenario import Scenario
from tests.instances import SMALL_SCENARIO, make_instance

runner = CliRunner()
SCN = Scenario.from_dict(SMALL_SCENARIO)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def numeric_ids() -> tuple[pd.DataFrame, pd.DataFrame]:
    """An instance whose customer and rep ids are numbers, as a CRM export has them."""
    customers, reps = make_instance(n=12, m=4, seed=0)
    rep_ids = {f"R{j}": 1000 + j for j in range(4)}
    reps["rep_id"] = reps["rep_id"].map(rep_ids)
    customers["current_rep"] = customers["current_rep"].map(rep_ids)
    customers["protected_rep"] = customers["protected_rep"].map(rep_ids).astype("Int64")
    customers["customer_id"] = np.arange(5001, 5013)
    return customers, reps


def write_book(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


def test_excel_number_ids_come_back_as_typed(numeric_ids, tmp_path):
    customers, reps = numeric_ids
    book = write_book(
        tmp_path / "book.xlsx", {"Notes": pd.DataFrame({"x": [1]}), "Accounts": customers}
    )
    reps_book = write_book(tmp_path / "reps.xlsx", {"Reps": reps})
    customers_df, reps_df = load_inputs(f"{book}#Accounts", reps_book, SCN)
    assert customers_df["customer_id"].tolist()[:2] == ["5001", "5002"]
    assert reps_df["rep_id"].tolist() == ["1000", "1001", "1002", "1003"]
    assert customers_df["current_rep"].isin(reps_df["rep_id"]).all()
    assert customers_df["protected_rep"].iloc[0] == "1000"
    plan = solver.solve(f"{book}#Accounts", reps_book, SCN)
    assert set(plan.assignments["rep_id"]) <= {"1000", "1001", "1002", "1003"}


def test_excel_bad_cell_names_sheet_and_excel_row(numeric_ids, tmp_path):
    customers, reps = numeric_ids
    customers = customers.astype(object)
    customers.loc[4, "value"] = "n/a"  # sixth row of the sheet: header is row 1
    book = write_book(tmp_path / "book.xlsx", {"Accounts": customers, "Reps": reps})
    with pytest.raises(solver.InputError) as info:
        load_inputs(f"{book}#Accounts", f"{book}#Reps", SCN)
    (issue,) = info.value.issues
    assert issue.source == f"{book}#Accounts"
    assert issue.rows == (6,)
    assert issue.column == "value"
    assert "'n/a'" in issue.detail


def test_excel_unknown_sheet_lists_the_sheets(numeric_ids, tmp_path):
    customers, reps = numeric_ids
    book = write_book(tmp_path / "book.xlsx", {"Accounts": customers, "Reps": reps})
    with pytest.raises(solver.InputError) as info:
        load_inputs(f"{book}#Accounts", f"{book}#Rep", SCN)
    text = str(info.value)
    assert "no sheet named 'Rep'" in text and "'Accounts', 'Reps'" in text


def test_locks_from_a_workbook(numeric_ids, tmp_path):
    customers, reps = numeric_ids
    write_book(tmp_path / "book.xlsx", {"Accounts": customers, "Reps": reps})
    write_book(
        tmp_path / "locks.xlsx", {"Locks": pd.DataFrame({"customer_id": [5005], "rep_id": [1002]})}
    )
    toml = tmp_path / "scenario.toml"
    toml.write_text('as_of = 2027-01-01\ntime_limit_s = 5\n[rules]\nlocks = "locks.xlsx"\n')
    scenario = Scenario.from_toml(toml)
    assert scenario.rules.locks == (("5005", "1002"),)
    plan = solver.solve(
        f"{tmp_path / 'book.xlsx'}#Accounts", f"{tmp_path / 'book.xlsx'}#Reps", scenario
    )
    row = plan.assignments.set_index("customer_id").loc["5005"]
    assert row["rep_id"] == "1002"


def test_missing_column_suggests_the_contract_name(tmp_path):
    customers, reps = make_instance(n=12, m=4, seed=0)
    renamed = customers.rename(
        columns={"customer_id": "Customer ID", "lat": "Latitude", "lon": "lng"}
    )
    with pytest.raises(solver.InputError) as info:
        load_inputs(renamed, reps, SCN)
    by_column = {i.column: i.detail for i in info.value.issues}
    assert "'Latitude': did you mean `lat`?" in by_column["lat"]
    assert "'lng': did you mean `lon`?" in by_column["lon"]
    assert "'Customer ID': did you mean `customer_id`?" in by_column["customer_id"]


def test_scenario_columns_table_maps_headers(tmp_path):
    customers, reps = make_instance(n=12, m=4, seed=0)
    renamed = customers.rename(
        columns={"customer_id": "Account ID", "current_rep": "Account Owner"}
    )
    scenario = SCN.replace(
        columns={"customers": {"customer_id": "Account ID", "current_rep": "Account Owner"}}
    )
    customers_df, _ = load_inputs(renamed, reps, scenario)
    assert customers_df["customer_id"].tolist() == customers["customer_id"].tolist()
    assert customers_df["current_rep"].tolist() == customers["current_rep"].tolist()
    plan = solver.solve(renamed, reps, scenario)  # the solve reads the mapped frame again
    assert len(plan.assignments) == 12


def test_mapping_a_header_that_is_not_there_is_an_error():
    customers, reps = make_instance(n=12, m=4, seed=0)
    renamed = customers.rename(columns={"customer_id": "Account ID"})
    scenario = SCN.replace(columns={"customers": {"customer_id": "Acount ID"}})
    with pytest.raises(solver.InputError) as info:
        load_inputs(renamed, reps, scenario)
    assert any(i.column == "Acount ID" and "not in the file" in i.rule for i in info.value.issues)


def test_cli_columns_file_and_european_csv(tmp_path):
    customers, reps = make_instance(n=12, m=4, seed=0)
    customers = customers.rename(columns={"customer_id": "Kundennr", "lat": "Breite"})
    customers["name"] = "Müller GmbH"
    c_path, r_path = tmp_path / "kunden.csv", tmp_path / "reps.csv"
    customers.to_csv(c_path, sep=";", decimal=",", index=False, encoding="cp1252")
    reps.to_csv(r_path, sep=";", decimal=",", index=False, encoding="cp1252")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[customers]\ncustomer_id = "Kundennr"\nlat = "Breite"\n')
    base = ["solve", "--customers", str(c_path), "--reps", str(r_path), "-q"]
    base += ["--as-of", "2027-01-01", "--time-limit", "5"]
    strict = runner.invoke(app, [*base, "--out", str(tmp_path / "a")])
    assert strict.exit_code == 3
    assert "--encoding cp1252" in flat(strict.output)
    eu = ["--sep", ";", "--decimal", ",", "--encoding", "cp1252", "--columns", str(mapping)]
    result = runner.invoke(app, [*base, *eu, "--out", str(tmp_path / "b"), "--xlsx"])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "b" / "assignments.csv", dtype=str)
    assert out["customer_id"].tolist() == [f"C{i:03d}" for i in range(12)]
    assert out["name"].iloc[0] == "Müller GmbH"
    lat = out.set_index("customer_id")["lat"].astype(float)
    assert lat.iloc[0] == pytest.approx(customers["Breite"].iloc[0])


def test_xlsx_output_keeps_formula_text_as_text(tmp_path):
    from openpyxl import load_workbook

    customers, reps = make_instance(n=12, m=4, seed=0)
    customers["note"] = '=HYPERLINK("http://example.com","x")'
    c_path, r_path = tmp_path / "c.csv", tmp_path / "r.csv"
    customers.to_csv(c_path, index=False)
    reps.to_csv(r_path, index=False)
    args = ["solve", "--customers", str(c_path), "--reps", str(r_path), "-q", "--xlsx"]
    args += ["--as-of", "2027-01-01", "--time-limit", "5", "--out", str(tmp_path / "p")]
    assert runner.invoke(app, args).exit_code == 0
    sheet = load_workbook(tmp_path / "p" / "assignments.xlsx").active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("note") + 1)
    assert cell.data_type == "s"  # text, never a formula
    assert cell.value == '=HYPERLINK("http://example.com","x")'
    ids = [sheet.cell(row=r, column=1).value for r in range(2, 14)]
    assert ids == [f"C{i:03d}" for i in range(12)]


def test_specialty_matching_ignores_case_and_spaces():
    customers, reps = make_instance(n=12, m=4, seed=0)
    shouted = customers.assign(segment=customers["segment"].str.upper() + "  ")
    respaced = reps.assign(specialties=" " + reps["specialties"].str.title())
    plain = solver.Problem.build(customers, reps, SCN)
    odd = solver.Problem.build(shouted, respaced, SCN)
    assert plain.pair_terms["specialty"].sum() > 0  # some accounts do sit outside
    np.testing.assert_array_equal(odd.pair_terms["specialty"], plain.pair_terms["specialty"])


def test_swapped_coordinates_warn():
    customers, reps = make_instance(n=12, m=4, seed=0)
    # the US east (lon -87) read as latitude: valid numbers, nobody lives there
    both = [f.assign(lat=f["lon"] + 10, lon=f["lat"]) for f in (customers, reps)]
    assert any("inhabited latitudes" in m for m in location_warnings(*both))
    # only the customers swapped (Europe-like numbers, both in range): another continent
    europe = [f.assign(lat=f["lat"] + 16, lon=f["lon"] + 108) for f in (customers, reps)]
    swapped = europe[0].assign(lat=europe[0]["lon"], lon=europe[0]["lat"])
    assert any("different continents" in m for m in location_warnings(swapped, europe[1]))
    assert location_warnings(*europe) == []
    with pytest.warns(LocationWarning, match="swapped"):
        load_inputs(swapped, europe[1], SCN)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LocationWarning)
        load_inputs(customers, reps, SCN)  # a sound instance warns nothing


def test_float_ids_of_a_dataframe_are_whole_numbers(numeric_ids):
    """pandas reads an id column with a blank as floats: 1001.0 is still rep 1001."""
    customers, reps = numeric_ids
    customers = customers.assign(current_rep=customers["current_rep"].astype(float))
    customers.loc[3, "current_rep"] = np.nan
    customers_df, _ = load_inputs(customers, reps.assign(rep_id=reps["rep_id"].astype(float)), SCN)
    assert customers_df["current_rep"].iloc[0] in {"1000", "1001", "1002", "1003"}
    assert customers_df["current_rep"].iloc[3] == ""


def test_an_optional_column_under_another_name_is_named_not_silently_ignored():
    customers, reps = make_instance(n=12, m=4, seed=0)
    renamed = customers.rename(columns={"current_rep": "Account Owner"})
    with pytest.warns(ColumnWarning, match="'Account Owner' looks like `current_rep`"):
        load_inputs(renamed, reps, SCN)
    mapped = SCN.replace(columns={"customers": {"current_rep": "Account Owner"}})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ColumnWarning)
        customers_df, _ = load_inputs(renamed, reps, mapped)
    assert customers_df["current_rep"].tolist() == customers["current_rep"].tolist()


def test_a_zero_quota_under_a_hard_band_is_named():
    customers, reps = make_instance(n=12, m=4, seed=0)
    reps = reps.assign(quota=[1.0, 0.0, 1.0, 1.0])
    banded = SCN.replace(balance=[{"measure": "value", "share": "quota", "band": [0.5, 2.0]}])
    zero_id = reps["rep_id"].iloc[1]
    with pytest.warns(ShareWarning, match=f"'quota' is 0 for active rep\\(s\\) {zero_id}"):
        load_inputs(customers, reps, banded)
    soft = SCN.replace(balance=[{"measure": "value", "share": "quota", "weight": 1.0}])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ShareWarning)
        load_inputs(customers, reps, soft)  # a soft table only pulls: no warning
        load_inputs(customers, reps.assign(active=[True, False, True, True]), banded)


def test_a_balance_column_the_file_lacks_names_the_likely_header():
    customers, reps = make_instance(n=12, m=4, seed=0)
    reps = reps.assign(quota=1.0)
    wrong = SCN.replace(balance=[{"measure": "Value", "share": "quotas", "band": [0.5, 2.0]}])
    with pytest.raises(solver.InputError) as info:
        load_inputs(customers, reps, wrong)
    issues = {i.column: i for i in info.value.issues}
    assert issues["quotas"].rule == "column named by a [[balance]] table is missing"
    assert issues["quotas"].detail == "the file has 'quota': correct the name in the scenario"
    assert "the file has 'value'" in issues["Value"].detail


def test_a_rep_file_without_rep_ids_does_not_blame_every_customers_rep(tmp_path):
    customers, reps = make_instance(n=12, m=4, seed=0)
    customers_path, reps_path = tmp_path / "c.csv", tmp_path / "r.csv"
    customers.to_csv(customers_path, index=False)
    reps.to_csv(reps_path, index=False, sep=";")  # read with ',': one column, no rep_id
    with pytest.raises(solver.InputError) as info:
        load_inputs(customers_path, reps_path, SCN)
    assert [i.source for i in info.value.issues] == [str(reps_path)]
    assert "required column is missing" in info.value.issues[0].rule
