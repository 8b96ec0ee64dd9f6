"""Drift: has ownership changed since the plan was solved?

The current ownership file uses the input contract (``customer_id``, ``current_rep``);
a fresh customers file is one. A change-set is refused when any plan account's
``previous_rep`` differs from its ``current_rep`` now (the plan was made for a world that
no longer exists), or when an account that moves is missing from the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from solver.errors import InputError, InputIssue
from solver.export.changeset import Move
from solver.export.plan_files import PlanFiles
from solver.inputs.io import read_table

KEY = "customer_id"
OWNER = "current_rep"


def drift_issues(
    plan: PlanFiles, moves: list[Move], current: str | Path | pd.DataFrame
) -> list[InputIssue]:
    """One issue per drifted account (file, row, account, expected and actual owner)."""
    try:
        table = read_table(current, "current ownership")
    except InputError as exc:
        return exc.issues
    frame = table.frame
    missing = [c for c in (KEY, OWNER) if c not in frame.columns]
    if missing:
        rule = "required column missing from the current ownership file"
        return [InputIssue(table.source, ", ".join(missing), rule)]
    keys = frame[KEY].map(_text)
    owners = frame[OWNER].map(_text)
    dup = keys.duplicated(keep=False)
    if dup.any():
        rows = tuple(table.row_number(int(i)) for i in dup.to_numpy().nonzero()[0])
        return [InputIssue(table.source, KEY, "duplicate customer_id", rows)]
    now = dict(zip(keys, zip(owners, range(len(keys)), strict=True), strict=True))
    issues = []
    expected = zip(
        plan.assignments.frame["customer_id"], plan.assignments.frame["previous_rep"], strict=True
    )
    for customer, before in expected:
        if customer not in now:
            continue
        owner, pos = now[customer]
        if owner != before:
            rule = "owner changed since the plan was solved"
            detail = f"{customer}: plan expected {before or '(none)'}, now {owner or '(none)'}"
            issues.append(InputIssue(table.source, OWNER, rule, (table.row_number(pos),), detail))
    gone = [m.customer_id for m in moves if m.customer_id not in now]
    if gone:
        rule = "account in the change-set is missing from the current ownership file"
        issues.append(InputIssue(table.source, KEY, rule, (), ", ".join(gone)))
    return issues


def _text(value: object) -> str:
    return "" if pd.isna(value) else str(value).strip()
