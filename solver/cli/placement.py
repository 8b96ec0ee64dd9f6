"""``territory assign`` (new accounts onto a standing plan) and ``territory drift``.

Exit codes: 0 every new account placed, 2 usage error, 3 invalid input (a new account's
id already in the plan, bad cells: file, row, column and rule listed), 8 an output cannot
be written, 10 some new accounts could not be placed (the others were; each listed with
its binding rule in ``unassigned.csv`` and on stderr).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from solver.cli.common import JsonOpt, err, fail, fail_input, print_json
from solver.cli.inputs import ColumnsOpt, DecimalOpt, EncodingOpt, SepOpt, apply_input_options
from solver.errors import EXIT_UNPLACED, InputError, SolverError
from solver.outputs import check_output_dir
from solver.placement import Placement, StandingBook, place
from solver.placement.book_drift import BookDrift, MeasureDrift, book_drift
from solver.plan import plan_folder
from solver.scenario import Scenario, as_scenario

out = Console()

PlanOpt = Annotated[
    Path | None, typer.Option("--plan", help="standing plan folder, or a file in it")
]
RunOpt = Annotated[
    str | None, typer.Option("--run", help="a recorded run as the standing plan (id or latest)")
]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="TERRITORY_DB", help="run database (SQLite path or URL)"),
]


def _book(
    plan: Path | None, run: str | None, db: str | None, scenario: Scenario | None,
    reps: Path | None = None,
) -> StandingBook:  # fmt: skip
    if (plan is None) == (run is None):
        raise typer.BadParameter("give the standing plan as --plan DIR or --run RUN")
    if run is not None:
        return StandingBook.from_run(run, db, scenario, reps)
    return StandingBook.from_folder(plan_folder(plan), scenario, reps)


def assign(
    new: Annotated[Path, typer.Option("--new", help="new accounts: CSV, Parquet or Excel")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the combined plan")],
    plan: PlanOpt = None,
    run: RunOpt = None,
    db: DbOpt = None,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="scenario TOML (default: the plan's own)")
    ] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="date protections are judged at"),
    ] = None,
    allow_moves: Annotated[
        int,
        typer.Option(
            "--allow-moves",
            min=0,
            help="at most K standing accounts may move, counted against the standing plan, "
            "when that places the new accounts better; replaces the scenario's max_moves / "
            "max_moves_pct (those budget a full rebalance); moves a rule forces (a rep who "
            "left) are made and named whatever K",
        ),
    ] = 0,
    update: Annotated[
        bool,
        typer.Option(
            "--update",
            help="a customer_id already in the plan is placed again with the facts given "
            "(instead of an input error)",
        ),
    ] = False,
    reps: Annotated[
        Path | None,
        typer.Option(
            "--reps",
            help="reps file replacing the plan's (a rep added, or one who left: a rep the "
            "file leaves out is kept as leaving and its accounts move)",
        ),
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="seconds for the batch (default 1.5)")
    ] = None,
    record: Annotated[bool, typer.Option("--record", help="record the result as a run")] = False,
    label: Annotated[str | None, typer.Option("--label", help="label of the recorded run")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no summary")] = False,
    columns: ColumnsOpt = None,
    sep: SepOpt = None,
    decimal: DecimalOpt = None,
    encoding: EncodingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Place new accounts on a standing plan; every standing account keeps its rep."""
    try:
        check_output_dir(out_dir)
        if record:
            from solver.store.history import check_database  # SQLAlchemy: only to record

            check_database(db)
        scn_in = as_scenario(scenario) if scenario is not None else None
        book = _book(plan, run, db, scn_in, reps)
        scn = book.scenario.replace(as_of=as_of.date()) if as_of is not None else book.scenario
        scn = apply_input_options(scn, columns, sep, decimal, encoding)
        placement = place(book, new, scn, allow_moves, time_limit, update=update)
    except InputError as exc:
        raise fail_input(exc, "the input") from None
    except SolverError as exc:
        raise fail(exc) from None
    try:
        placement.write(out_dir)
    except SolverError as exc:
        raise fail(exc) from None
    run_id = None
    if record:
        try:
            run_id = _record(placement, book, scn, db, label)
        except SolverError as exc:
            written = f"the plan was written to {out_dir}; only recording it failed: "
            raise fail(exc, written) from None
    if as_json or not quiet:  # the drift is for the summary only
        drift = book_drift(StandingBook.from_plan(placement.plan))
        if as_json:
            print_json(_summary(placement, drift, out_dir, run_id))
        else:
            _print_placement(placement, drift, out_dir, run_id)
    if placement.unplaced:
        for u in placement.unplaced:
            err.print(
                f"unplaced {escape(u.customer_id)} {escape(f'[{u.rule}]')}: {escape(u.reason)}; "
                f"{escape(u.free_room)}",
                highlight=False,
                soft_wrap=True,
            )
        raise typer.Exit(code=EXIT_UNPLACED)


