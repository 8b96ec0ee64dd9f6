"""``territory export``: a plan's CRM change-set (only the accounts that move) and its undo.

Kept apart from ``solver.cli.main``; register it there with ``app.command()(export)``.
Exit codes: 0 written (or checked, with --dry-run), 2 usage error, 3 invalid input or
ownership drift (every problem listed with file, row, column and rule; nothing written),
8 the files cannot be written (the previous batch at --out is left whole).
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from solver.cli.common import JsonOpt, err, fail, fail_input, fail_write, print_json
from solver.errors import InputError, SolverError
from solver.export import FORMATS, ExportResult, export_changes
from solver.export.import_steps import import_steps
from solver.plan import plan_folder

out = Console()

FormatName = Enum("FormatName", {name: name for name in FORMATS}, type=str)


def _help_import(name: str | None) -> None:
    if name is None:
        return
    try:
        text = import_steps(name)
    except KeyError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.args[0])}", highlight=False)
        raise typer.Exit(code=2) from None
    typer.echo(text, nl=False)
    raise typer.Exit()


def export(
    plan: Annotated[Path, typer.Option("--plan", help="solved plan folder, or a file in it")],
    fmt: Annotated[FormatName, typer.Option("--format", help="change-set format")],
    out_file: Annotated[
        Path,
        typer.Option("--out", help="file to write; <name>.undo and <name>.manifest.json beside"),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="CSV of rep_id and CRM user (default: a reps column)"),
    ] = None,
    current: Annotated[
        Path | None,
        typer.Option("--current", help="ownership today (customer_id, current_rep)"),
    ] = None,
    account_column: Annotated[
        str | None,
        typer.Option("--account-column", help="plan column with the CRM account id"),
    ] = None,
    owner_column: Annotated[
        str | None,
        typer.Option("--owner-column", help="reps/mapping column with the CRM user"),
    ] = None,
    unassigned_owner: Annotated[
        str | None,
        typer.Option("--unassigned-owner", help="CRM user the undo gives accounts with no owner"),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="replace a change-set of another batch at --out")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="check and count; write nothing")
    ] = False,
    as_json: JsonOpt = False,
    help_import: Annotated[
        str | None,
        typer.Option(
            "--help-import",
            metavar="FORMAT",
            callback=_help_import,
            is_eager=True,
            help="print the steps a CRM admin takes to import FORMAT's file, and exit",
        ),
    ] = None,
) -> None:
    """Write only the accounts whose owner changes, as a CRM import file plus its undo file."""
    try:
        result = export_changes(
            plan_folder(plan),
            fmt.value,
            out_file,
            mapping,
            current,
            account_column=account_column,
            owner_column=owner_column,
            unassigned_owner=unassigned_owner,
            overwrite=force,
            dry_run=dry_run,
        )
    except InputError as exc:
        headline = f"{len(exc.issues)} problem(s); nothing was written"
        raise fail_input(exc, headline=headline) from None
    except SolverError as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise fail_write(exc) from None
    if as_json:
        print_json(dataclasses.asdict(result))
        return
    _summary(result)


def _summary(result: ExportResult) -> None:
    out.print(
        f"batch {result.batch_id} ({result.format}): {result.changes:,} of "
        f"{result.accounts:,} accounts change owner (account id from "
        f"'{result.account_column}')",
        highlight=False,
    )
    if result.undo_skipped:
        shown = ", ".join(result.undo_skipped[:10])
        more = (
            f" and {len(result.undo_skipped) - 10:,} more" if len(result.undo_skipped) > 10 else ""
        )
        out.print(
            f"undo leaves out {len(result.undo_skipped):,} account(s) that had no owner "
            f"({escape(shown)}{more}); --unassigned-owner USER gives them back to USER",
            highlight=False,
        )
    if not result.written:
        out.print("dry run: every check passed, nothing was written", highlight=False)
        return
    for label, path in (
        ("change-set", result.changes_path),
        ("undo", result.undo_path),
        ("manifest", result.manifest_path),
    ):
        out.print(f"  {label}: {escape(str(path))}", highlight=False, soft_wrap=True)
