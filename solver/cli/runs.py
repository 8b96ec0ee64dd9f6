"""Command line for the run history and the protection forecast.

``runs_app`` is a typer sub-app (``territory runs list | show RUN | diff RUN_A RUN_B``) and
``forecast`` a command function; ``solver.cli.main`` registers both. The database is ``--db``
(a SQLite path or a ``postgresql+psycopg://`` URL), else ``$TERRITORY_DB``, else
``territory.db`` in the current folder.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from solver.cli.common import JsonOpt, fail, fail_write, print_json
from solver.errors import SolverError
from solver.export.plan_files import plan_file_bytes
from solver.inputs.io import write_csv
from solver.metrics import flat_numbers, metric_info, verdict
from solver.outputs import check_output_dir, check_output_file, replace_together
from solver.results.jsonable import dumps

if TYPE_CHECKING:
    from solver.store.history import RunRecord

out = Console()

runs_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Recorded solve runs: list them, show one, diff two.",
)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TERRITORY_DB",
        help="run database: SQLite file or postgresql+psycopg:// URL (default territory.db)",
    ),
]
RunArg = Annotated[str, typer.Argument(help="run id (see 'runs list') or 'latest'")]


#: a column is never narrower than its header, up to this many characters
HEADER_MIN_WIDTH = 24

LIST_HEADERS = {
    "id": "id",
    "finished_at": "finished (UTC)",
    "label": "label",
    "engine": "engine",
    "status": "status",
    "objective": "objective",
    "gap": "gap",
    "moves": "moves",
}
REP_HEADERS = {
    "rep_id": "rep",
    "accounts": "accounts",
    "accounts_before": "before",
    "workload_hours": "hours",
    "capacity_hours": "capacity",
    "utilisation": "util",
    "value": "value",
}
FORECAST_HEADERS = {
    "protected_rep": "rep",
    "customer_id": "customer",
    "protected_until": "protected until",
    "movable_from": "movable from",
    "days_until_movable": "days",
    "value": "value",
    "current_rep": "owner",
}


def _cell(value: Any, digits: int = 4) -> str:
    """Text for a table cell: numbers always in fixed notation with thousands separators
    (up to ``digits`` decimals, more for tiny values), so one column reads one way."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value != 0 and abs(value) < 10 ** (-digits):
            digits += 4
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    if isinstance(value, list | dict):
        return escape(dumps(value).replace("\n", " "))
    return escape(str(value))


def _table(frame: pd.DataFrame, title: str | None = None, limit: int | None = None) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and frame[column].dtype != bool
        table.add_column(
            str(column),
            justify="right" if numeric else "left",
            overflow="fold",
            min_width=min(len(str(column)), HEADER_MIN_WIDTH),
        )
    shown = frame if limit is None else frame.head(limit)
    for row in shown.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    return table


def _print_table(frame: pd.DataFrame, title: str | None = None, limit: int | None = None) -> None:
    """Print ``frame``; a table wider than the console is printed as several tables, each
    with the first (key) column and as many further columns as fit, so no header is cut."""
    shown = frame if limit is None else frame.head(limit)
    widths = [max([len(str(c)), *(len(_cell(v)) for v in shown[c])]) + 3 for c in shown.columns]
    groups: list[list[int]] = [[]]
    used = widths[0] if widths else 0
    for k in range(1, len(widths)):
        if groups[-1] and used + widths[k] > out.width:
            groups.append([])
            used = widths[0]
        groups[-1].append(k)
        used += widths[k]
    for part, columns in enumerate(groups):
        sub = frame.iloc[:, [0, *columns]] if len(frame.columns) else frame
        name = title if part == 0 or title is None else f"{title} (continued)"
        out.print(_table(sub, title=name, limit=limit))


def _more(total: int, limit: int, what: str) -> None:
    if total > limit:
        out.print(f"... {total - limit:,} more {what} (raise --limit or use --out)")


