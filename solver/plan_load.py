"""Read a plan folder back into a :class:`solver.Plan` (``Plan.load``).

A plan folder carries everything a plan was made from: ``assignments.csv`` holds every
customer input column (``previous_rep`` is the input's ``current_rep``), ``reps.csv`` every
rep input column beside the computed ones, and the certificate in ``metrics.json`` the
scenario. The problem is rebuilt from those and the plan re-evaluated on it, so a loaded
plan explains, compares and takes new accounts like the plan that was written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from solver.errors import InputError, InputIssue
from solver.export.plan_files import PlanFiles, read_plan
from solver.plan import ASSIGNMENT_COLUMNS, REP_COLUMNS, Plan, build_plan
from solver.problem import Problem
from solver.scenario import Scenario


def load_plan(plan_dir: str | Path) -> Plan:
    """The plan in ``plan_dir`` (a folder ``territory solve`` wrote, or a file in it)."""
    files = read_plan(plan_folder(plan_dir))
    scenario = _scenario(files)
    problem = Problem.build(_customers(files), _reps(files), scenario)
    rep_index = {r: j for j, r in enumerate(problem.rep_ids)}
    owners = files.assignments.frame.set_index("customer_id")["rep_id"]
    rep = np.array([rep_index.get(owners.get(c, ""), -1) for c in problem.customer_ids])
    if (rep < 0).any():
        bad = problem.customer_ids[rep < 0][:5]
        raise InputError(
            [InputIssue(files.assignments.source, "rep_id", "names no rep of reps.csv", (),
                        ", ".join(map(str, bad)))]
        )  # fmt: skip
    if (problem.pair_index(rep) < 0).any():
        raise InputError(
            [InputIssue(str(files.folder), "", "the plan uses a (customer, rep) pair its own "
                        "scenario does not allow: the folder's files do not belong together")]
        )  # fmt: skip
    return build_plan(problem, rep, files.certificate)


def plan_folder(path: str | Path) -> Path:
    """The plan folder of ``path``: the folder itself, or the folder holding one of its files."""
    path = Path(path)
    return path.parent if path.is_file() else path


def _customers(files: PlanFiles) -> pd.DataFrame:
    """The customer input columns of assignments.csv, under their input names."""
    table = files.assignments.frame
    own = set(ASSIGNMENT_COLUMNS) | {c for c in table.columns if c.startswith("cost_")}
    out = pd.DataFrame({"customer_id": table["customer_id"], "current_rep": table["previous_rep"]})
    for column in table.columns:
        if column in own:
            continue
        name = column.removeprefix("input_") if column.removeprefix("input_") in own else column
        out[name] = table[column]
    return out


def _reps(files: PlanFiles) -> pd.DataFrame:
    """The rep input columns of reps.csv (the plan's computed columns left out)."""
    table = files.reps.frame
    return table[[c for c in table.columns if c not in REP_COLUMNS]]


def _scenario(files: PlanFiles) -> Scenario:
    """The scenario the plan was solved with; a plan written before the certificate
    carried it gets its as-of date, seed and weights, every other setting by default."""
    cert = files.certificate
    source = str(files.folder / "metrics.json")
    if isinstance(cert.get("scenario"), dict):
        return Scenario.from_dict(cert["scenario"], source=source)
    known = {k: cert[k] for k in ("as_of", "seed", "weights") if cert.get(k) is not None}
    return Scenario.from_dict(known, source=source)
