"""Run history: every solve can be recorded in a database and read back, listed and diffed.

An embedded SQLite file (``territory.db`` in the current folder, or ``$TERRITORY_DB``) by
default; PostgreSQL when given a ``postgresql+psycopg://`` URL (psycopg 3). One run is
written in one transaction with bulk (executemany) inserts: a failed write leaves no row
of that run behind.

Tables: ``runs`` (one row per run: timestamps, label, engine, status, objective, bound,
gap, why the search ended, the bound's source, wall time and the scenario, input
fingerprints, metrics and certificate as JSON), ``run_assignments`` (one row per customer),
``run_reps`` (one row per rep) and ``run_files`` (the plan folder's files). The schema is
versioned (:mod:`solver.store.schema`): an older database is upgraded when opened, a newer
one refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine

from solver.errors import EXIT_INVALID_INPUT, EXIT_WRITE, SolverError
from solver.export.plan_files import METRICS
from solver.metrics import better_side, flat_numbers
from solver.outputs import check_output_file
from solver.plan import Plan
from solver.results.jsonable import json_safe
from solver.scenario import Scenario, as_scenario
from solver.store.schema import current_version, refuse_newer, upgrade

DEFAULT_DB = "territory.db"
ENV_DB = "TERRITORY_DB"
#: rows per executemany batch (bounded memory, still one transaction)
BATCH_ROWS = 20_000
#: seconds to wait for a PostgreSQL server before giving up
CONNECT_TIMEOUT_S = 10

metadata = sa.MetaData()
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("label", sa.String, nullable=True),
    sa.Column("engine", sa.String, nullable=True),
    sa.Column("status", sa.String, nullable=True),
    sa.Column("objective", sa.Float, nullable=True),
    sa.Column("bound", sa.Float, nullable=True),
    sa.Column("gap", sa.Float, nullable=True),
    sa.Column("as_of", sa.String, nullable=True),
    sa.Column("customers", sa.Integer, nullable=False),
    sa.Column("reps", sa.Integer, nullable=False),
    sa.Column("moves", sa.Integer, nullable=False),
    sa.Column("scenario", _JSON, nullable=False),
    sa.Column("fingerprints", _JSON, nullable=False),
    sa.Column("metrics", _JSON, nullable=False),
    sa.Column("certificate", _JSON, nullable=False),
    # from schema version 0002: typed certificate entries, queryable without the JSON
    sa.Column("stop_reason", sa.String, nullable=True),
    sa.Column("bound_source", sa.String, nullable=True),
    sa.Column("wall_s", sa.Float, nullable=True),
    # from schema version 0003: lineage (the plan's id; the standing plan's run of a placement)
    sa.Column("plan_id", sa.String, nullable=True, index=True),
    sa.Column(
        "parent_run_id",
        sa.Integer,
        sa.ForeignKey("runs.id", name="fk_runs_parent_run_id", ondelete="SET NULL"),
        nullable=True,
    ),
)

run_assignments = sa.Table(
    "run_assignments",
    metadata,
    sa.Column("run_id", sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("customer_id", sa.String, primary_key=True),
    sa.Column("rep_id", sa.String, nullable=False),
    sa.Column("previous_rep", sa.String, nullable=True),
    sa.Column("changed", sa.Boolean, nullable=False),
    sa.Column("forced_by", sa.String, nullable=True),
    sa.Column("reason", sa.String, nullable=True),
    sa.Column("distance_km", sa.Float, nullable=True),
    sa.Column("workload_hours", sa.Float, nullable=True),
    sa.Column("cost_total", sa.Float, nullable=True),
)

run_reps = sa.Table(
    "run_reps",
    metadata,
    sa.Column("run_id", sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("rep_id", sa.String, primary_key=True),
    sa.Column("active", sa.Boolean, nullable=True),
    sa.Column("accounts", sa.Integer, nullable=False),
    sa.Column("workload_hours", sa.Float, nullable=True),
    sa.Column("capacity_hours", sa.Float, nullable=True),
    sa.Column("utilisation", sa.Float, nullable=True),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("travel_km", sa.Float, nullable=True),
    sa.Column("accounts_before", sa.Integer, nullable=True),
    sa.Column("workload_hours_before", sa.Float, nullable=True),
)

#: the plan folder's files exactly as written (a run recorded before this table has none)
run_files = sa.Table(
    "run_files",
    metadata,
    sa.Column("run_id", sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

#: plan column -> stored column, for the columns a matrix plan may name differently
_ALIASES = {"workload": "workload_hours", "capacity": "capacity_hours"}
_LIST_COLUMNS = (
    "id",
    "started_at",
    "finished_at",
    "label",
    "engine",
    "status",
    "objective",
    "bound",
    "gap",
    "as_of",
    "customers",
    "reps",
    "moves",
)


class StoreError(SolverError):
    """The run database cannot be opened, read or written."""


class StoreURLError(StoreError):
    """The database URL or path is not usable (bad input)."""

    exit_code = EXIT_INVALID_INPUT


class StoreFullError(StoreError):
    """The database's disk is full or read-only (exit 8, like any output)."""

    exit_code = EXIT_WRITE


