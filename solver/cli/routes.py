"""``territory routes``: a solved plan's visits as daily routes per rep (PyVRP).

Kept apart from ``solver.cli.main``; registered there with ``app.command()(routes)``.
Exit codes: 0 written (visits that did not fit are listed, not an error), 2 usage error,
3 the plan folder is missing, unreadable or lacks what routing needs (file, row, column),
1 the files cannot be written, 130 Ctrl-C (nothing written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from solver.cli.common import err, fail, fail_input, fail_write
from solver.errors import InputError, SolverError
from solver.interrupt import signals_held

out = Console()
SHOWN_SKIPPED = 10


def routes(
    plan: Annotated[Path, typer.Option("--plan", help="solved plan folder, or a file in it")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="folder for stops.csv, routes_summary.csv")
    ],
    hours_per_day: Annotated[
        float, typer.Option("--hours-per-day", min=0.1, max=24.0, help="drive + on-site hours")
    ] = 8.0,
    days: Annotated[
        int | None,
        typer.Option(
            "--days", min=0, help="working days per rep (default capacity_hours / hours-per-day)"
        ),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.01, help="PyVRP seconds per rep")
    ] = 1.0,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="processes (default 2)")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="PyVRP seed")] = 0,
    iterations: Annotated[
        int | None,
        typer.Option(
            "--iterations",
            min=1,
            help="PyVRP iterations per rep instead of --time-limit (reproducible)",
        ),
    ] = None,
) -> None:
    """Route each active rep's visits of the period as days from its base and back."""
    try:
        with signals_held():  # a signal in PyVRP's import comes after it, caught below
            from solver.routes import route_plan  # PyVRP and a process pool: only for routes
            from solver.routes.run import DEFAULT_WORKERS
        result = route_plan(
            plan,
            out_dir,
            hours_per_day=hours_per_day,
            days=days,
            time_limit_s=time_limit,
            workers=DEFAULT_WORKERS if workers is None else workers,
            seed=seed,
            iterations=iterations,
        )
    except InputError as exc:
        raise fail_input(exc) from None
    except SolverError as exc:
        raise fail(exc) from None
    except KeyboardInterrupt:
        err.print("interrupted: nothing was written")
        raise typer.Exit(code=130) from None
    except OSError as exc:
        raise fail_write(exc) from None
    _print(result, out_dir)


def _print(result, out_dir: Path) -> None:
    summary = result.summary()
    routed, star = summary["routed_km"].sum(), summary["star_km"].sum()
    saved = f"{1 - routed / star:.1%} less" if star > 0 else "n/a"
    rule = "as given" if result.days is not None else "floor(capacity_hours / hours per day)"
    out.print(
        f"routed {len(summary)} reps in {result.wall_s:.1f} s: {summary['days_used'].sum():,} "
        f"days, {routed:,.0f} km against {star:,.0f} km as round trips ({saved}); working "
        f"days per rep {rule}, {result.settings.hours_per_day:g} h a day",
        highlight=False,
    )
    if result.skipped:
        shown = ", ".join(result.skipped[:SHOWN_SKIPPED])
        extra = len(result.skipped) - SHOWN_SKIPPED
        more = f" and {extra} more" if extra > 0 else ""
        out.print(f"skipped {len(result.skipped)} account(s) with 0 visits: {escape(shown)}{more}")
    if result.visits_not_fitted:
        reps = int((summary["visits_not_fitted"] > 0).sum())
        out.print(
            f"{result.visits_not_fitted:,} visit(s) of {reps} rep(s) did not fit; why is in "
            "routes_summary.csv (not_fitted)",
            highlight=False,
        )
    out.print(f"written: {escape(str(out_dir))}/stops.csv, routes_summary.csv", highlight=False)