def _record(
    placement: Placement, book: StandingBook, scn: Scenario, db: str | None, label: str | None
) -> int:
    """Record the combined plan as a run linked to its parent: the run the book was read
    from, else the newest run of the standing plan folder's plan (none when unrecorded)."""
    from solver.store.history import RunStore

    with RunStore(db) as store:
        parent = book.run_id or store.run_of_plan(book.certificate.get("plan_id"))
        return store.record(placement.plan, scn, label=label, parent_run=parent)


def _summary(placement: Placement, drift: BookDrift, out_dir: Path, run_id) -> dict:
    cert = placement.plan.certificate
    return {
        "placed": placement.placed,
        "new_accounts": len(placement.new_ids),
        "unplaced": [u.__dict__ for u in placement.unplaced],
        "moved": placement.moved,
        "updated": placement.updated,
        "batch": placement.batch.certificate(),
        "objective": cert["objective"],
        "bound": cert["bound"],
        "gap": cert["gap"],
        "out": str(out_dir),
        "run_id": run_id,
        "drift": _drift_json(drift),
    }


def _print_placement(placement: Placement, drift: BookDrift, out_dir: Path, run_id) -> None:
    batch = placement.batch
    gap = "n/a" if batch.gap is None else f"{batch.gap:.3%}"
    bound = "n/a" if batch.bound is None else f"{batch.bound:,.1f}"
    out.print(
        f"[bold]placed[/] {placement.placed:,} of {len(placement.new_ids):,} new accounts "
        f"({batch.status}, {batch.engine}, {batch.wall_s:.2f} s): batch objective "
        f"{batch.objective:,.1f}, bound {bound}, gap {gap}",
        highlight=False,
    )
    if len(placement.moved):
        out.print(f"standing accounts moved: {len(placement.moved)}", highlight=False)
        for row in placement.moved.itertuples():
            out.print(
                f"  {escape(row.customer_id)}: {escape(row.from_rep)} -> {escape(row.to_rep)} "
                f"({escape(str(row.why))})",
                highlight=False,
            )
    else:
        out.print("standing accounts moved: none", highlight=False)
    if placement.updated:
        shown = ", ".join(map(escape, placement.updated[:10]))
        more = f" and {len(placement.updated) - 10} more" if len(placement.updated) > 10 else ""
        out.print(f"placed again with new facts: {shown}{more}", highlight=False)
    out.print(f"drift: {escape(drift.recommendation())}", highlight=False)
    out.print(
        f"written: {escape(str(out_dir))}/assignments.csv, reps.csv, unassigned.csv, metrics.json",
        highlight=False,
    )
    if run_id is not None:
        out.print(f"recorded as run {run_id}")


def drift(
    plan: PlanOpt = None,
    run: RunOpt = None,
    db: DbOpt = None,
    customers: Annotated[
        Path | None,
        typer.Option("--customers", help="the CRM's accounts now (customer_id, current_rep, ...)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """How far a standing book has drifted from balance since its last full rebalance."""
    try:
        result = book_drift(_book(plan, run, db, None), customers)
    except InputError as exc:
        raise fail_input(exc, "the input") from None
    except SolverError as exc:
        raise fail(exc) from None
    if as_json:
        print_json(_drift_json(result))
        return
    then = (
        f" (last full rebalance as of {result.rebalanced_as_of})" if result.rebalanced_as_of else ""
    )
    out.print(
        f"accounts: {result.accounts_now:,} now, {result.accounts_then:,} at the last full "
        f"rebalance{then}; {result.new_since:,} added since",
        highlight=False,
    )
    if customers is not None:
        out.print(
            f"in the CRM: {result.unplaced_now:,} accounts no plan has placed, "
            f"{result.owner_changes:,} owners changed since the plan",
            highlight=False,
        )
    for m in result.measures:
        out.print(escape(_measure_line(m)), highlight=False)
    if result.over_capacity:
        out.print(
            f"over capacity: {len(result.over_capacity)} rep(s) "
            f"({escape(', '.join(result.over_capacity[:5]))})",
            highlight=False,
        )
    out.print(result.recommendation(), highlight=False)


def _measure_line(m: MeasureDrift) -> str:
    """One measure's drift: "accounts  hard [0.8, 1.2]  Gini 0.078 -> 0.103, reps in band
    100% -> 67% (T3 outside)"."""
    then_gini = "n/a" if m.gini_then is None else f"{m.gini_then:.3f}"
    then_band = "n/a" if m.in_band_then is None else f"{m.in_band_then:.0%}"
    outside = ""
    if m.out_of_band:
        more = " ..." if len(m.out_of_band) > 5 else ""
        outside = f" ({', '.join(m.out_of_band[:5])}{more} outside)"
    return (
        f"{m.measure:<9} {m.band:<18} Gini {then_gini} -> {m.gini_now:.3f}, reps in band "
        f"{then_band} -> {m.in_band_now:.0%}{outside}"
    )


def _drift_json(result: BookDrift) -> dict:
    data = dataclasses.asdict(result)
    data["recommendation"] = result.recommendation()
    return data
