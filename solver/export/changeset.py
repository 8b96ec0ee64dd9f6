"""The change-set in rep terms: which accounts move, from whom to whom, and its batch id.

An account is in the change-set when its planned rep differs from its previous rep,
including accounts that had no previous owner (they get one). Rows follow the plan's
order, so the same plan always gives the same rows in the same order.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from solver.errors import InputIssue
from solver.export.base import ExportFormat
from solver.export.plan_files import PlanFiles


@dataclass(frozen=True)
class Move:
    """One planned owner change, with the line of its row in assignments.csv."""

    seq: int
    customer_id: str
    account_id: str
    old_rep: str
    new_rep: str
    reason: str
    forced_by: str
    line: int


def pick_account_column(
    fmt: ExportFormat, plan: PlanFiles, explicit: str | None
) -> tuple[str, list[InputIssue]]:
    """The assignments column holding the CRM account id: ``explicit``, else the first of
    the format's usual columns present, else ``customer_id``."""
    columns = list(plan.assignments.frame.columns)
    if explicit:
        for candidate in (explicit, f"input_{explicit}"):
            if candidate in columns:
                return candidate, []
        issue = InputIssue(
            plan.assignments.source,
            explicit,
            "account id column not in the plan",
            detail="columns: " + ", ".join(columns),
        )
        return explicit, [issue]
    for candidate in fmt.account_columns:
        if candidate in columns:
            return candidate, []
    return "customer_id", []


def planned_moves(plan: PlanFiles, column: str) -> list[Move]:
    """Every plan row whose rep differs from its previous rep, in plan order."""
    table = plan.assignments
    frame = table.frame
    reason = frame["reason"] if "reason" in frame else [""] * len(frame)
    forced = frame["forced_by"] if "forced_by" in frame else [""] * len(frame)
    moves: list[Move] = []
    rows = zip(
        frame["customer_id"],
        frame[column],
        frame["previous_rep"],
        frame["rep_id"],
        reason,
        forced,
        strict=True,
    )
    for pos, (cid, account, old, new, why, rule) in enumerate(rows):
        if old != new:
            line = table.row_number(pos)
            moves.append(Move(len(moves) + 1, cid, account, old, new, why, rule, line))
    return moves


def account_issues(
    fmt: ExportFormat, plan: PlanFiles, column: str, moves: list[Move]
) -> list[InputIssue]:
    """Invalid or shared CRM account ids among the accounts that move, and moves without
    a planned rep; invalid ids are grouped by rule (all rows, the first accounts named)."""
    source = plan.assignments.source
    bad: dict[str, list[Move]] = defaultdict(list)
    for move in moves:
        problem = fmt.account_problem(move.account_id)
        if problem:
            bad[f"{fmt.title} account id: {problem}"].append(move)
    hint = ""
    if column == "customer_id" and fmt.account_columns:
        tried = ", ".join(fmt.account_columns)
        hint = f"; ids were taken from customer_id as no {tried} column exists (--account-column)"
    issues = [
        InputIssue(source, column, rule, tuple(m.line for m in group), _examples(group) + hint)
        for rule, group in bad.items()
    ]
    unplanned = [m for m in moves if not m.new_rep]
    if unplanned:
        rule = "account has no planned rep"
        lines = tuple(m.line for m in unplanned)
        issues.append(InputIssue(source, "rep_id", rule, lines, _examples(unplanned)))
    return issues + _shared_accounts(fmt, plan, column, moves)


def _shared_accounts(
    fmt: ExportFormat, plan: PlanFiles, column: str, moves: list[Move]
) -> list[InputIssue]:
    lines: dict[str, list[int]] = defaultdict(list)
    for pos, value in enumerate(plan.assignments.frame[column]):
        if value:
            lines[fmt.canonical_account(value)].append(plan.assignments.row_number(pos))
    moving = {fmt.canonical_account(m.account_id) for m in moves if m.account_id}
    rule = "one CRM account id on several customers: the import would move it twice"
    return [
        InputIssue(plan.assignments.source, column, rule, tuple(lines[key]), key)
        for key in sorted(moving)
        if len(lines.get(key, ())) > 1
    ]


def _examples(moves: list[Move], shown: int = 3) -> str:
    text = ", ".join(f"{m.customer_id}: {m.account_id!r}" for m in moves[:shown])
    more = len(moves) - shown
    return f"{text} and {more} more" if more > 0 else text


def batch_id(plan: PlanFiles, moves: list[Move]) -> str:
    """Deterministic id of the batch: a hash of the plan's fingerprints and its moves
    (customer, old rep, new rep).

    The same plan gives the same id in every format and whichever column holds the CRM
    account id, so the generic CSV a person reviews and the CRM file that is imported
    name the same batch.
    """
    payload = {
        "plan": plan.fingerprint,
        "moves": [[m.customer_id, m.old_rep, m.new_rep] for m in moves],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return "TB-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16].upper()
