"""The run history outlives versions: an older database is upgraded in place and keeps its
runs, a newer one is refused with the file, both versions and exit 9, on SQLite and (with
``TERRITORY_TEST_PG_URL``) PostgreSQL."""

from __future__ import annotations

import dataclasses
import multiprocessing
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

import solver
from solver.cli.main import app
from solver.errors import EXIT_NEWER_VERSION, NewerVersionError
from solver.store import schema
from solver.store.history import RunStore, database_url
from tests.instances import SMALL_SCENARIO, make_instance
from tests.store.legacy import CERTIFICATE, make_legacy_database

runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path: Path) -> str:
    """The URL of an empty database of one backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.db'}"
    return database_url(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="module")
def plan() -> solver.Plan:
    customers, reps = make_instance(n=40, m=5, seed=3)
    return solver.solve(customers, reps, SMALL_SCENARIO)


def _version(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


@pytest.mark.parametrize("with_files", [True, False], ids=["run_files", "before_run_files"])
def test_an_older_database_is_upgraded_in_place_and_keeps_its_runs(
    empty_db: str, with_files: bool, plan: solver.Plan
) -> None:
    make_legacy_database(empty_db, with_files=with_files)
    with RunStore(empty_db) as store:
        listed = store.list()
        old = store.get(1)
        assert list(listed["id"]) == [1] and listed.at[0, "label"] == "old"
        assert old.run["certificate"] == CERTIFICATE  # the stored JSON, untouched
        assert old.run["stop_reason"] == "time limit of 1 s reached"  # filled by the upgrade
        assert old.run["wall_s"] == pytest.approx(0.7)
        assert list(old.assignments["rep_id"]) == ["R1", "R2", "R2"]
        new_id = store.record(plan, SMALL_SCENARIO, label="new")
        diff = store.diff(1, new_id)
    assert _version(empty_db) == [schema.head()]
    gini = diff.metrics.set_index("metric").loc["workload.gini"]
    assert gini["better"] == ("b" if gini["b"] < gini["a"] else "a")
    with RunStore(empty_db) as store:  # opened again: already at the newest version
        assert list(store.list()["id"]) == [new_id, 1]


def test_a_database_newer_than_the_code_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with RunStore(path) as store:
        store.engine.dispose()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    before = path.read_bytes()
    with pytest.raises(NewerVersionError) as caught:
        RunStore(path)
    message = str(caught.value)
    assert str(path) in message and "9999" in message and schema.head() in message
    result = runner.invoke(app, ["runs", "list", "--db", str(path)])
    assert result.exit_code == EXIT_NEWER_VERSION == 9
    assert str(path) in " ".join(result.output.split()) and "upgrade" in result.output
    assert path.read_bytes() == before  # nothing written


def test_solve_record_refuses_a_newer_database_before_solving(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    RunStore(path).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = runner.invoke(
        app,
        ["solve", "--customers", "nowhere.csv", "--reps", "nowhere.csv", "--db", str(path),
         "--out", str(tmp_path / "plan")],
    )  # fmt: skip
    assert result.exit_code == EXIT_NEWER_VERSION  # before reading the (missing) inputs
    assert "9999" in result.output


def test_a_newer_postgresql_database_is_refused(pg_url: str) -> None:
    url = database_url(pg_url)
    RunStore(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(NewerVersionError, match="9999"):
        RunStore(url)


def _open(url: str) -> None:
    RunStore(url).close()


def test_processes_opening_a_new_database_at_once_upgrade_it_once(empty_db: str) -> None:
    ctx = multiprocessing.get_context("fork")  # each child opens its own connections
    with ctx.Pool(4) as pool:
        pool.map(_open, [empty_db] * 4)
    assert _version(empty_db) == [schema.head()]


def test_the_migrations_are_package_files() -> None:
    """They load from the installed package (no alembic.ini or source checkout needed)."""
    versions = schema.known_versions()
    assert {"0001", "0002"} <= versions and schema.head() in versions
    from importlib.resources import files

    shipped = files("solver.store.migrations")
    assert shipped.joinpath("env.py").is_file()
    assert shipped.joinpath("versions", "__init__.py").is_file()  # found as a package


def test_an_upgrade_links_recorded_placements_to_their_parent_run(empty_db: str, plan) -> None:
    """Runs recorded before lineage was kept get their plan id from their stored files and
    a placement its parent run from the run its certificate names."""
    with RunStore(empty_db) as store:
        parent = store.record(plan, SMALL_SCENARIO)
        extra = {**plan.certificate.extra, "parent": {"source": f"run {parent}"}}
        child = dataclasses.replace(plan, certificate=plan.certificate.replace(extra=extra))
        placed = store.record(child, SMALL_SCENARIO)
    engine = sa.create_engine(empty_db)
    try:  # back to version 0002: the lineage columns gone, as before the upgrade
        with engine.begin() as conn:
            ops = Operations(MigrationContext.configure(conn))
            ops.drop_index("ix_runs_plan_id", "runs")
            with ops.batch_alter_table("runs") as batch:
                batch.drop_constraint("fk_runs_parent_run_id", type_="foreignkey")
                batch.drop_column("parent_run_id")
                batch.drop_column("plan_id")
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0002'"))
    finally:
        engine.dispose()
    with RunStore(empty_db) as store:
        got = store.get(placed)
        assert got.run["parent_run_id"] == parent and store.children(parent) == [placed]
        assert store.run_of_plan(store.get(parent).run["plan_id"]) == parent
    assert _version(empty_db) == [schema.head()]
