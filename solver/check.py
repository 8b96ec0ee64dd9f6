"""Independent check of every hard rule on a finished plan, ours or a hand-made one.

Works from the raw inputs and the plan's (customer_id, rep_id) rows alone: it recomputes
distances and workloads and knows nothing of candidate pairs, costs or engines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from solver.constraints import Violation, active_rules
from solver.errors import InputError, InputIssue
from solver.export.plan_files import REQUIRED, folder_issue, read_certificate
from solver.inputs.facts import Facts, PairFacts
from solver.inputs.io import read_table, restore_formula_text
from solver.problem import load_inputs
from solver.scenario import Scenario, as_scenario

#: how a plan row for an account the customers table lacks is worded
NOT_IN_CUSTOMERS = "is not in the customers table"


def check_plan(
    customers: pd.DataFrame | str | Path,
    reps: pd.DataFrame | str | Path,
    plan: pd.DataFrame | str | Path,
    scenario: Scenario | dict | str | Path | None = None,
) -> list[Violation]:
    """Every hard-rule violation of ``plan`` (a frame or file with columns customer_id and
    rep_id, or a plan folder); [] = valid. Without ``scenario``, a plan folder is checked
    against the scenario it was solved with (its as-of date, rules and bands)."""
    if scenario is None:
        scenario = plan_scenario(plan)
    scenario = as_scenario(scenario)
    customers_df, reps_df = load_inputs(customers, reps, scenario)
    facts = Facts.build(customers_df, reps_df, scenario)
    rep, violations = _read_assignment(plan, facts)
    if violations:
        return violations
    rules = active_rules(scenario)
    forced = np.full(facts.n, -1, dtype=np.int64)
    for rule in rules:
        result = rule.forced(facts, scenario)
        if result is not None:
            free = forced < 0
            forced[free] = result[0][free]
    assigned = PairFacts.of(facts, np.arange(facts.n), rep)
    for rule in rules:
        violations += rule.check(assigned, scenario, forced)
    return violations


def plan_scenario(plan: pd.DataFrame | str | Path) -> Scenario | None:
    """The scenario a plan folder (or a file in one) was solved with, as its certificate
    records it; None for a frame, a bare CSV or a folder written before it was recorded."""
    if isinstance(plan, pd.DataFrame):
        return None
    folder = Path(plan) if Path(plan).is_dir() else Path(plan).parent
    if not Path(plan).is_dir() and Path(plan).name not in REQUIRED:
        return None
    stored = read_certificate(folder).get("scenario")
    if not isinstance(stored, dict):
        return None
    return Scenario.from_dict(stored, source=str(folder / "metrics.json"))


def _read_assignment(plan: pd.DataFrame | str | Path, facts: Facts) -> tuple[np.ndarray, list]:
    if isinstance(plan, str | Path) and Path(plan).is_dir():  # a plan folder
        plan = Path(plan) / "assignments.csv"
    if not isinstance(plan, pd.DataFrame) and Path(plan).name in REQUIRED:
        mixed = folder_issue(Path(plan).parent)  # a file of a plan folder: one plan only
        if mixed:
            raise InputError([mixed])
    table = read_table(plan, "plan")
    frame = table.frame
    missing = [c for c in ("customer_id", "rep_id") if c not in frame.columns]
    if missing:
        raise InputError(
            [InputIssue(table.source, c, "required column is missing") for c in missing]
        )
    cust = frame["customer_id"].astype(str).str.strip().map(restore_formula_text)
    rep_ids = frame["rep_id"].astype(object).where(frame["rep_id"].notna(), "")
    rep_ids = rep_ids.astype(str).str.strip().map(restore_formula_text)
    violations: list[Violation] = []
    index = {c: i for i, c in enumerate(facts.customer_ids)}
    rep_index = {r: j for j, r in enumerate(facts.rep_ids)}
    for c in cust[cust.duplicated()].unique():
        violations.append(
            Violation("coverage", f"customer {c} appears more than once in the plan", c)
        )
    for c in cust[~cust.isin(index)]:
        violations.append(Violation("coverage", f"customer {c} {NOT_IN_CUSTOMERS}", c))
    for c in sorted(set(index) - set(cust), key=index.get):
        violations.append(Violation("coverage", f"customer {c} is missing from the plan", c))
    rep = np.full(facts.n, -1, dtype=np.int64)
    for c, r in zip(cust, rep_ids, strict=True):
        if c not in index:
            continue
        if r not in rep_index:
            what = "has no rep" if r == "" else f"is assigned to unknown rep {r}"
            violations.append(Violation("coverage", f"customer {c} {what}", c, r))
            continue
        rep[index[c]] = rep_index[r]
    return rep, violations


def check_matrix_plan(
    workload: np.ndarray,
    capacity: np.ndarray,
    rep: np.ndarray,
    min_load: np.ndarray | None = None,
) -> list[Violation]:
    """Check a plain generalized-assignment plan: each customer once, every rep's load
    within [min_load, capacity] (no floor when ``min_load`` is None)."""
    n, m = workload.shape
    if rep.shape != (n,) or rep.min(initial=0) < 0 or rep.max(initial=0) >= m:
        return [Violation("coverage", "some customer has no rep or an unknown rep")]
    load = np.bincount(rep, weights=workload[np.arange(n), rep], minlength=m)
    out = [
        Violation(
            "capacity", f"rep r{j} uses {load[j]:g}, capacity {capacity[j]:g}", rep_id=f"r{j}"
        )
        for j in np.flatnonzero(load > capacity + 1e-6)
    ]
    if min_load is not None:
        out += [
            Violation(
                "min_load",
                f"rep r{j} carries {load[j]:g}, its floor is {min_load[j]:g}",
                rep_id=f"r{j}",
            )
            for j in np.flatnonzero(load < min_load - 1e-6)
        ]
    return out