#: SQLite and PostgreSQL messages of a disk that refuses writes
_DISK_REFUSES = ("disk is full", "readonly database", "no space left", "read-only file system")


class RunNotFoundError(StoreError):
    """No run with that id in the database (bad input)."""

    exit_code = EXIT_INVALID_INPUT


@dataclass(frozen=True)
class RunRecord:
    """One recorded run: its ``runs`` row (JSON columns as dicts) and its two tables."""

    run: dict[str, Any]
    assignments: pd.DataFrame
    reps: pd.DataFrame
    #: the plan folder's files as the solve wrote them, in writing order (empty for a run
    #: recorded before the history kept them)
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.run["id"])


@dataclass(frozen=True)
class RunDiff:
    """Run ``a`` against run ``b``: customers whose rep differs, metrics and reps side by side."""

    a: int
    b: int
    moves: pd.DataFrame  # customer_id, rep_a, rep_b
    metrics: pd.DataFrame  # metric, a, b, change (b - a where numeric), better ('a', 'b', '=')
    reps: pd.DataFrame  # rep_id, accounts_a, accounts_b, ..., only reps that differ


def database_url(url_or_path: str | os.PathLike[str] | None = None) -> str:
    """SQLAlchemy URL for ``url_or_path``: a URL as given (``postgresql://`` gets the psycopg
    3 driver), a file path as SQLite; ``None`` means ``$TERRITORY_DB`` or ``territory.db``."""
    if url_or_path is None or str(url_or_path).strip() == "":
        url_or_path = os.environ.get(ENV_DB, "").strip() or DEFAULT_DB
    text = str(url_or_path).strip()
    if isinstance(url_or_path, os.PathLike) or "://" not in text:
        path = Path(text).expanduser().resolve()
        return f"sqlite:///{path}"
    for plain in ("postgresql://", "postgres://"):
        if text.startswith(plain):
            return "postgresql+psycopg://" + text[len(plain) :]
    return text


def check_database(url_or_path: str | os.PathLike[str] | None = None) -> None:
    """Before a solve: a SQLite database must be a regular file or a new path in a
    writable folder (its journal goes beside it), and not of a newer schema version than
    this code's; a server database is checked when used."""
    try:
        url = sa.make_url(database_url(url_or_path))
    except sa.exc.ArgumentError:
        return  # RunStore says what is wrong with it
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database)
        check_output_file(path, "the run database")
        if path.is_file():
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
            try:
                with engine.connect() as conn:
                    refuse_newer(current_version(conn), str(path))
            except sa.exc.SQLAlchemyError:
                pass  # not readable as a database: RunStore says so when recording
            finally:
                engine.dispose()


