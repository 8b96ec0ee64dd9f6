"""CRM change-sets from a solved plan: only moved accounts, exact undo, stable batch ids,
id validation, rep -> CRM user mapping, drift detection and the ``territory export`` command.

The plan is ``make_instance(n=40, m=5, seed=3)`` solved once: rep R4 is leaving, so every
account it holds moves. Customers carry an account id for each CRM (``sf_account_id``,
``hubspot_company_id``, ``dynamics_account_id``, ``odoo_partner_id``) plus a generic
``crm_account_id``; reps carry ``sf_user_id``, ``email``, ``dynamics_user_id`` and
``odoo_user_id``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import solver
from solver.cli.export import export
from solver.errors import EXIT_INVALID_INPUT, InputError
from solver.export import export_changes, get_format
from solver.export.dynamics import guid_problem
from solver.export.hubspot import email_problem
from solver.export.odoo import int_id_problem
from solver.export.salesforce import checksum_suffix, id_problem, to_18
from solver.inputs.io import restore_formula_text
from tests.instances import SMALL_SCENARIO, make_instance

HYPERLINK = '=HYPERLINK("http://evil.example","open")'
ODD_EMAIL = "+west-desk@example.com"  # valid address whose first character is a formula leader

FORMATS = {  # format: (account column, owner column, header of the import file)
    "generic": ("crm_account_id", None, None),
    "salesforce": ("sf_account_id", "sf_user_id", ["Id", "OwnerId"]),
    "hubspot": ("hubspot_company_id", "email", ["Record ID", "Company owner"]),
    "dynamics": ("dynamics_account_id", "dynamics_user_id", ["accountid", "ownerid"]),
    "odoo": ("odoo_partner_id", "odoo_user_id", [".id", "user_id/.id"]),
}
GENERIC_HEADER = [
    "batch_id",
    "seq",
    "customer_id",
    "account_id",
    "old_owner",
    "new_owner",
    "old_owner_user",
    "new_owner_user",
    "reason",
    "forced_by",
]


def sf_id(prefix: str, i: int, long: bool) -> str:
    """A well-formed Salesforce id with mixed letter case (so the checksum is not AAA)."""
    id15 = f"{prefix}Qx0Zm{i:07d}"
    return to_18(id15) if long else id15


def guid(kind: int, i: int) -> str:
    return f"{kind:08x}-0000-4000-8000-{i + 1:012x}"


def crm_instance() -> tuple[pd.DataFrame, pd.DataFrame]:
    customers, reps = make_instance(n=40, m=5, seed=3)
    n = len(customers)
    customers["sf_account_id"] = [sf_id("001", i, long=i % 2 == 0) for i in range(n)]
    customers["hubspot_company_id"] = [str(9_000_000_000 + i) for i in range(n)]
    customers["dynamics_account_id"] = [guid(0xACC, i) for i in range(n)]
    customers["odoo_partner_id"] = [str(100 + i) for i in range(n)]
    customers["crm_account_id"] = [f"ACC-{i:04d}" for i in range(n)]
    leaving = customers.index[customers["current_rep"] == "R4"]
    customers.loc[leaving[0], "crm_account_id"] = HYPERLINK  # this account must move
    reps["sf_user_id"] = [sf_id("005", j, long=j % 2 == 1) for j in range(len(reps))]
    reps["email"] = [f"rep{j}@example.com" for j in range(len(reps))]
    reps.loc[1, "email"] = ODD_EMAIL
    reps["dynamics_user_id"] = [guid(0x05E, j) for j in range(len(reps))]
    reps["odoo_user_id"] = [str(7 + j) for j in range(len(reps))]
    return customers, reps


@pytest.fixture(scope="module")
def instance() -> tuple[pd.DataFrame, pd.DataFrame]:
    return crm_instance()


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory, instance) -> Path:
    customers, reps = instance
    folder = tmp_path_factory.mktemp("plan")
    solver.solve(customers, reps, SMALL_SCENARIO).write(folder)
    return folder


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def moves_of(plan: Path) -> list[tuple[str, str, str]]:
    """(customer, old rep, new rep) of every account whose owner changes, in plan order."""
    rows = read(plan / "assignments.csv")
    rows = rows[rows["previous_rep"] != rows["rep_id"]]
    return list(zip(rows["customer_id"], rows["previous_rep"], rows["rep_id"], strict=True))


def lookup(frame: pd.DataFrame, key: str, value: str) -> dict[str, str]:
    return dict(zip(frame[key], frame[value], strict=True))


def copy_plan(plan_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(plan_dir, tmp_path / "plan"))


def set_cells(path: Path, key: str, keys: list[str], column: str, value) -> None:
    """In the CSV at ``path``, set ``column`` to ``value`` on rows whose ``key`` is in ``keys``
    (``value`` may be a column name prefixed with ``@`` to copy that column)."""
    frame = read(path)
    rows = frame[key].isin(keys)
    if isinstance(value, str) and value.startswith("@"):
        frame.loc[rows, column] = frame.loc[rows, value[1:]]
    else:
        frame.loc[rows, column] = value
    frame.to_csv(path, index=False)


def line_of(plan: Path, customer: str) -> int:
    rows = read(plan / "assignments.csv")
    return int(rows.index[rows["customer_id"] == customer][0]) + 2


def nothing_written(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


# ------------------------------------------------------------------- every format


def test_plan_moves_accounts_of_the_leaving_rep(plan_dir):
    moves = moves_of(plan_dir)
    assert moves and all(new != "R4" for _, _, new in moves)
    assert {c for c, old, _ in moves if old == "R4"}  # the leaving rep's accounts move


def test_generic_lists_only_moved_accounts_with_old_and_new_owner(plan_dir, tmp_path):
    result = export_changes(plan_dir, "generic", tmp_path / "out" / "changes.csv")
    rows = read(result.changes_path).map(restore_formula_text)
    assert list(rows.columns) == GENERIC_HEADER
    moves = moves_of(plan_dir)
    assert list(zip(rows["customer_id"], rows["old_owner"], rows["new_owner"], strict=True)) == (
        moves
    )
    assert result.changes == len(moves) and result.accounts == 40
    assert set(rows["batch_id"]) == {result.batch_id}
    assert rows["seq"].tolist() == [str(i) for i in range(1, len(moves) + 1)]
    plan_rows = read(plan_dir / "assignments.csv").set_index("customer_id")
    assert rows["reason"].tolist() == plan_rows.loc[rows["customer_id"], "reason"].tolist()
    assert result.account_column == "crm_account_id"
    assert rows["account_id"].tolist() == [
        restore_formula_text(plan_rows.loc[c, "crm_account_id"]) for c in rows["customer_id"]
    ]


def test_generic_undo_is_the_exact_inverse(plan_dir, tmp_path):
    result = export_changes(plan_dir, "generic", tmp_path / "changes.csv")
    forward, undo = read(result.changes_path), read(result.undo_path)
    assert result.undo_path.name == "changes.undo.csv"
    assert list(undo.columns) == GENERIC_HEADER
    same = ["seq", "customer_id", "account_id"]
    assert undo[same].equals(forward[same])
    assert undo["old_owner"].tolist() == forward["new_owner"].tolist()
    assert undo["new_owner"].tolist() == forward["old_owner"].tolist()
    assert set(undo["batch_id"]) == {result.undo_batch_id} != {result.batch_id}


@pytest.mark.parametrize("fmt", ["salesforce", "hubspot", "dynamics", "odoo"])
def test_crm_file_moves_accounts_and_undo_moves_them_back(plan_dir, instance, tmp_path, fmt):
    customers, reps = instance
    account_col, owner_col, header = FORMATS[fmt]
    result = export_changes(plan_dir, fmt, tmp_path / f"{fmt}.csv")
    account = lookup(customers, "customer_id", account_col)
    user = lookup(reps, "rep_id", owner_col)
    moves = moves_of(plan_dir)

    forward, undo = read(result.changes_path), read(result.undo_path)
    assert list(forward.columns) == header and list(undo.columns) == header
    key, owner = header
    assert list(zip(forward[key], forward[owner], strict=True)) == [
        (account[c], user[new]) for c, _, new in moves
    ]
    assert list(zip(undo[key], undo[owner], strict=True)) == [
        (account[c], user[old]) for c, old, _ in moves
    ]
    # apply to a simulated CRM: forward reaches the plan, twice is harmless, undo restores
    before = {
        account[c]: user[r]
        for c, r in zip(customers["customer_id"], customers["current_rep"], strict=True)
    }
    crm = dict(before)
    for _ in range(2):
        crm.update(zip(forward[key], forward[owner], strict=True))
        plan = read(plan_dir / "assignments.csv")
        assert crm == {
            account[c]: user[r] for c, r in zip(plan["customer_id"], plan["rep_id"], strict=True)
        }
    crm.update(zip(undo[key], undo[owner], strict=True))
    assert crm == before


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_manifest_carries_expected_old_owner_and_file_hashes(plan_dir, tmp_path, fmt):
    result = export_changes(plan_dir, fmt, tmp_path / "c.csv")
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["batch_id"] == result.batch_id and manifest["format"] == fmt
    assert manifest["counts"]["changes"] == result.changes
    assert [
        (r["customer_id"], r["expected_owner"], r["new_owner"]) for r in manifest["changes"]
    ] == moves_of(plan_dir)
    if fmt != "generic":
        assert all(r["expected_owner_user"] and r["new_owner_user"] for r in manifest["changes"])
    for entry, path in (("changes", result.changes_path), ("undo", result.undo_path)):
        assert manifest["files"][entry]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    cert = json.loads((plan_dir / "metrics.json").read_text())["certificate"]
    assert manifest["plan"]["input_fingerprints"] == cert["input_fingerprints"]


def test_same_plan_gives_same_batch_id_and_identical_files(plan_dir, tmp_path):
    batches = set()
    for fmt in FORMATS:
        first = export_changes(plan_dir, fmt, tmp_path / "a" / "c.csv")
        second = export_changes(plan_dir, fmt, tmp_path / "b" / "c.csv")
        for name in ("c.csv", "c.undo.csv", "c.manifest.json"):
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert first.batch_id == second.batch_id
        batches.add(first.batch_id)
        again = export_changes(plan_dir, fmt, tmp_path / "b" / "c.csv")  # same batch: allowed
        assert again.batch_id == first.batch_id
    assert len(batches) == 1  # one plan, one batch, whichever format


def test_a_different_plan_gets_another_batch_and_does_not_overwrite_silently(plan_dir, tmp_path):
    out = tmp_path / "out" / "c.csv"
    first = export_changes(plan_dir, "generic", out)
    other = copy_plan(plan_dir, tmp_path)
    customer = moves_of(plan_dir)[0][0]
    set_cells(other / "assignments.csv", "customer_id", [customer], "rep_id", "@previous_rep")
    with pytest.raises(InputError, match=f"batch {first.batch_id}"):
        export_changes(other, "generic", out)
    second = export_changes(other, "generic", out, overwrite=True)
    assert second.batch_id != first.batch_id and second.changes == first.changes - 1


def test_dry_run_checks_and_counts_but_writes_nothing(plan_dir, tmp_path):
    result = export_changes(plan_dir, "salesforce", tmp_path / "out" / "c.csv", dry_run=True)
    assert result.changes == len(moves_of(plan_dir)) and not result.written
    assert nothing_written(tmp_path / "out")


def test_account_column_is_an_explicit_option(plan_dir, tmp_path):
    result = export_changes(plan_dir, "generic", tmp_path / "c.csv", account_column="customer_id")
    rows = read(result.changes_path)
    assert rows["account_id"].tolist() == rows["customer_id"].tolist()
    with pytest.raises(InputError, match="account id column not in the plan"):
        export_changes(plan_dir, "generic", tmp_path / "d.csv", account_column="nope")


# ------------------------------------------------------------------- spreadsheet safety


def test_generic_csv_neutralises_formulas_and_crm_files_keep_values(plan_dir, tmp_path):
    generic = export_changes(plan_dir, "generic", tmp_path / "g.csv")
    cells = read(generic.changes_path)["account_id"].tolist()
    assert "'" + HYPERLINK in cells and HYPERLINK not in cells
    raw = read(plan_dir / "assignments.csv")
    assert HYPERLINK not in raw["crm_account_id"].tolist()  # the plan file was safe too

    hubspot = export_changes(plan_dir, "hubspot", tmp_path / "h.csv")
    text = hubspot.changes_path.read_text() + hubspot.undo_path.read_text()
    moved_to_or_from_r1 = any("R1" in (old, new) for _, old, new in moves_of(plan_dir))
    assert moved_to_or_from_r1 and f",{ODD_EMAIL}\n" in text and "'" not in text


# ------------------------------------------------------------------- id validation


@pytest.mark.parametrize(
    ("id15", "id18"),
    [  # public examples of the 15 -> 18 conversion
        ("001M000000qfPyS", "001M000000qfPySIAU"),
        ("a0D30000001n7Pi", "a0D30000001n7PiEAI"),
        ("a0RE000000IJmcN", "a0RE000000IJmcNMAT"),
        ("aaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaAAA"),
    ],
)
def test_salesforce_checksum_matches_public_examples(id15, id18):
    assert id15 + checksum_suffix(id15) == id18 == to_18(id15) == to_18(id18)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("001M000000qfPyS", None),
        ("001M000000qfPySIAU", None),
        ("001M000000qfPySIAV", "checksum mismatch"),
        ("001m000000qfpysIAU", "checksum mismatch"),  # letter case lost
        ("001M000000qfPy", "15 or 18 characters, not 14"),
        ("001M000000qfPySIA", "15 or 18 characters, not 17"),
        ("003M000000qfPyS", "must start with 001"),
        ("001M000000qf-yS", "only letters"),
        ("", "empty"),
    ],
)
def test_salesforce_account_id_rules(value, problem):
    found = id_problem(value, "001", "Account")
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(
    "bad",
    ["BADCHECKSUM", "001M000000qfPy", "003M000000qfPyS", HYPERLINK],
    ids=["checksum", "length", "prefix", "formula"],
)
def test_invalid_salesforce_account_id_is_rejected_naming_the_row(plan_dir, tmp_path, bad):
    plan = copy_plan(plan_dir, tmp_path)
    customer = moves_of(plan)[0][0]
    value = sf_id("001", 1, long=True)[:-1] + "X" if bad == "BADCHECKSUM" else bad
    set_cells(plan / "assignments.csv", "customer_id", [customer], "sf_account_id", value)
    out = tmp_path / "out" / "sf.csv"
    with pytest.raises(InputError) as caught:
        export_changes(plan, "salesforce", out)
    [issue] = caught.value.issues
    assert issue.column == "sf_account_id" and issue.rows == (line_of(plan, customer),)
    assert customer in str(issue) and "Salesforce account id" in issue.rule
    assert nothing_written(out.parent)


def test_salesforce_owner_must_be_a_user_id(plan_dir, tmp_path):
    plan = copy_plan(plan_dir, tmp_path)
    rep = moves_of(plan)[0][2]
    set_cells(plan / "reps.csv", "rep_id", [rep], "sf_user_id", "001M000000qfPySIAU")
    with pytest.raises(InputError, match=f"must start with 005.*rep {rep}"):
        export_changes(plan, "salesforce", tmp_path / "sf.csv")


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (email_problem, "ana.ruiz+tx@sales.example.com", "ana ruiz@example.com"),
        (email_problem, ODD_EMAIL, "ana@localhost"),
        (
            guid_problem,
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
        ),
        (
            guid_problem,
            "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
            "00000000-0000-0000-0000-000000000000",
        ),
        (int_id_problem, "42", "042"),
        (int_id_problem, "2147483647", "2147483648"),
    ],
)
def test_crm_id_rules(check, good, bad):
    assert check(good) is None and check(bad)


@pytest.mark.parametrize("fmt", ["hubspot", "dynamics", "odoo"])
def test_invalid_account_ids_are_rejected_for_every_crm(plan_dir, tmp_path, fmt):
    with pytest.raises(InputError) as caught:
        export_changes(plan_dir, fmt, tmp_path / "c.csv", account_column="crm_account_id")
    [issue] = caught.value.issues
    assert issue.column == "crm_account_id" and len(issue.rows) == len(moves_of(plan_dir))


def test_one_crm_account_on_two_customers_is_an_error(plan_dir, tmp_path):
    plan = copy_plan(plan_dir, tmp_path)
    moved = moves_of(plan)[0][0]
    other = next(c for c in read(plan / "assignments.csv")["customer_id"] if c != moved)
    set_cells(
        plan / "assignments.csv",
        "customer_id",
        [moved],
        "odoo_partner_id",
        str(100 + int(other[1:])),
    )
    with pytest.raises(InputError, match="one CRM account id on several customers"):
        export_changes(plan, "odoo", tmp_path / "c.csv")


# ------------------------------------------------------------------- rep -> CRM user mapping


def involved_reps(plan: Path) -> list[str]:
    return sorted({rep for _, old, new in moves_of(plan) for rep in (old, new)})


def test_missing_mapping_names_the_reps_and_a_mapping_file_fills_it(plan_dir, instance, tmp_path):
    plan = copy_plan(plan_dir, tmp_path)
    unmapped = involved_reps(plan)[:2]
    set_cells(plan / "reps.csv", "rep_id", unmapped, "email", "")
    out = tmp_path / "out" / "hs.csv"
    with pytest.raises(InputError) as caught:
        export_changes(plan, "hubspot", out)
    [issue] = caught.value.issues
    assert issue.column == "email" and all(rep in issue.detail for rep in unmapped)
    assert nothing_written(out.parent)

    _, reps = instance
    mapping = tmp_path / "owners.csv"
    reps[["rep_id", "email"]].to_csv(mapping, index=False)
    from_file = export_changes(plan, "hubspot", out, mapping=mapping)
    from_dict = export_changes(
        plan, "hubspot", tmp_path / "d.csv", mapping=lookup(reps, "rep_id", "email")
    )
    assert from_file.changes == from_dict.changes == len(moves_of(plan))
    assert out.read_bytes() == (tmp_path / "d.csv").read_bytes()


def test_no_mapping_column_at_all_names_the_reps(plan_dir, tmp_path):
    plan = copy_plan(plan_dir, tmp_path)
    reps_csv = plan / "reps.csv"
    read(reps_csv).drop(columns=["odoo_user_id"]).to_csv(reps_csv, index=False)
    with pytest.raises(InputError, match="no column maps reps to Odoo users") as caught:
        export_changes(plan, "odoo", tmp_path / "c.csv")
    assert all(rep in str(caught.value) for rep in involved_reps(plan))


def test_two_reps_on_one_crm_user_is_an_error(plan_dir, instance, tmp_path):
    _, reps = instance
    first, second = involved_reps(plan_dir)[:2]
    users = lookup(reps, "rep_id", "dynamics_user_id")
    users[second] = users[first].upper()
    with pytest.raises(InputError, match=f"same CRM user.*{first}, {second}"):
        export_changes(plan_dir, "dynamics", tmp_path / "c.csv", mapping=users)


def test_account_without_previous_owner_is_left_out_of_the_undo_unless_one_is_given(
    plan_dir, instance, tmp_path
):
    plan = copy_plan(plan_dir, tmp_path)
    rows = read(plan / "assignments.csv")
    kept = rows.loc[rows["previous_rep"] == rows["rep_id"], "customer_id"].iloc[0]
    set_cells(plan / "assignments.csv", "customer_id", [kept], "previous_rep", "")
    account = read(plan / "assignments.csv").set_index("customer_id").loc[kept, "sf_account_id"]
    plain = export_changes(plan, "salesforce", tmp_path / "plain.csv")
    assert plain.undo_skipped == (kept,)
    assert account in read(plain.changes_path)["Id"].tolist()
    assert account not in read(plain.undo_path)["Id"].tolist()
    assert len(read(plain.undo_path)) == plain.changes - 1
    manifest = json.loads(plain.manifest_path.read_text())
    assert manifest["undo_skipped"]["customer_ids"] == [kept]
    assert manifest["files"]["undo"]["rows"] == plain.changes - 1
    holder = sf_id("005", 99, long=True)
    result = export_changes(plan, "salesforce", tmp_path / "sf.csv", unassigned_owner=holder)
    assert result.undo_skipped == ()
    assert result.unowned_before == 1
    _, reps = instance
    undo = read(result.undo_path).set_index("Id")
    assert undo.loc[account, "OwnerId"] == holder
    forward = read(result.changes_path).set_index("Id")
    new_rep = rows.set_index("customer_id").loc[kept, "rep_id"]
    assert forward.loc[account, "OwnerId"] == lookup(reps, "rep_id", "sf_user_id")[new_rep]
    generic = read(export_changes(plan, "generic", tmp_path / "g.csv").changes_path)
    assert generic.set_index("customer_id").loc[kept, "old_owner"] == ""


# ------------------------------------------------------------------- drift


def test_drift_is_refused_naming_the_accounts(plan_dir, instance, tmp_path):
    customers, _ = instance
    moved = moves_of(plan_dir)[0][0]
    kept = next(c for c in customers["customer_id"] if c not in {m[0] for m in moves_of(plan_dir)})
    current = customers[["customer_id", "current_rep"]].copy()
    swap = {"R0": "R1", "R1": "R2", "R2": "R3", "R3": "R0", "R4": "R0"}
    for customer in (moved, kept):
        here = current["customer_id"] == customer
        current.loc[here, "current_rep"] = swap[current.loc[here, "current_rep"].iloc[0]]
    path = tmp_path / "current.csv"
    current.to_csv(path, index=False)
    out = tmp_path / "out" / "c.csv"
    with pytest.raises(InputError) as caught:
        export_changes(plan_dir, "generic", out, current=path)
    issues = caught.value.issues
    assert len(issues) == 2 and all(i.column == "current_rep" for i in issues)
    text = str(caught.value)
    assert moved in text and kept in text and "plan expected" in text
    lines = {i.rows[0] for i in issues}
    ids = current["customer_id"].tolist()
    assert lines == {ids.index(moved) + 2, ids.index(kept) + 2}
    assert nothing_written(out.parent)


def test_no_drift_exports_and_missing_moved_account_is_drift(plan_dir, instance, tmp_path):
    customers, _ = instance
    result = export_changes(plan_dir, "generic", tmp_path / "c.csv", current=customers)
    assert result.changes == len(moves_of(plan_dir))
    moved = moves_of(plan_dir)[0][0]
    without = customers[customers["customer_id"] != moved]
    with pytest.raises(InputError, match=f"missing from the current ownership file.*{moved}"):
        export_changes(plan_dir, "generic", tmp_path / "d.csv", current=without)


# ------------------------------------------------------------------- bad arguments


def test_unknown_format_and_missing_plan_are_input_errors(plan_dir, tmp_path):
    with pytest.raises(InputError, match="unknown format 'pipedrive'"):
        get_format("pipedrive")
    with pytest.raises(InputError, match="plan folder not found"):
        export_changes(tmp_path / "nope", "generic", tmp_path / "c.csv")
    with pytest.raises(InputError, match="overwrite a file of the plan"):
        export_changes(plan_dir, "generic", plan_dir / "assignments.csv")


# ------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(export)

    @app.callback()
    def main() -> None:
        """Test app with the export command registered as in solver.cli.main."""

    return app


def invoke(cli: typer.Typer, *args: str):
    return CliRunner().invoke(cli, ["export", *args])


def test_cli_writes_change_set_and_undo(cli, plan_dir, tmp_path):
    out = tmp_path / "sf.csv"
    result = invoke(cli, "--plan", str(plan_dir), "--format", "salesforce", "--out", str(out))
    assert result.exit_code == 0, result.output
    expected = export_changes(plan_dir, "salesforce", tmp_path / "api.csv")
    assert expected.batch_id in result.stdout
    assert out.read_bytes() == (tmp_path / "api.csv").read_bytes()
    assert (tmp_path / "sf.undo.csv").exists() and (tmp_path / "sf.manifest.json").exists()


def test_cli_missing_mapping_and_drift_exit_3_without_traceback(cli, plan_dir, instance, tmp_path):
    customers, _ = instance
    mapping = tmp_path / "owners.csv"
    pd.DataFrame({"rep_id": ["R0"], "email": ["rep0@example.com"]}).to_csv(mapping, index=False)
    out = tmp_path / "out" / "c.csv"
    base = ["--plan", str(plan_dir), "--out", str(out)]
    result = invoke(cli, *base, "--format", "hubspot", "--mapping", str(mapping))
    assert result.exit_code == EXIT_INVALID_INPUT, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    missing = [rep for rep in involved_reps(plan_dir) if rep != "R0"]
    assert all(rep in result.output for rep in missing) and "nothing was written" in result.output

    current = customers[["customer_id", "current_rep"]].copy()
    current.loc[5, "current_rep"] = "R0" if current.loc[5, "current_rep"] != "R0" else "R1"
    path = tmp_path / "current.csv"
    current.to_csv(path, index=False)
    result = invoke(cli, *base, "--format", "generic", "--current", str(path))
    assert result.exit_code == EXIT_INVALID_INPUT and "Traceback" not in result.output
    assert "C005" in result.output and "owner changed since the plan was solved" in result.output
    assert nothing_written(out.parent)


def test_cli_unknown_format_is_a_usage_error(cli, plan_dir, tmp_path):
    result = invoke(cli, "--plan", str(plan_dir), "--format", "sap", "--out", str(tmp_path / "c"))
    assert result.exit_code == 2 and "Traceback" not in result.output