@runs_app.command(name="list")
def list_runs(
    db: DbOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="most recent runs to show")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List recorded runs, newest first."""
    from solver.store.history import RunStore  # SQLAlchemy: only for the run database

    try:
        with RunStore(db, must_exist=True) as store:
            frame = store.list(limit=limit)
            where = store.shown_url
    except SolverError as exc:
        raise fail(exc) from None
    if as_json:
        print_json(frame)
        return
    if frame.empty:
        out.print(f"no runs recorded in {escape(where)}")
        return
    frame = frame[list(LIST_HEADERS)].rename(columns=LIST_HEADERS)
    frame["finished (UTC)"] = frame["finished (UTC)"].map(lambda t: t.strftime("%Y-%m-%d %H:%M"))
    frame["objective"] = frame["objective"].map(lambda v: "" if pd.isna(v) else f"{v:,.1f}")
    frame["gap"] = frame["gap"].map(lambda v: "" if pd.isna(v) else f"{v:.2%}")
    _print_table(frame, title=f"runs in {escape(where)}")


def _lineage(record: RunRecord, children: list[int]) -> list[str]:
    """The run's parent (the standing plan new accounts were placed on) and its placements."""
    lines = []
    parent = record.run.get("parent_run_id")
    placement = (record.run.get("certificate") or {}).get("placement")
    if parent is not None:
        lines.append(f"placed on run {parent}: new accounts on its standing plan")
    elif placement is not None:
        source = ((record.run.get("certificate") or {}).get("parent") or {}).get("source")
        lines.append(f"placed on a standing plan not recorded here ({escape(str(source))})")
    if children:
        lines.append("placements on this run: " + ", ".join(f"run {c}" for c in children))
    return lines


@runs_app.command()
def show(
    run: RunArg,
    db: DbOpt = None,
    reps: Annotated[int, typer.Option("--reps", min=0, help="rep rows to show")] = 50,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="also write the run's assignments.csv, reps.csv")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one run: certificate, input fingerprints, metrics and the per-rep summary."""
    from solver.store.history import RunStore  # SQLAlchemy: only for the run database

    try:
        if out_dir is not None:
            check_output_dir(out_dir)
        with RunStore(db, must_exist=True) as store:
            record = store.get(run)
            children = store.children(record.id)
    except SolverError as exc:
        raise fail(exc) from None
    if out_dir is not None:
        _write_plan_folder(record, out_dir)
    if as_json:
        print_json({"run": record.run, "reps": record.reps})
        return
    info = record.run
    cert = info["certificate"] or {}
    label = f" '{escape(info['label'])}'" if info["label"] else ""
    out.print(
        f"[bold]run {record.id}[/]{label}: {info['status']} by {info['engine']}, "
        f"{_cell(info['started_at'])} to {_cell(info['finished_at'])} UTC, as of {info['as_of']}"
    )
    out.print(
        f"objective {_cell(info['objective'])}, bound {_cell(info['bound'])}, "
        f"gap {_cell(info['gap'])}; {info['customers']:,} customers, {info['reps']:,} reps, "
        f"{info['moves']:,} moves; wall {_cell(cert.get('wall_s'))} s"
    )
    prints = info["fingerprints"] or {}
    out.print("inputs: " + ", ".join(f"{k} {escape(str(v))}" for k, v in prints.items()))
    for line in _lineage(record, children):
        out.print(line, highlight=False)
    metrics = info["metrics"] or {}
    rows = _flat_metrics(metrics)
    if not rows.empty:
        _print_table(rows, title="metrics")
    if reps:
        table = record.reps[list(REP_HEADERS)].rename(columns=REP_HEADERS)
        _print_table(table, title="reps", limit=reps)
        _more(len(record.reps), reps, "reps")
    if out_dir is not None:
        out.print(f"written: {escape(str(out_dir))}/assignments.csv, reps.csv, metrics.json")
        if not record.files:
            out.print(
                "this run was recorded before the history kept whole plan files: the folder "
                "is rebuilt from the stored columns (report, export and check take it; "
                "Plan.load needs the input columns and refuses it)"
            )


def _flat_metrics(metrics: dict[str, Any]) -> pd.DataFrame:
    """Before and after per metric, with its unit and the after side's verdict."""
    after = flat_numbers(metrics.get("after") or {})
    before = flat_numbers(metrics.get("before") or {})
    names = list(after) + [k for k in before if k not in after]
    infos = [metric_info(n) for n in names]
    return pd.DataFrame(
        {
            "metric": names,
            "unit": [info.unit if info is not None else "" for info in infos],
            "before": [before.get(n) for n in names],
            "after": [after.get(n) for n in names],
            "after is": [verdict(n, before.get(n), after.get(n)) for n in names],
        }
    )


