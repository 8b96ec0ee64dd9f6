"""Rep id -> CRM user (Salesforce User Id, HubSpot owner email, Dynamics systemuserid,
Odoo res.users id).

The mapping comes from a mapping file / DataFrame / dict when one is given (it is then the
only source), else from a column of the plan's reps.csv (input rep columns are carried
through to it). Every old and new owner of a moved account must map to a valid user:
a missing mapping is an error naming the reps, never a silently dropped row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from solver.errors import InputError, InputIssue
from solver.export.base import ExportFormat
from solver.export.plan_files import PlanFiles
from solver.inputs.io import RawTable, read_table

MappingInput = str | Path | pd.DataFrame | Mapping[str, str]
DICT_COLUMN = "crm_user"


@dataclass(frozen=True)
class OwnerMap:
    """CRM user per rep, and where it was read (file and column)."""

    users: dict[str, str]
    source: str
    column: str


def resolve_owners(
    fmt: ExportFormat,
    plan: PlanFiles,
    reps: list[str],
    mapping: MappingInput | None,
    column: str | None,
) -> tuple[OwnerMap | None, list[InputIssue]]:
    """Map each rep in ``reps`` to its CRM user; problems are returned, not raised."""
    if mapping is None and not fmt.needs_owner_ids:
        return None, []
    try:
        table = plan.reps if mapping is None else _mapping_table(mapping)
    except InputError as exc:
        return None, exc.issues
    if "rep_id" not in table.frame.columns:
        return None, [InputIssue(table.source, "rep_id", "required mapping column missing")]
    if isinstance(mapping, Mapping):
        column = DICT_COLUMN
    chosen, issues = _owner_column(fmt, table, column, reps, from_mapping=mapping is not None)
    if chosen is None:
        return None, issues
    users, lines, issues = _lookup(table, chosen)
    issues += _missing(fmt, table, chosen, reps, users, lines)
    issues += _invalid(fmt, table, chosen, reps, users, lines)
    issues += _shared(fmt, table, chosen, reps, users)
    found = {rep: users[rep] for rep in reps if users.get(rep)}
    return OwnerMap(found, table.source, chosen), issues


def unassigned_issues(fmt: ExportFormat, unassigned_owner: str | None) -> list[InputIssue]:
    """A given ``unassigned_owner`` must be a valid user of the format (accounts without a
    previous owner are left out of the undo file when it is not given)."""
    if unassigned_owner is None:
        return []
    problem = fmt.owner_problem(unassigned_owner) if fmt.needs_owner_ids else None
    if problem:
        rule = f"{fmt.title} user: {problem}"
        return [InputIssue("--unassigned-owner", "", rule, (), repr(unassigned_owner))]
    return []


def _mapping_table(mapping: MappingInput) -> RawTable:
    if isinstance(mapping, Mapping):
        frame = pd.DataFrame(
            {"rep_id": list(mapping), DICT_COLUMN: [str(v) for v in mapping.values()]}
        )
        return RawTable(frame.astype(object), "mapping (dict)", 0)
    table = read_table(mapping, "mapping")
    frame = table.frame.map(lambda v: "" if pd.isna(v) else str(v))
    return RawTable(frame, table.source, table.first_row)


def _owner_column(
    fmt: ExportFormat, table: RawTable, column: str | None, reps: list[str], from_mapping: bool
) -> tuple[str | None, list[InputIssue]]:
    columns = list(table.frame.columns)
    if column:
        if column in columns:
            return column, []
        rule = "owner column not found"
        return None, [InputIssue(table.source, column, rule, (), "columns: " + ", ".join(columns))]
    for candidate in fmt.owner_columns:
        if candidate in columns:
            return candidate, []
    others = [c for c in columns if c != "rep_id"]
    if from_mapping and len(others) == 1:
        return others[0], []
    detail = (
        f"add one of {', '.join(fmt.owner_columns)} to the reps input or give a mapping "
        f"file (rep_id and that column); reps that need one: {', '.join(reps)}"
    )
    rule = f"no column maps reps to {fmt.title} users"
    return None, [InputIssue(table.source, "", rule, (), detail)]


def _lookup(
    table: RawTable, column: str
) -> tuple[dict[str, str], dict[str, list[int]], list[InputIssue]]:
    users: dict[str, str] = {}
    lines: dict[str, list[int]] = defaultdict(list)
    issues = []
    for pos, (rep, user) in enumerate(zip(table.frame["rep_id"], table.frame[column], strict=True)):
        lines[rep].append(table.row_number(pos))
        if rep in users and users[rep] != user:
            rule = "rep listed twice with different CRM users"
            detail = f"rep {rep}: {users[rep]!r} and {user!r}"
            issues.append(InputIssue(table.source, column, rule, tuple(lines[rep]), detail))
        users.setdefault(rep, user)
    return users, lines, issues


def _missing(
    fmt: ExportFormat,
    table: RawTable,
    column: str,
    reps: list[str],
    users: dict[str, str],
    lines: dict[str, list[int]],
) -> list[InputIssue]:
    missing = [rep for rep in reps if not users.get(rep)]
    if not missing:
        return []
    rows = tuple(line for rep in missing for line in lines.get(rep, ()))
    absent = [rep for rep in missing if rep not in lines]
    detail = "reps " + ", ".join(missing)
    if absent:
        detail += f" ({', '.join(absent)} not listed at all)"
    rule = f"rep has no {fmt.title} user: every old and new owner of a moved account needs one"
    return [InputIssue(table.source, column, rule, rows, detail)]


def _invalid(
    fmt: ExportFormat,
    table: RawTable,
    column: str,
    reps: list[str],
    users: dict[str, str],
    lines: dict[str, list[int]],
) -> list[InputIssue]:
    issues = []
    for rep in reps:
        user = users.get(rep)
        problem = fmt.owner_problem(user) if user else None
        if problem:
            rule = f"{fmt.title} user: {problem}"
            rows = tuple(lines[rep][:1])
            issues.append(InputIssue(table.source, column, rule, rows, f"rep {rep}: {user!r}"))
    return issues


def _shared(
    fmt: ExportFormat, table: RawTable, column: str, reps: list[str], users: dict[str, str]
) -> list[InputIssue]:
    by_user: dict[str, list[str]] = defaultdict(list)
    for rep in reps:
        if users.get(rep):
            by_user[fmt.canonical_owner(users[rep])].append(rep)
    rule = "several reps map to the same CRM user, so moves between them change nothing"
    return [
        InputIssue(table.source, column, rule, (), f"{', '.join(group)} -> {user}")
        for user, group in sorted(by_user.items())
        if len(group) > 1
    ]
