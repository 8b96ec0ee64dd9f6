"""A solved plan folder: assignments.csv, reps.csv and metrics.json, written and read back.

Every file carries the plan's id (a ``plan_id`` column in both tables, a ``plan_id`` key in
metrics.json, which is written last and so seals the folder). A folder whose files carry
different ids (a write that was killed between its renames, or files copied between
folders) is refused by name; a folder without any id (hand-made, or written before ids)
is read as it is. Cells are restored to the text the solver produced (the ``'`` that made
them safe in a spreadsheet is removed), so ids and reasons are exported exactly as they
were in the input.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from solver.errors import InputError, InputIssue, NewerVersionError
from solver.inputs.io import RawTable, csv_bytes, json_bytes, read_table, restore_formula_text
from solver.outputs import wait_for_writer
from solver.results.certificate import SCHEMA_VERSION

PLAN_ID = "plan_id"
#: top-level key of metrics.json: the layout version (absent from files written before it)
VERSION_KEY = "schema_version"
METRICS = "metrics.json"

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
    plan_id: str | None = None

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
    """Read and check a plan folder; every problem found is raised at once. A folder that
    mixes plans while another run holds its write lock is read again once that run is done
    (a reader that came between its renames)."""
    try:
        return _read_plan(Path(plan_dir))
    except MixedPlanError:
        if not wait_for_writer(Path(plan_dir), "plan"):
            raise
    return _read_plan(Path(plan_dir))


class MixedPlanError(InputError):
    """The files of a plan folder come from different plans."""


def _read_plan(folder: Path) -> PlanFiles:
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
    certificate, seal = _certificate(folder / METRICS, issues)
    if issues:
        raise InputError(issues)
    ids = {name: _ids(table.frame) for name, table in tables.items()}
    ids[METRICS] = {seal} if seal else set()
    mixed = mixed_issue(folder, ids)
    if mixed:
        raise MixedPlanError([mixed])
    for name, table in tables.items():
        if PLAN_ID in table.frame.columns:
            tables[name] = replace(table, frame=table.frame.drop(columns=PLAN_ID))
    _check_unique(tables["assignments.csv"], "customer_id")
    _check_unique(tables["reps.csv"], "rep_id")
    return PlanFiles(folder, tables["assignments.csv"], tables["reps.csv"], certificate, seal)


def plan_file_bytes(
    assignments: pd.DataFrame, reps: pd.DataFrame, payload: dict, version: int = SCHEMA_VERSION
) -> dict:
    """The three files of a plan folder, in writing order (metrics.json last: the seal),
    each carrying the plan's id: a hash of the metrics, the certificate and who owns what
    (not of the layout ``version``, so a plan keeps its id across layout versions)."""
    digest = hashlib.sha256(json_bytes(payload))
    for column in ("customer_id", "rep_id"):
        digest.update("\x1f".join(map(str, assignments[column])).encode("utf-8"))
    plan_id = digest.hexdigest()[:16]
    return {
        "assignments.csv": csv_bytes(_with_id(assignments, plan_id)),
        "reps.csv": csv_bytes(_with_id(reps, plan_id)),
        METRICS: json_bytes({PLAN_ID: plan_id, VERSION_KEY: version, **payload}),
    }


def _with_id(frame: pd.DataFrame, plan_id: str) -> pd.DataFrame:
    if PLAN_ID in frame.columns:  # an input column of that name is carried under another
        frame = frame.rename(columns={PLAN_ID: f"input_{PLAN_ID}"})
    return frame.assign(**{PLAN_ID: plan_id})


def _ids(frame: pd.DataFrame) -> set[str]:
    if PLAN_ID not in frame.columns:
        return set()
    return set(frame[PLAN_ID].unique())


def mixed_issue(folder: Path, ids: dict[str, set[str]]) -> InputIssue | None:
    """An issue naming the files when they do not all carry one and the same plan id."""
    found = set().union(*ids.values())
    if not found or (len(found) == 1 and all(ids.values())):
        return None
    shown = "; ".join(
        f"{name} {'from plans ' if len(v) > 1 else 'from plan '}{', '.join(sorted(v))}"
        if v
        else f"{name} without a plan id"
        for name, v in ids.items()
    )
    return InputIssue(
        str(folder),
        "",
        "the files of this plan folder come from different plans (a write was interrupted, "
        "or files were copied between folders); solve again into it, or copy all three "
        "files of one plan together",
        (),
        shown,
    )


def folder_issue(folder: Path) -> InputIssue | None:
    """:func:`mixed_issue` for a plan folder on disk, reading only the id columns (for a
    reader given one file of a folder, such as ``check --plan DIR/assignments.csv``)."""
    ids: dict[str, set[str]] = {}
    for name in REQUIRED:
        path = folder / name
        if not path.is_file():
            return None
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=_has_id)
        except (OSError, ValueError, pd.errors.ParserError):
            return None  # the reader itself reports what is wrong with the file
        ids[name] = _ids(frame)
    issues: list[InputIssue] = []
    _, seal = _certificate(folder / METRICS, issues)
    if issues:
        return None
    ids[METRICS] = {seal} if seal else set()
    return mixed_issue(folder, ids)


def _has_id(column: str) -> bool:
    return column.strip() == PLAN_ID


def _restored(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the formula guard on every text cell that carries it."""
    out = frame.copy()
    for column in out.columns:
        values = out[column].astype(str)
        if values.str.startswith("'").any():
            out[column] = values.map(restore_formula_text)
    return out


def read_certificate(folder: Path) -> dict:
    """The certificate in a plan folder's metrics.json; {} when the folder has none."""
    issues: list[InputIssue] = []
    certificate, _ = _certificate(folder / METRICS, issues)
    return {} if issues else certificate


def _certificate(path: Path, issues: list[InputIssue]) -> tuple[dict, str | None]:
    """The certificate and the plan id that seals the folder (None when there is none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        issues.append(InputIssue(str(path), "", "file not found"))
        return {}, None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        issues.append(InputIssue(str(path), "", "cannot be read as JSON", (), str(exc)))
        return {}, None
    version = data.get(VERSION_KEY, 0) if isinstance(data, dict) else 0
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise NewerVersionError("the plan file", str(path), version, SCHEMA_VERSION)
    certificate = data.get("certificate") if isinstance(data, dict) else None
    if not isinstance(certificate, dict):
        issues.append(InputIssue(str(path), "certificate", "plan certificate missing"))
        return {}, None
    seal = data.get(PLAN_ID)
    return certificate, str(seal) if seal is not None else None


def _check_unique(table: RawTable, column: str) -> None:
    values = table.frame[column]
    dup = values.duplicated(keep=False) & (values != "")
    if dup.any():
        rows = tuple(table.row_number(int(i)) for i in dup.to_numpy().nonzero()[0])
        shown = ", ".join(sorted(set(values[dup]))[:5])
        raise InputError([InputIssue(table.source, column, "duplicate id", rows, shown)])
