"""What every command-line command shares: the error console and how errors end a command."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Mapping
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape

from solver.errors import EXIT_WRITE, InputError, SolverError
from solver.outputs import describe
from solver.results.jsonable import dumps

err = Console(stderr=True)
SHOWN_ISSUES = 30
#: how a metric's verdict against the other side shows (solver.metrics.verdict)
VERDICT_STYLE = {"better": "green", "worse": "red"}


def fail(exc: SolverError, context: str = "") -> typer.Exit:
    """Print the error after ``context`` (data is never read as markup); exit with its code."""
    text = escape(context + str(exc))
    err.print(f"[bold red]error:[/] {text}", highlight=False, soft_wrap=True)
    return typer.Exit(code=exc.exit_code)


def fail_write(exc: OSError) -> typer.Exit:
    """A file could not be written: one line with the file and the reason, exit 8."""
    where = f" {exc.filename}" if exc.filename else ""
    err.print(
        f"[bold red]error:[/] cannot write{escape(where)}: {escape(describe(exc))}",
        highlight=False,
        soft_wrap=True,
    )
    return typer.Exit(code=EXIT_WRITE)


def show_warnings() -> None:
    """Print warnings about the inputs as ``warning: ...`` lines on stderr (no source line),
    each text once: the inputs are read again by the checker, and an import that touches
    ``warnings.filters`` in between resets Python's own once-per-place memory."""
    shown: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if str(message) in shown:
            return
        shown.add(str(message))
        err.print(
            f"[bold yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True
        )

    warnings.showwarning = show


JsonOpt = Annotated[
    bool, typer.Option("--json", help="print the result as JSON on stdout (for scripts)")
]


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout: frames as lists of rows, NaN as null, dates as ISO."""
    sys.stdout.write(dumps(_plain(data)) + "\n")
    sys.stdout.flush()


def _plain(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return value.astype(object).where(value.notna(), None).to_dict(orient="records")
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def setup_logging(verbosity: int) -> None:
    """``-v``: the solver's events (engine, bound, improvements) at INFO on stderr;
    ``-vv``: DEBUG as well."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    handler.set_name("territory-cli")
    logger = logging.getLogger("solver")
    for old in [h for h in logger.handlers if h.get_name() == "territory-cli"]:
        logger.removeHandler(old)  # one handler however often the app is invoked
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)


def fail_input(
    exc: InputError, what: str = "the plan folder", headline: str | None = None
) -> typer.Exit:
    """List the first issues of an input error, one a line (``headline`` replaces the
    "N problem(s) in ``what``" line); exit with its code."""
    issues = exc.issues
    headline = headline or f"{len(issues)} problem(s) in {what}"
    err.print(f"[bold red]error:[/] {escape(headline)}", highlight=False)
    for issue in issues[:SHOWN_ISSUES]:
        err.print(f"  - {escape(str(issue))}", highlight=False, soft_wrap=True)
    if len(issues) > SHOWN_ISSUES:
        err.print(f"  ... and {len(issues) - SHOWN_ISSUES} more", highlight=False)
    return typer.Exit(code=exc.exit_code)
