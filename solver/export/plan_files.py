"""Read a solved plan folder back: assignments.csv, reps.csv and metrics.json.

Cells are restored to the text the solver produced (the ``'`` that made them safe in a
spreadsheet is removed), so ids and reasons are exported exactly as they were in the input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from solver.errors import InputError, InputIssue
from solver.io import RawTable, read_table, restore_formula_text

REQUIRED = {
    "assignments.csv": ("customer_id", "rep_id", "previous_rep"),
    "reps.csv": ("rep_id",),
}


@dataclass(frozen=True)
class PlanFiles:
    """A plan folder as text tables plus its certificate."""

    folder: Path
    assignments: RawTable
    reps: RawTable
    certificate: dict

    @property
    def fingerprint(self) -> dict:
        """What identifies the plan's inputs: input fingerprints, as-of date and seed."""
        cert = self.certificate
        return {
            "input_fingerprints": cert.get("input_fingerprints", {}),
            "as_of": cert.get("as_of"),
            "seed": cert.get("seed"),
        }


def read_plan(plan_dir: str | Path) -> PlanFiles:
    """Read and check a plan folder; every problem found is raised at once."""
    folder = Path(plan_dir)
    if not folder.is_dir():
        raise InputError([InputIssue(str(folder), "", "plan folder not found")])
    issues: list[InputIssue] = []
    tables: dict[str, RawTable] = {}
    for name, required in REQUIRED.items():
        try:
            table = read_table(folder / name, name)
        except InputError as exc:
            issues += exc.issues
            continue
        frame = _restored(table.frame)
        tables[name] = RawTable(frame, table.source, table.first_row)
        missing = [c for c in required if c not in frame.columns]
        if missing:
            issues.append(
                InputIssue(table.source, ", ".join(missing), "required plan column missing")
            )
    certificate = _certificate(folder / "metrics.json", issues)
    if issues:
        raise InputError(issues)
    _check_unique(tables["assignments.csv"], "customer_id")
    _check_unique(tables["reps.csv"], "rep_id")
    return PlanFiles(folder, tables["assignments.csv"], tables["reps.csv"], certificate)


def _restored(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the formula guard on every text cell that carries it."""
    out = frame.copy()
    for column in out.columns:
        values = out[column].astype(str)
        if values.str.startswith("'").any():
            out[column] = values.map(restore_formula_text)
    return out


def _certificate(path: Path, issues: list[InputIssue]) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        issues.append(InputIssue(str(path), "", "file not found"))
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        issues.append(InputIssue(str(path), "", "cannot be read as JSON", (), str(exc)))
        return {}
    certificate = data.get("certificate") if isinstance(data, dict) else None
    if not isinstance(certificate, dict):
        issues.append(InputIssue(str(path), "certificate", "plan certificate missing"))
        return {}
    return certificate


def _check_unique(table: RawTable, column: str) -> None:
    values = table.frame[column]
    dup = values.duplicated(keep=False) & (values != "")
    if dup.any():
        rows = tuple(table.row_number(int(i)) for i in dup.to_numpy().nonzero()[0])
        shown = ", ".join(sorted(set(values[dup]))[:5])
        raise InputError([InputIssue(table.source, column, "duplicate id", rows, shown)])
