"""Run history (solver.store.history), protection forecast (solver.analysis.forecast), commands.

Every store test runs on SQLite (a file in tmp_path) and, when ``TERRITORY_TEST_PG_URL``
names a reachable PostgreSQL server (``scripts/start_postgres.sh`` starts one), on
PostgreSQL too; without it the PostgreSQL cases skip with the reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

import solver
import solver.store.history as store_module
from solver.analysis.forecast import forecast_by_rep, protection_forecast
from solver.cli.runs import forecast, runs_app
from solver.errors import InputError
from solver.store.history import (
    RunNotFoundError,
    RunStore,
    StoreError,
    database_url,
    record_run,
    run_assignments,
    run_reps,
    runs,
)
from tests.instances import SMALL_SCENARIO, make_instance

SCENARIO_B = {**SMALL_SCENARIO, "weights": {"travel": 5.0}}
runner = CliRunner()


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def instance() -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_instance(n=40, m=5, seed=3)


@pytest.fixture(scope="module")
def plans(instance) -> tuple[solver.Plan, solver.Plan]:
    """Two plans of one instance that differ (travel weighs 5x more in the second)."""
    customers, reps = instance
    a = solver.solve(customers, reps, SMALL_SCENARIO)
    b = solver.solve(customers, reps, SCENARIO_B)
    assert (a.assignments["rep_id"] != b.assignments["rep_id"]).any()
    return a, b


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path: Path) -> str:
    """Database URL or path for one backend."""
    if request.param == "sqlite":
        return str(tmp_path / "runs.db")
    return request.getfixturevalue("pg_url")


def _count(store: RunStore, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar())


# -- store -----------------------------------------------------------------------------------


def test_record_list_get_diff(db: str, plans) -> None:
    a, b = plans
    with RunStore(db) as store:
        id_a = store.record(a, SMALL_SCENARIO, label="baseline")
        id_b = store.record(b, SCENARIO_B)
        assert id_b > id_a

        listed = store.list()
        assert listed["id"].tolist() == [id_b, id_a]  # newest first
        assert listed["label"].isna().tolist() == [True, False]
        assert listed["label"].iloc[1] == "baseline"
        assert listed["customers"].tolist() == [40, 40]
        assert listed["moves"].tolist() == [
            int(b.assignments["changed"].sum()),
            int(a.assignments["changed"].sum()),
        ]
        assert store.list(limit=1)["id"].tolist() == [id_b]
        assert store.resolve("latest") == id_b

        rec = store.get(id_a)
        run = rec.run
        assert run["status"] == a.status and run["engine"] == a.certificate["engine"]
        assert run["objective"] == pytest.approx(a.objective)
        assert run["bound"] == pytest.approx(a.bound)
        assert run["gap"] == pytest.approx(a.gap)
        assert run["as_of"] == "2027-01-01"
        assert run["fingerprints"] == a.certificate["input_fingerprints"]
        assert run["certificate"]["objective_terms"] == pytest.approx(
            a.certificate["objective_terms"]
        )
        assert run["scenario"]["as_of"] == "2027-01-01" and run["scenario"]["seed"] == 1
        assert run["metrics"]["after"]["moves"] == a.metrics["after"]["moves"]
        assert run["started_at"].tzinfo is not None
        assert run["started_at"] <= run["finished_at"]

        got = rec.assignments.set_index("customer_id")
        want = a.assignments.set_index("customer_id")
        assert got.index.tolist() == sorted(want.index)
        assert got["rep_id"].to_dict() == want["rep_id"].to_dict()
        assert got["changed"].to_dict() == want["changed"].to_dict()
        assert got["reason"].to_dict() == want["reason"].to_dict()
        assert got["workload_hours"].to_numpy() == pytest.approx(
            want.loc[got.index, "workload_hours"].to_numpy()
        )
        reps = rec.reps.set_index("rep_id")
        assert reps["accounts"].to_dict() == a.reps.set_index("rep_id")["accounts"].to_dict()

        diff = store.diff(id_a, id_b)
    rep_a = a.assignments.set_index("customer_id")["rep_id"]
    rep_b = b.assignments.set_index("customer_id")["rep_id"]
    moved = sorted(rep_a.index[rep_a != rep_b])
    assert diff.moves["customer_id"].tolist() == moved
    assert diff.moves["rep_a"].tolist() == rep_a[moved].tolist()
    assert diff.moves["rep_b"].tolist() == rep_b[moved].tolist()
    side = diff.metrics.set_index("metric")
    assert side.loc["objective", "a"] == pytest.approx(a.objective)
    assert side.loc["objective", "b"] == pytest.approx(b.objective)
    assert side.loc["objective", "change"] == pytest.approx(b.objective - a.objective)
    gini_a = a.metrics["after"]["workload"]["gini"]
    assert side.loc["workload.gini", "a"] == pytest.approx(gini_a)
    assert pd.isna(side.loc["status", "change"])
    gained = diff.reps.set_index("rep_id")["accounts_change"]
    count_a = a.reps.set_index("rep_id")["accounts"]
    count_b = b.reps.set_index("rep_id")["accounts"]
    for rep_id, change in gained.items():
        assert change == count_b[rep_id] - count_a[rep_id]


def test_unknown_run_is_bad_input(db: str, plans) -> None:
    with RunStore(db) as store:
        with pytest.raises(RunNotFoundError, match="no runs recorded"):
            store.get("latest")
        run_id = store.record(plans[0], SMALL_SCENARIO)
        with pytest.raises(RunNotFoundError, match=f"run {run_id + 1} is not in") as info:
            store.get(run_id + 1)
        assert info.value.exit_code == 3
        with pytest.raises(RunNotFoundError, match="not a run id"):
            store.diff(run_id, "yesterday")


def test_failure_mid_write_leaves_nothing(db: str, plans, monkeypatch) -> None:
    """The rep insert fails after the run row and the assignments went in: all rolled back."""
    real_insert = store_module._insert_rows
    calls: list[str] = []

    def failing_insert(conn, table, run_id, rows):
        calls.append(table.name)
        if table.name == "run_reps":
            raise RuntimeError("disk on fire")
        real_insert(conn, table, run_id, rows)

    with RunStore(db) as store:
        monkeypatch.setattr(store_module, "_insert_rows", failing_insert)
        with pytest.raises(RuntimeError, match="disk on fire"):
            store.record(plans[0], SMALL_SCENARIO)
        assert calls == ["run_assignments", "run_reps"]
        for table in (runs, run_assignments, run_reps):
            assert _count(store, table) == 0, table.name
        assert store.list().empty


def test_database_error_mid_write_is_a_clear_error(db: str, plans) -> None:
    """A duplicate customer breaks the assignments insert: StoreError, nothing stored."""
    plan = plans[0]
    table = plan.assignments
    broken = dataclasses.replace(plan, assignments=pd.concat([table, table.head(1)]))
    with RunStore(db) as store:
        kept = store.record(plan, SMALL_SCENARIO)
        with pytest.raises(StoreError, match="nothing was recorded"):
            store.record(broken, SMALL_SCENARIO)
        assert store.list()["id"].tolist() == [kept]
        assert _count(store, run_assignments) == len(table)
        assert _count(store, run_reps) == len(plan.reps)


def test_record_in_many_batches(db: str, plans, monkeypatch) -> None:
    """Rows go in executemany batches; every batch lands in the same run."""
    monkeypatch.setattr(store_module, "BATCH_ROWS", 7)
    with RunStore(db) as store:
        run_id = store.record(plans[1], SCENARIO_B)
        rec = store.get(run_id)
    assert len(rec.assignments) == 40 and rec.assignments["customer_id"].is_unique
    assert len(rec.reps) == 5


def test_record_run_default_database(tmp_path: Path, plans, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TERRITORY_DB", raising=False)
    assert database_url() == f"sqlite:///{tmp_path.resolve() / 'territory.db'}"
    assert record_run(plans[0], SMALL_SCENARIO, None) == 1
    assert (tmp_path / "territory.db").exists()
    other = tmp_path / "sub" / "history.db"
    monkeypatch.setenv("TERRITORY_DB", str(other))
    assert record_run(plans[1], SCENARIO_B, None) == 1
    assert other.exists()
    assert database_url("postgresql://u:p@h/d") == "postgresql+psycopg://u:p@h/d"


def test_bad_database_url_is_bad_input() -> None:
    with pytest.raises(StoreError) as info:
        RunStore("nosuchdb+driver://x/y")
    assert info.value.exit_code == 3


# -- forecast --------------------------------------------------------------------------------

FORECAST_CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D", "E", "F"],
        "value": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0],
        "current_rep": ["R1", "R1", "R2", "R2", "R1", "R3"],
        "protected_rep": ["R1", "R1", "R2", "R2", "", "R1"],
        "protected_until": [
            "2027-02-10",
            "2027-03-01",
            "2027-02-28",
            "2026-12-31",
            "",
            "2027-01-01",
        ],
    }
)


def test_protection_forecast_by_hand() -> None:
    """as_of 2027-01-01, until 2027-03-01: A (ends 02-10) and F (ends on as_of) for R1, C
    (ends 02-28, movable 03-01) for R2; B still protected on 03-01, D already expired, E
    never protected."""
    result = protection_forecast(FORECAST_CUSTOMERS, "2027-03-01", dt.date(2027, 1, 1))
    assert result["customer_id"].tolist() == ["F", "A", "C"]
    assert result["protected_rep"].tolist() == ["R1", "R1", "R2"]
    assert result["movable_from"].tolist() == [
        dt.date(2027, 1, 2),
        dt.date(2027, 2, 11),
        dt.date(2027, 3, 1),
    ]
    assert result["days_until_movable"].tolist() == [1, 41, 59]
    assert result["value"].tolist() == [600.0, 100.0, 300.0]
    assert result["current_rep"].tolist() == ["R3", "R1", "R2"]
    summary = forecast_by_rep(result).set_index("protected_rep")
    assert summary["accounts"].to_dict() == {"R1": 2, "R2": 1}
    assert summary["value"].to_dict() == {"R1": 700.0, "R2": 300.0}
    assert summary.loc["R1", "first_movable"] == dt.date(2027, 1, 2)
    assert summary.loc["R1", "last_movable"] == dt.date(2027, 2, 11)
    # one day later B (ends 03-01) is movable too
    later = protection_forecast(FORECAST_CUSTOMERS, dt.date(2027, 3, 2), "2027-01-01")
    assert later["customer_id"].tolist() == ["F", "A", "B", "C"]


def test_protection_forecast_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    bad = FORECAST_CUSTOMERS.copy()
    bad.loc[2, "protected_until"] = "28/02/2027"
    bad.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"row 4, column 'protected_until'") as info:
        protection_forecast(path, "2027-03-01", "2027-01-01")
    assert info.value.exit_code == 3
    with pytest.raises(InputError, match="must be after"):
        protection_forecast(FORECAST_CUSTOMERS, "2027-01-01", "2027-01-01")
    none = protection_forecast(FORECAST_CUSTOMERS[["customer_id"]], "2027-03-01", "2027-01-01")
    assert none.empty and forecast_by_rep(none).empty


# -- command line ----------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False)
    app.add_typer(runs_app, name="runs")
    app.command()(forecast)
    return app


def test_read_commands_refuse_a_missing_sqlite_file(tmp_path: Path) -> None:
    """A mistyped --db for a read command stops with exit 3 and creates nothing."""
    missing = tmp_path / "typo" / "runs.db"
    for args in (["runs", "list"], ["runs", "show", "latest"], ["runs", "diff", "1", "2"]):
        result = runner.invoke(_app(), [*args, "--db", str(missing)])
        assert result.exit_code == 3, result.output
        assert "no run database at" in flat(result.output)
    assert not missing.exists() and not missing.parent.exists()


def test_cli_runs(db: str, plans, tmp_path: Path) -> None:
    app = _app()
    RunStore(db).close()  # an existing, empty database
    empty = runner.invoke(app, ["runs", "list", "--db", db])
    assert empty.exit_code == 0, empty.output
    assert "no runs recorded" in flat(empty.output)
    with RunStore(db) as store:
        id_a = store.record(plans[0], SMALL_SCENARIO, label="baseline")
        id_b = store.record(plans[1], SCENARIO_B, label="travel x5")

    listed = runner.invoke(app, ["runs", "list", "--db", db])
    assert listed.exit_code == 0, listed.output
    assert "baseline" in listed.output and "travel x5" in listed.output

    out_dir = tmp_path / "shown"
    shown = runner.invoke(app, ["runs", "show", str(id_a), "--db", db, "--out", str(out_dir)])
    assert shown.exit_code == 0, shown.output
    text = flat(shown.output)
    assert f"run {id_a} 'baseline'" in text
    assert plans[0].certificate["input_fingerprints"]["customers"] in text
    assert "workload.gini" in text
    written = pd.read_csv(out_dir / "assignments.csv", dtype=str, keep_default_na=False)
    assert len(written) == 40

    moves_csv = tmp_path / "moves.csv"
    diffed = runner.invoke(
        app, ["runs", "diff", str(id_a), "latest", "--db", db, "--out", str(moves_csv)]
    )
    assert diffed.exit_code == 0, diffed.output
    moved = pd.read_csv(moves_csv, dtype=str)
    rep_a = plans[0].assignments["rep_id"]
    assert len(moved) == int((rep_a != plans[1].assignments["rep_id"]).sum())
    assert f"{len(moved)} account(s) have a different rep in run {id_b}" in flat(diffed.output)
    assert "objective" in diffed.output

    for args in (["runs", "show", str(id_b + 5)], ["runs", "diff", str(id_a), "nope"]):
        failed = runner.invoke(app, [*args, "--db", db])
        assert failed.exit_code == 3, failed.output
        assert "error:" in failed.output and "Traceback" not in failed.output


def test_cli_forecast(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    FORECAST_CUSTOMERS.to_csv(path, index=False)
    out_csv = tmp_path / "forecast.csv"
    args = ["forecast", "--customers", str(path), "--until", "2027-03-01"]
    result = runner.invoke(_app(), [*args, "--as-of", "2027-01-01", "--out", str(out_csv)])
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "2027-02-11" in text and "R2" in text
    assert pd.read_csv(out_csv)["customer_id"].tolist() == ["F", "A", "C"]
    quiet = ["forecast", "--customers", str(path), "--until", "2027-01-15"]
    nothing = runner.invoke(_app(), [*quiet, "--as-of", "2027-01-03"])
    assert nothing.exit_code == 0 and "no protected account" in flat(nothing.output)
    missing = runner.invoke(
        _app(), ["forecast", "--customers", "nope.csv", "--until", "2030-01-01"]
    )
    assert missing.exit_code == 3 and "file not found" in missing.output
    assert "Traceback" not in missing.output


def test_cli_tables_keep_their_headers_and_one_number_format(plans, tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    with RunStore(db) as store:
        id_a = store.record(plans[0], SMALL_SCENARIO)
        id_b = store.record(plans[1], SCENARIO_B)
    app = _app()
    diffed = runner.invoke(
        app, ["runs", "diff", str(id_a), str(id_b), "--db", db], terminal_width=80
    )
    assert diffed.exit_code == 0, diffed.output
    assert "…" not in diffed.output  # no header or cell is cut short
    for header in ("accounts a", "workload_hours b", "workload_change"):
        assert header in diffed.output
    assert max(len(line) for line in diffed.output.splitlines()) <= 80
    shown = runner.invoke(app, ["runs", "show", str(id_a), "--db", db], terminal_width=80)
    assert shown.exit_code == 0, shown.output
    assert "e+" not in shown.output  # fixed notation throughout: 1,742,174 not 1.742e+06


def test_runs_show_writes_the_plan_folder_the_solve_wrote(plans, tmp_path: Path) -> None:
    from solver.export.plan_files import read_plan
    from solver.store.history import run_files

    db = str(tmp_path / "runs.db")
    with RunStore(db) as store:
        run_id = store.record(plans[0], SMALL_SCENARIO)
    plans[0].write(tmp_path / "solved")
    shown = runner.invoke(_app(), ["runs", "show", str(run_id), "--db", db, "--out",
                                   str(tmp_path / "shown")])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    for name in ("assignments.csv", "reps.csv", "metrics.json"):
        assert (tmp_path / "shown" / name).read_bytes() == (tmp_path / "solved" / name).read_bytes()
    loaded = solver.Plan.load(tmp_path / "shown")
    assert loaded.assignments["rep_id"].tolist() == plans[0].assignments["rep_id"].tolist()
    # a run recorded before the history kept its files still comes back as a whole folder
    with RunStore(db) as store, store.engine.begin() as conn:
        conn.execute(run_files.delete())
    older = runner.invoke(_app(), ["runs", "show", str(run_id), "--db", db, "--out",
                                   str(tmp_path / "older")])  # fmt: skip
    assert older.exit_code == 0, older.output
    assert "rebuilt from the stored columns" in flat(older.output)
    assert len(read_plan(tmp_path / "older").assignments.frame) == len(plans[0].assignments)
