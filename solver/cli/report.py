"""``territory report``: one self-contained HTML page of a solved plan folder.

Kept apart from ``solver.cli.main``; register it there with ``app.command()(report)``.
Exit codes: 0 written, 2 usage error, 3 the plan folder is missing or unreadable (every
problem listed), 8 the page cannot be written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from solver.cli.common import fail, fail_input, fail_write
from solver.errors import InputError, SolverError
from solver.outputs import check_output_file
from solver.plan import plan_folder

out = Console()


def report(
    plan: Annotated[Path, typer.Option("--plan", help="solved plan folder, or a file in it")],
    out_file: Annotated[
        Path, typer.Option("--out", help="HTML file to write (self-contained, opens offline)")
    ],
    routes: Annotated[
        Path | None, typer.Option("--routes", help="folder written by territory routes")
    ] = None,
) -> None:
    """Write an HTML report of a plan: headline numbers, workload chart, maps, moves, reps."""
    from solver.report.page import write_report  # templates and charts: only for a report
    from solver.routes.report_section import routes_section

    try:
        check_output_file(out_file)
        sections = [] if routes is None else [routes_section(routes)]
        path = write_report(plan_folder(plan), out_file, sections)
    except InputError as exc:
        raise fail_input(exc) from None
    except SolverError as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise fail_write(exc) from None
    size = path.stat().st_size
    out.print(f"report written: {escape(str(path))} ({size / 1e6:.2f} MB)", highlight=False)