def _shown(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unreadable URL>"


class RunStore:
    """Record and read back solve runs in SQLite (a path) or PostgreSQL (a URL)."""

    def __init__(
        self, url_or_path: str | os.PathLike[str] | None = None, *, must_exist: bool = False
    ) -> None:
        """Open (SQLite: create) the database; ``must_exist`` refuses a SQLite file that is
        not there, so a mistyped path for a read never creates an empty database."""
        self.url = database_url(url_or_path)
        self.shown_url = _shown(self.url)
        try:
            url = sa.make_url(self.url)
        except sa.exc.ArgumentError:
            raise StoreURLError(
                f"not a database URL or path: {url_or_path!r} (give a file path for SQLite "
                "or postgresql+psycopg://user:password@host:port/db)"
            ) from None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            if must_exist and not Path(url.database).is_file():
                raise StoreURLError(
                    f"no run database at {url.database} (nothing recorded there yet: check "
                    "--db or $TERRITORY_DB)"
                )
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT_S  # never hang on a dead host
        try:
            self.engine: Engine = sa.create_engine(url, connect_args=connect_args)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise StoreURLError(f"cannot use database {self.shown_url}: {exc}") from None
        except ImportError as exc:
            raise StoreURLError(
                f"the driver for {self.shown_url} is not installed ({exc}); for PostgreSQL "
                "install psycopg 3: python -m pip install 'psycopg[binary]'"
            ) from None
        if url.get_backend_name() == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        where = url.database if url.get_backend_name() == "sqlite" else self.shown_url
        with self._errors("open"):
            upgrade(self.engine, str(where))

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _errors(self, action: str) -> _ErrorContext:
        suffix = "; nothing was recorded" if action == "write to" else ""
        return _ErrorContext(f"cannot {action} the run database {self.shown_url}", suffix)

    # writing -----------------------------------------------------------------------------

    def record(
        self,
        plan: Plan,
        scenario: Scenario | dict | str | Path | None,
        label: str | None = None,
        started_at: dt.datetime | None = None,
        finished_at: dt.datetime | None = None,
        parent_run: int | None = None,
    ) -> int:
        """Store ``plan`` and its ``scenario`` as one run, in one transaction; return its id.

        Timestamps default to now (finished) and now minus the plan's wall time (started).
        ``parent_run``: the run of the standing plan ``plan`` was placed on (a run of this
        database; :class:`RunNotFoundError` otherwise).
        """
        finished = _utc(finished_at or dt.datetime.now(dt.UTC))
        wall = float(plan.certificate.get("wall_s") or 0.0)
        started = _utc(started_at) if started_at else finished - dt.timedelta(seconds=wall)
        scn = as_scenario(scenario)
        files = plan.file_bytes()
        row = _run_row(plan, scn, label, started, finished)
        row["plan_id"] = json.loads(files[METRICS]).get("plan_id")
        row["parent_run_id"] = parent_run
        assignments = _rows(plan.assignments, run_assignments)
        reps = _rows(plan.reps, run_reps)
        with self._errors("write to"), self.engine.begin() as conn:
            if parent_run is not None and not _exists(conn, parent_run):
                raise RunNotFoundError(f"parent run {parent_run} is not in {self.shown_url}")
            run_id = int(conn.execute(runs.insert().values(**row)).inserted_primary_key[0])
            _insert_rows(conn, run_assignments, run_id, assignments)
            _insert_rows(conn, run_reps, run_id, reps)
            conn.execute(
                run_files.insert(),
                [
                    {"run_id": run_id, "name": name, "position": k, "content": data}
                    for k, (name, data) in enumerate(files.items())
                ],
            )
        return run_id

    # reading -----------------------------------------------------------------------------

    def list(self, limit: int | None = None) -> pd.DataFrame:
        """Runs, newest first (``limit`` most recent when given), without the JSON columns."""
        query = sa.select(*(runs.c[name] for name in _LIST_COLUMNS)).order_by(runs.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._errors("read"), self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=list(_LIST_COLUMNS))
        for column in ("started_at", "finished_at"):
            frame[column] = frame[column].map(_utc)
        return frame

    def latest_id(self) -> int:
        """Id of the most recent run; :class:`RunNotFoundError` when there is none."""
        with self._errors("read"), self.engine.connect() as conn:
            latest = conn.execute(sa.select(sa.func.max(runs.c.id))).scalar()
        if latest is None:
            raise RunNotFoundError(f"no runs recorded yet in {self.shown_url}")
        return int(latest)

    def resolve(self, run: int | str) -> int:
        """A run id from an int, a digit string or ``latest``."""
        text = str(run).strip().lower()
        if text in ("latest", "last"):
            return self.latest_id()
        try:
            return int(text)
        except ValueError:
            raise RunNotFoundError(
                f"not a run id: {run!r} (give a number from 'territory runs list' or 'latest')"
            ) from None

    def run_of_plan(self, plan_id: str | None) -> int | None:
        """The newest run whose plan carries ``plan_id`` (None when none does)."""
        if not plan_id:
            return None
        query = sa.select(sa.func.max(runs.c.id)).where(runs.c.plan_id == str(plan_id))
        with self._errors("read"), self.engine.connect() as conn:
            found = conn.execute(query).scalar()
        return None if found is None else int(found)

    def children(self, run_id: int) -> list[int]:
        """The runs placed on run ``run_id``'s plan, oldest first."""
        query = sa.select(runs.c.id).where(runs.c.parent_run_id == run_id).order_by(runs.c.id)
        with self._errors("read"), self.engine.connect() as conn:
            return [int(r) for r in conn.execute(query).scalars()]

    def get(self, run_id: int | str) -> RunRecord:
        """The run ``run_id`` (an id or ``latest``) with its assignments and reps."""
        rid = self.resolve(run_id)
        with self._errors("read"), self.engine.connect() as conn:
            row = conn.execute(sa.select(runs).where(runs.c.id == rid)).mappings().first()
            if row is None:
                raise RunNotFoundError(
                    f"run {rid} is not in {self.shown_url} (see 'territory runs list')"
                )
            assignments = _frame(conn, run_assignments, rid, "customer_id")
            reps = _frame(conn, run_reps, rid, "rep_id")
            stored = conn.execute(
                sa.select(run_files.c.name, run_files.c.content)
                .where(run_files.c.run_id == rid)
                .order_by(run_files.c.position)
            ).all()
        run = dict(row)
        for column in ("started_at", "finished_at"):
            run[column] = _utc(run[column])
        return RunRecord(run, assignments, reps, {name: bytes(data) for name, data in stored})

    def diff(self, a: int | str, b: int | str) -> RunDiff:
        """Customers whose rep differs between runs ``a`` and ``b``, metrics and reps side by
        side (change = b - a)."""
        ra, rb = self.get(a), self.get(b)
        left = ra.assignments[["customer_id", "rep_id"]].rename(columns={"rep_id": "rep_a"})
        right = rb.assignments[["customer_id", "rep_id"]].rename(columns={"rep_id": "rep_b"})
        both = left.merge(right, on="customer_id", how="outer", sort=True)
        both = both.astype(object).where(both.notna(), None)
        moves = both[both["rep_a"] != both["rep_b"]].reset_index(drop=True)
        return RunDiff(ra.id, rb.id, moves, _metrics_side_by_side(ra, rb), _reps_side(ra, rb))


class _ErrorContext:
    """Turn database errors into :class:`StoreError` with a readable message."""

    def __init__(self, prefix: str, suffix: str = "") -> None:
        self.prefix = prefix
        self.suffix = suffix

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> bool:
        if isinstance(exc, sa.exc.SQLAlchemyError):
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            text = detail[0] if detail else type(exc).__name__
            full = any(words in text.lower() for words in _DISK_REFUSES)
            kind = StoreFullError if full else StoreError
            raise kind(f"{self.prefix}: {text}{self.suffix}") from None
        return False


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """Aware UTC datetime (SQLite gives naive values back: they were stored as UTC)."""
    if value is None or (not isinstance(value, dt.datetime) and pd.isna(value)):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _number(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _run_row(
    plan: Plan, scenario: Scenario, label: str | None, started: dt.datetime, finished: dt.datetime
) -> dict[str, Any]:
    cert = json_safe(plan.certificate)
    metrics = json_safe(plan.metrics)
    table = plan.assignments
    moves = int(table["changed"].sum()) if "changed" in table else 0
    return {
        "started_at": started,
        "finished_at": finished,
        "label": label,
        "engine": cert.get("engine"),
        "status": cert.get("status"),
        "objective": _number(cert.get("objective")),
        "bound": _number(cert.get("bound")),
        "gap": _number(cert.get("gap")),
        "as_of": cert.get("as_of") or str(scenario.as_of),
        "customers": len(table),
        "reps": len(plan.reps),
        "moves": moves,
        "scenario": json_safe(scenario.model_dump(mode="json")),
        "fingerprints": cert.get("input_fingerprints") or {},
        "metrics": metrics,
        "certificate": cert,
        "stop_reason": cert.get("stop_reason"),
        "bound_source": cert.get("bound_source"),
        "wall_s": _number(cert.get("wall_s")),
    }


def _column_values(series: pd.Series, kind: type) -> list[Any]:
    """A column as plain Python values of the stored type, missing values as None."""
    missing = series.isna().to_numpy()
    if kind is str:
        values = series.astype(object).map(str).tolist()
    elif kind is bool:
        values = series.fillna(False).astype(bool).tolist()
    elif kind is int:
        values = pd.to_numeric(series, errors="coerce").fillna(0).round().astype(np.int64).tolist()
    else:
        values = pd.to_numeric(series, errors="coerce").astype(float).tolist()
    return [None if gone else v for v, gone in zip(values, missing, strict=True)]


def _rows(frame: pd.DataFrame, table: sa.Table) -> list[dict[str, Any]]:
    """Records for ``table`` from a plan frame; columns the plan lacks are stored as None."""
    renamed = frame.rename(columns={k: v for k, v in _ALIASES.items() if v not in frame})
    columns: dict[str, list[Any]] = {}
    for column in table.columns:
        if column.name == "run_id":
            continue
        kind = column.type.python_type
        if column.name in renamed:
            columns[column.name] = _column_values(renamed[column.name], kind)
        elif column.name == "changed":
            columns[column.name] = [False] * len(frame)
        else:
            columns[column.name] = [None] * len(frame)
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert_rows(conn: Connection, table: sa.Table, run_id: int, rows: list[dict]) -> None:
    """Bulk insert (executemany, in batches) of one run's rows into ``table``."""
    for batch in _batches(rows, BATCH_ROWS):
        conn.execute(table.insert(), [{"run_id": run_id, **row} for row in batch])


def _frame(conn: Connection, table: sa.Table, run_id: int, order: str) -> pd.DataFrame:
    columns = [c for c in table.columns if c.name != "run_id"]
    query = sa.select(*columns).where(table.c.run_id == run_id).order_by(table.c[order])
    result = conn.execute(query)
    return pd.DataFrame(result.all(), columns=[c.name for c in columns])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _metrics_side_by_side(a: RunRecord, b: RunRecord) -> pd.DataFrame:
    def facts(rec: RunRecord) -> dict[str, Any]:
        run = rec.run
        head = {
            "status": run["status"],
            "engine": run["engine"],
            "objective": run["objective"],
            "bound": run["bound"],
            "gap": run["gap"],
            "wall_s": (run["certificate"] or {}).get("wall_s"),
            "customers": run["customers"],
            "moves": run["moves"],
        }
        after = (run["metrics"] or {}).get("after", {})
        return head | flat_numbers(after)

    fa, fb = facts(a), facts(b)
    names = list(fa) + [k for k in fb if k not in fa]
    rows = []
    for name in names:
        va, vb = fa.get(name), fb.get(name)
        change = vb - va if _is_number(va) and _is_number(vb) else None
        better = better_side(name, va, vb) if change is not None else ""
        rows.append({"metric": name, "a": va, "b": vb, "change": change, "better": better})
    return pd.DataFrame(rows, columns=["metric", "a", "b", "change", "better"])


def _reps_side(a: RunRecord, b: RunRecord) -> pd.DataFrame:
    keep = ["rep_id", "accounts", "workload_hours", "utilisation"]
    both = a.reps[keep].merge(b.reps[keep], on="rep_id", how="outer", suffixes=("_a", "_b"))
    both["accounts_change"] = both["accounts_b"].fillna(0) - both["accounts_a"].fillna(0)
    both["workload_change"] = both["workload_hours_b"].fillna(0) - both["workload_hours_a"].fillna(
        0
    )
    differs = (both["accounts_change"] != 0) | (both["workload_change"].abs() > 1e-9)
    return both[differs].sort_values("rep_id").reset_index(drop=True)


def record_run(
    plan: Plan,
    scenario: Scenario | dict | str | Path | None,
    db: str | None = None,
    label: str | None = None,
    parent_run: int | None = None,
) -> int:
    """Record ``plan`` in the run database ``db`` (URL or path; None: ``$TERRITORY_DB`` or
    ``territory.db``) and return the new run id (``parent_run``: see :meth:`RunStore.record`).
    Raises :class:`StoreError` on failure."""
    with RunStore(db) as store:
        return store.record(plan, scenario, label=label, parent_run=parent_run)


def _exists(conn: Connection, run_id: int) -> bool:
    return conn.execute(sa.select(runs.c.id).where(runs.c.id == run_id)).first() is not None
