"""Command line: ``territory demo | solve | check``. Calls only the public API.

Exit codes: 0 success, 2 usage, 3 invalid input, 4 infeasible, 5 plan breaks rules,
6 no plan within the time limit, 7 too large / out of memory, 8 an output cannot be
written, 9 a file or database of a newer version, 130 Ctrl-C, 143 SIGTERM
(with the best plan so far written, marked interrupted, when there was one).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from solver.check import NOT_IN_CUSTOMERS, check_plan, plan_scenario
from solver.cli.common import (
    JsonOpt,
    err,
    fail,
    fail_write,
    print_json,
    setup_logging,
    show_warnings,
)
from solver.cli.export import export
from solver.cli.inputs import ColumnsOpt, DecimalOpt, EncodingOpt, SepOpt, apply_input_options
from solver.cli.meta import package_version, scenario_schema, solve_summary
from solver.cli.placement import assign, drift
from solver.cli.progress import live_bar
from solver.cli.report import report
from solver.cli.routes import routes
from solver.cli.runs import forecast, runs_app
from solver.cli.summary import print_summary
from solver.errors import EXIT_STOPPED, EXIT_VIOLATIONS, SolverError, TooLargeError
from solver.inputs.io import atomic_write
from solver.inputs.spreadsheet import write_xlsx
from solver.interrupt import Terminated, exit_at_once, raise_terminated, signals_held
from solver.models.names import ENGINE_CHOICES, spelled_out
from solver.outputs import check_output_dir
from solver.plan import Plan
from solver.scenario import Scenario, as_scenario

app = typer.Typer(
    no_args_is_help=True,
    help="Assign customer accounts to sales reps: balanced, explained, near-optimal.",
)
out = Console()


def _version(value: bool) -> None:
    if value:
        out.print(f"territory {package_version()}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="print the version"),
    ] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="log solver events on stderr (-v info, -vv debug)"
        ),
    ] = 0,
) -> None:
    """Assign customer accounts to sales reps: balanced, explained, near-optimal."""
    show_warnings()
    if verbose:
        setup_logging(verbose)


OUT_OF_MEMORY = (
    "ran out of memory while solving; nothing was written. Lower max_candidates, set "
    "memory_limit_gb, or split the run by region"
)
DETERMINISTIC_NOTE = (
    "deterministic run: the {limit:g} s limit counts units of work, not seconds; expect it "
    "to take longer, the more so on a slow or busy machine"
)
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data"

CustomersOpt = Annotated[
    Path, typer.Option("--customers", help="customers CSV, Parquet or Excel (book.xlsx#Sheet)")
]
RepsOpt = Annotated[
    Path, typer.Option("--reps", help="reps CSV, Parquet or Excel (book.xlsx#Sheet)")
]
ScenarioOpt = Annotated[Path | None, typer.Option("--scenario", help="scenario TOML")]
AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="date protections are judged at"),
]


def _scenario(
    path: Path | None, as_of: dt.datetime | None, base: Scenario | None = None, **overrides
) -> Scenario:
    scenario = as_scenario(path) if path is not None or base is None else base
    changes = {k: v for k, v in overrides.items() if v is not None}
    if as_of is not None:
        changes["as_of"] = as_of.date()
    if not changes:
        return scenario
    return scenario.replace(changed_by="command-line options", **changes)


def _run_solve(
    customers, reps, scenario: Scenario, out_dir: Path, quiet: bool, as_json: bool = False
) -> Plan:
    progress = None if quiet or not scenario.progress else live_bar
    if scenario.deterministic and not quiet:
        err.print(DETERMINISTIC_NOTE.format(limit=scenario.time_limit_s), highlight=False)
    try:
        with signals_held():  # a signal in OR-Tools' import comes after it, caught below
            from solver.solve import solve  # the engines (OR-Tools, HiGHS): only for a solve
        plan = solve(customers, reps, scenario, progress=progress)
    except SolverError as exc:
        raise fail(exc) from None
    except KeyboardInterrupt:
        err.print("interrupted: nothing was written")
        raise typer.Exit(code=130) from None
    except Terminated:
        err.print("stopped by SIGTERM before any plan was found: nothing was written")
        raise typer.Exit(code=EXIT_STOPPED["SIGTERM"]) from None
    except MemoryError:
        raise fail(TooLargeError(OUT_OF_MEMORY)) from None
    try:
        plan.write(out_dir)
    except SolverError as exc:
        raise fail(exc) from None
    if not quiet and not as_json:
        print_summary(out, plan, out_dir)
    stopped_by = plan.certificate.get("interrupted")
    if stopped_by:
        if as_json:
            print_json(solve_summary(plan, out_dir, None))
        gap = plan.certificate["gap"]
        err.print(
            f"stopped by {stopped_by}: wrote the best plan found so far "
            f"(gap {'n/a' if gap is None else f'{gap:.3%}'}), marked interrupted in metrics.json"
        )
        raise typer.Exit(code=EXIT_STOPPED.get(stopped_by, 130))
    return plan


@app.command(name="solve")
def solve_cmd(
    ctx: typer.Context,
    customers: CustomersOpt,
    reps: RepsOpt,
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the plan files")],
    scenario: ScenarioOpt = None,
    as_of: AsOfOpt = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="seconds")] = None,
    engine: Annotated[str | None, typer.Option(help=spelled_out(ENGINE_CHOICES))] = None,
    seed: Annotated[int | None, typer.Option(help="random seed")] = None,
    gap: Annotated[
        float | None,
        typer.Option(
            "--gap",
            min=0.0,
            max=0.999,
            help="stop once the plan is within this gap of the bound (0.005 = 0.5 %, the "
            "default; 0 = search the whole time limit unless proved optimal)",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress, no summary")] = False,
    record: Annotated[
        bool, typer.Option("--record", help="record the run in the run database")
    ] = False,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="TERRITORY_DB",
            help="run database, implies --record: SQLite file or postgresql+psycopg:// URL "
            "(default territory.db)",
        ),
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="label of the recorded run")] = None,
    columns: ColumnsOpt = None,
    sep: SepOpt = None,
    decimal: DecimalOpt = None,
    encoding: EncodingOpt = None,
    xlsx: Annotated[
        bool, typer.Option("--xlsx", help="also write assignments.xlsx (formula-safe)")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Solve a plan and write assignments.csv, reps.csv and metrics.json into --out."""
    from solver.store.history import check_database, record_run  # SQLAlchemy

    try:
        check_output_dir(out_dir)  # before loading: a solve whose plan cannot be written
        if record or db is not None:
            check_database(db)
        scn = _scenario(
            scenario, as_of, time_limit_s=time_limit, engine=engine, seed=seed, gap_tolerance=gap
        )
        scn = apply_input_options(scn, columns, sep, decimal, encoding)
    except SolverError as exc:
        raise fail(exc) from None
    plan = _run_solve(customers, reps, scn, out_dir, quiet, as_json)
    quiet = quiet or as_json  # stdout carries only the JSON
    run_id = None
    if xlsx:
        path = out_dir / "assignments.xlsx"
        try:
            atomic_write(path, lambda tmp: write_xlsx(plan.assignments, tmp))
        except OSError as exc:
            raise fail_write(exc) from None
        if not quiet:
            out.print(f"written: {escape(str(path))}")
    # by name: typer may bring its own copy of click, whose enum is not click's
    source = ctx.get_parameter_source("db")
    db_given = getattr(source, "name", None) == "COMMANDLINE"
    if record or db_given:  # $TERRITORY_DB only says where, --record or --db says whether
        try:
            run_id = record_run(plan, scn, db, label=label)
        except SolverError as exc:
            written = f"the plan was written to {out_dir}; only recording it failed: "
            raise fail(exc, written) from None
        if not quiet:
            out.print(f"recorded as run {run_id}")
    if as_json:
        print_json(solve_summary(plan, out_dir, run_id))


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the plan")] = Path("demo-plan"),
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="seconds")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Solve the bundled sample (2,000 customers, 30 reps) and print a summary."""
    if not (SAMPLE_DIR / "customers.csv").exists():
        err.print(
            f"the sample data is not next to the package ({SAMPLE_DIR}); run from a source checkout"
        )
        raise typer.Exit(code=1)
    try:
        check_output_dir(out_dir)
    except SolverError as exc:
        raise fail(exc) from None
    scn = _scenario(SAMPLE_DIR / "scenario.toml", None, time_limit_s=time_limit)
    _run_solve(SAMPLE_DIR / "customers.csv", SAMPLE_DIR / "reps.csv", scn, out_dir, quiet)


@app.command()
def check(
    customers: CustomersOpt,
    reps: RepsOpt,
    plan: Annotated[
        Path,
        typer.Option("--plan", help="plan folder, or an assignments CSV (customer_id, rep_id)"),
    ],
    scenario: ScenarioOpt = None,
    as_of: AsOfOpt = None,
    columns: ColumnsOpt = None,
    sep: SepOpt = None,
    decimal: DecimalOpt = None,
    encoding: EncodingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check any plan against every hard rule; exit 5 and list violations if it breaks one."""
    try:
        own = plan_scenario(plan) if scenario is None else None
        scn = _scenario(scenario, as_of, base=own)
        scn = apply_input_options(scn, columns, sep, decimal, encoding)
        violations = check_plan(customers, reps, plan, scn)
    except SolverError as exc:
        raise fail(exc) from None
    if as_json:
        rows = [dataclasses.asdict(v) for v in violations]
        print_json({"valid": not violations, "as_of": scn.as_of, "violations": rows})
        if violations:
            raise typer.Exit(code=EXIT_VIOLATIONS)
        return
    if not violations:
        under = "" if own is None else ", the scenario the plan was solved with"
        out.print(f"plan is valid: every hard rule holds (as of {scn.as_of}{under})")
        return
    err.print(f"[bold red]{len(violations)} violation(s):[/]")
    for v in violations:
        err.print(f"  [{v.rule}] {v.message}", markup=False, highlight=False)
    if any(v.rule == "coverage" and NOT_IN_CUSTOMERS in v.message for v in violations):
        folder = plan if plan.is_dir() else plan.parent
        err.print(
            "hint: the plan holds accounts the customers table lacks; a plan from "
            "`territory assign` holds its new accounts, so check it against its own columns: "
            f"--customers {folder / 'assignments.csv'} --reps {folder / 'reps.csv'}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    raise typer.Exit(code=EXIT_VIOLATIONS)


app.command()(export)
app.command()(report)
app.command(name="scenario-schema")(scenario_schema)
app.add_typer(runs_app, name="runs")
app.command()(forecast)
app.command()(routes)
app.command()(assign)
app.command()(drift)


def main(prog_name: str | None = None) -> None:
    """Run the command line (the ``territory`` script, through ``territory.main``). Ctrl-C
    raises KeyboardInterrupt and SIGTERM :class:`Terminated` until a solve's search takes
    them over, so either ends a solve that is still loading with nothing written."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_terminated)
    try:
        app(prog_name=prog_name)
    except Terminated:
        err.print("stopped by SIGTERM", highlight=False)
        exit_at_once(EXIT_STOPPED["SIGTERM"])
    except SystemExit as exc:
        if exc.code in EXIT_STOPPED.values():  # stopped: engine threads may still run
            exit_at_once(exc.code)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
