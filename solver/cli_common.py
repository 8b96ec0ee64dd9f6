"""What every command-line command shares: the error console and how errors end a command."""

from __future__ import annotations

import warnings

import typer
from rich.console import Console
from rich.markup import escape

from solver.errors import SolverError

err = Console(stderr=True)


def fail(exc: SolverError) -> typer.Exit:
    """Print the error (data in it is never read as markup); exit with its code."""
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    return typer.Exit(code=exc.exit_code)


def fail_write(exc: OSError) -> typer.Exit:
    """A file could not be written: exit 1 with the reason."""
    err.print(f"[bold red]error:[/] cannot write: {escape(str(exc))}", highlight=False)
    return typer.Exit(code=1)


def show_warnings() -> None:
    """Print warnings about the inputs as ``warning: ...`` lines on stderr (no source line)."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        err.print(
            f"[bold yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True
        )

    warnings.showwarning = show
