"""Build, check and write a CRM change-set from a solved plan folder.

``export_changes`` writes three files, replaced together (``solver.outputs.replace_together``,
the manifest last: it holds the other two files' hashes and so seals the batch), and only
after every check passed:

- ``OUT``: the import file in the chosen format (only the accounts whose owner changes);
- ``<stem>.undo<suffix>``: the same accounts moved back, in the same format;
- ``<stem>.manifest.json``: batch ids, the plan's fingerprints, counts, file hashes and,
  per account, the expected old owner, so an importer or the next run can detect drift.

All three are complete in a staging folder before the first one replaces its predecessor,
so a full disk leaves the previous batch whole. Nothing in the files depends on the time
of the export:
the same plan gives byte-identical files and the same batch id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from solver.errors import InputError, InputIssue
from solver.export.base import ExportFormat, OwnerChange
from solver.export.changeset import (
    Move,
    account_issues,
    batch_id,
    pick_account_column,
    planned_moves,
)
from solver.export.drift import drift_issues
from solver.export.formats import get_format
from solver.export.mapping import MappingInput, OwnerMap, resolve_owners, unassigned_issues
from solver.export.plan_files import REQUIRED, PlanFiles, read_plan
from solver.inputs.io import csv_bytes, json_bytes
from solver.outputs import check_output_file, replace_together


@dataclass(frozen=True)
class ExportResult:
    """What was exported: files, batch ids and counts."""

    format: str
    batch_id: str
    undo_batch_id: str
    changes_path: Path
    undo_path: Path
    manifest_path: Path
    changes: int
    unowned_before: int
    accounts: int
    account_column: str
    owner_column: str | None
    written: bool
    #: accounts left out of the undo file: they had no owner and no --unassigned-owner was
    #: given, so the CRM has nobody to give them back to
    undo_skipped: tuple[str, ...] = ()


def export_changes(
    plan_dir: str | Path,
    fmt: str | ExportFormat,
    out: str | Path,
    mapping: MappingInput | None = None,
    current: str | Path | pd.DataFrame | None = None,
    *,
    account_column: str | None = None,
    owner_column: str | None = None,
    unassigned_owner: str | None = None,
    overwrite: bool = False,
    dry_run: bool = False,
) -> ExportResult:
    """Write the change-set of the plan in ``plan_dir`` as ``fmt`` to ``out`` (plus undo
    and manifest next to it).

    ``mapping``: rep -> CRM user (file, DataFrame or dict with ``rep_id`` and one user
    column); default: a user column of the plan's reps.csv. ``current``: today's
    ownership (``customer_id``, ``current_rep``); when given, the export is refused if
    ownership drifted since the plan was solved. ``account_column``: the plan column
    holding the CRM account id (default: the format's usual column, else customer_id).
    ``unassigned_owner``: CRM user the undo file gives accounts that had no owner.
    ``overwrite``: replace files of a different batch at ``out``. ``dry_run``: check
    and count, write nothing. Raises :class:`solver.errors.InputError` listing every
    problem (file, row, column, rule); then nothing is written.
    """
    form = get_format(fmt)
    check_output_file(Path(out), "the change-set file (--out)", probe=not dry_run)
    plan = read_plan(plan_dir)
    paths = output_paths(Path(out))
    column, issues = pick_account_column(form, plan, account_column)
    if issues:
        raise InputError(issues)
    moves = planned_moves(plan, column)
    issues = account_issues(form, plan, column, moves)
    reps = sorted({rep for m in moves for rep in (m.old_rep, m.new_rep) if rep})
    owners, more = resolve_owners(form, plan, reps, mapping, owner_column)
    issues += more + unassigned_issues(form, unassigned_owner)
    if current is not None:
        issues += drift_issues(plan, moves, current)
    batch = batch_id(plan, moves)
    issues += _output_issues(plan, paths, batch, overwrite)
    if issues:
        raise InputError(issues)
    changes = _resolve(moves, owners, unassigned_owner)
    undo_batch = f"{batch}-UNDO"
    skipped = _undo_skipped(form, changes, unassigned_owner)
    undo = [c.inverse(f"undo of batch {batch}") for c in changes if c.customer_id not in skipped]
    forward_bytes = encode(form, form.table(changes, batch))
    undo_bytes = encode(form, form.table(undo, undo_batch))
    result = ExportResult(
        format=form.name,
        batch_id=batch,
        undo_batch_id=undo_batch,
        changes_path=paths[0],
        undo_path=paths[1],
        manifest_path=paths[2],
        changes=len(changes),
        unowned_before=sum(1 for m in moves if not m.old_rep),
        accounts=len(plan.assignments.frame),
        account_column=column,
        owner_column=owners.column if owners else None,
        written=not dry_run,
        undo_skipped=tuple(c.customer_id for c in changes if c.customer_id in skipped),
    )
    if not dry_run:
        manifest = _manifest(result, plan, owners, unassigned_owner, changes, forward_bytes)
        manifest["files"]["undo"] = _file_entry(paths[1], undo_bytes, len(undo))
        files = {  # undo before the import file, the manifest (the seal) last
            paths[1].name: undo_bytes,
            paths[0].name: forward_bytes,
            paths[2].name: json_bytes(manifest),
        }
        replace_together(paths[0].parent, files, paths[0].name, f"the change-set {paths[0]}")
    return result


def output_paths(out: Path) -> tuple[Path, Path, Path]:
    """The import file, its undo file and its manifest."""
    return (
        out,
        out.with_name(f"{out.stem}.undo{out.suffix}"),
        out.with_name(f"{out.stem}.manifest.json"),
    )


def encode(form: ExportFormat, table: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8, LF); formula-like text neutralised only in spreadsheet files."""
    return csv_bytes(table, spreadsheet_safe=form.for_spreadsheets)


def _resolve(
    moves: Sequence[Move], owners: OwnerMap | None, unassigned_owner: str | None
) -> list[OwnerChange]:
    users = owners.users if owners else {}
    unowned = unassigned_owner or ""
    return [
        OwnerChange(
            seq=m.seq,
            customer_id=m.customer_id,
            account_id=m.account_id,
            old_rep=m.old_rep,
            new_rep=m.new_rep,
            old_user=users.get(m.old_rep, "") if m.old_rep else (unowned if users else ""),
            new_user=users.get(m.new_rep, ""),
            reason=m.reason,
            forced_by=m.forced_by,
        )
        for m in moves
    ]


def _undo_skipped(
    form: ExportFormat, changes: Sequence[OwnerChange], unassigned_owner: str | None
) -> set[str]:
    """Accounts the undo file cannot give back: no previous owner, none given to stand in,
    in a format that needs a CRM user on every row."""
    if unassigned_owner is not None or not form.needs_owner_ids:
        return set()
    return {c.customer_id for c in changes if not c.old_rep}


def _output_issues(
    plan: PlanFiles, paths: tuple[Path, Path, Path], batch: str, overwrite: bool
) -> list[InputIssue]:
    out, _, manifest = paths
    plan_files = {(plan.folder / name).resolve() for name in (*REQUIRED, "metrics.json")}
    if any(p.resolve() in plan_files for p in paths):
        return [InputIssue(str(out), "", "would overwrite a file of the plan itself")]
    if overwrite or not (out.exists() or manifest.exists()):
        return []
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8")).get("batch_id")
    except (OSError, ValueError, AttributeError):
        previous = None
    if previous == batch:
        return []
    held = f"the change-set of batch {previous}" if previous else "a file of unknown batch"
    return [
        InputIssue(
            str(out),
            "",
            f"already holds {held}; replacing it would lose that batch's undo file",
            (),
            "write to another path or pass --force (overwrite=True)",
        )
    ]


def _manifest(
    result: ExportResult,
    plan: PlanFiles,
    owners: OwnerMap | None,
    unassigned_owner: str | None,
    changes: Sequence[OwnerChange],
    forward: bytes,
) -> dict:
    return {
        "batch_id": result.batch_id,
        "undo_batch_id": result.undo_batch_id,
        "format": result.format,
        "plan": plan.fingerprint,
        "account_id_column": result.account_column,
        "owner_mapping": (
            {"source": Path(owners.source).name, "column": owners.column} if owners else None
        ),
        "unassigned_owner": unassigned_owner,
        "counts": {
            "accounts_in_plan": result.accounts,
            "changes": result.changes,
            "unowned_before": result.unowned_before,
        },
        "files": {"changes": _file_entry(result.changes_path, forward, len(changes))},
        "undo_skipped": {
            "count": len(result.undo_skipped),
            "customer_ids": list(result.undo_skipped),
            "why": "no previous owner and no unassigned owner given",
        },
        "changes": [
            {
                "seq": c.seq,
                "customer_id": c.customer_id,
                "account_id": c.account_id,
                "expected_owner": c.old_rep,
                "expected_owner_user": c.old_user,
                "new_owner": c.new_rep,
                "new_owner_user": c.new_user,
                "reason": c.reason,
                "forced_by": c.forced_by,
            }
            for c in changes
        ],
    }


def _file_entry(path: Path, data: bytes, rows: int) -> dict:
    return {"name": path.name, "rows": rows, "sha256": hashlib.sha256(data).hexdigest()}