@runs_app.command()
def diff(
    run_a: RunArg,
    run_b: RunArg,
    db: DbOpt = None,
    limit: Annotated[int, typer.Option(min=0, help="moves to show")] = 50,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write every move to this CSV")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare two runs: accounts that change rep, metrics and rep loads side by side."""
    from solver.store.history import RunStore  # SQLAlchemy: only for the run database

    try:
        if out_file is not None:
            check_output_file(out_file)
        with RunStore(db, must_exist=True) as store:
            result = store.diff(run_a, run_b)
    except SolverError as exc:
        raise fail(exc) from None
    if as_json:
        if out_file is not None:
            write_csv(result.moves, out_file)
        keys = ("a", "b", "moves", "metrics", "reps")
        print_json({k: getattr(result, k) for k in keys})
        return
    a, b = f"run {result.a}", f"run {result.b}"
    metrics = result.metrics.rename(columns={"a": a, "b": b, "change": "change (b - a)"})
    _print_table(metrics, title=f"metrics: {a} vs {b}")
    if not result.reps.empty:
        reps = result.reps.rename(columns=lambda c: c.replace("_a", " a").replace("_b", " b"))
        _print_table(reps, title="reps whose load differs")
    moves = result.moves.rename(columns={"rep_a": f"rep in {a}", "rep_b": f"rep in {b}"})
    out.print(f"[bold]{len(moves):,}[/] account(s) have a different rep in {b} than in {a}")
    if len(moves) and limit:
        _print_table(moves, limit=limit)
        _more(len(moves), limit, "moves")
    if out_file is not None:
        _write(result.moves, out_file)
        out.print(f"written: {escape(str(out_file))}")


def _write(frame: pd.DataFrame, path: Path) -> None:
    try:
        write_csv(frame, path)
    except OSError as exc:
        raise fail_write(exc) from None


def forecast(
    customers: Annotated[Path, typer.Option("--customers", help="customers CSV or Parquet")],
    until: Annotated[
        dt.datetime,
        typer.Option("--until", formats=["%Y-%m-%d"], help="forecast horizon (YYYY-MM-DD)"),
    ],
    as_of: Annotated[
        dt.datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="today for the forecast"),
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="accounts to list")] = 50,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write every account to this CSV")
    ] = None,
) -> None:
    """Protection forecast: per rep, the protected accounts that become movable by --until."""
    from solver.analysis.forecast import forecast_by_rep, protection_forecast

    start = as_of.date() if as_of else dt.date.today()
    try:
        if out_file is not None:
            check_output_file(out_file)
        result = protection_forecast(customers, until.date(), start)
    except SolverError as exc:
        raise fail(exc) from None
    horizon = f"between {start} and {until.date()}"
    if result.empty:
        out.print(f"no protected account becomes movable {horizon}")
    else:
        summary = forecast_by_rep(result).rename(columns={"protected_rep": "rep"})
        _print_table(summary, title=f"protected accounts becoming movable {horizon}, per rep")
        if limit:
            _print_table(result.rename(columns=FORECAST_HEADERS), limit=limit)
            _more(len(result), limit, "accounts")
    if out_file is not None:
        _write(result, out_file)
        out.print(f"written: {escape(str(out_file))}")


def _write_plan_folder(record: RunRecord, out_dir: Path) -> None:
    """A complete plan folder: the files as the solve wrote them, or for an older record
    the stored columns with the run's metrics and certificate, written together."""
    files = record.files
    if not files:
        payload = {
            "metrics": record.run["metrics"] or {},
            "certificate": record.run["certificate"] or {},
        }
        files = plan_file_bytes(record.assignments, record.reps, payload)
    try:
        replace_together(out_dir, files, "plan", "the plan")
    except SolverError as exc:
        raise fail(exc) from None
