"""A plan folder read for the report: the two tables typed, metrics and certificate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from solver.export.plan_files import read_plan


@dataclass(frozen=True)
class PlanData:
    """A plan folder read for the report: typed tables, metrics and certificate."""

    assignments: pd.DataFrame
    reps: pd.DataFrame
    metrics: dict
    certificate: dict
    folder: Path


def load_plan(plan_dir: str | Path) -> PlanData:
    """Read a plan folder (formula guards undone) and type the columns the report uses."""
    files = read_plan(plan_dir)
    a = files.assignments.frame.copy()
    r = files.reps.frame.copy()
    for col in ("value", "lat", "lon", "workload_hours"):
        if col in a:
            a[col] = pd.to_numeric(a[col], errors="coerce")
    for col in a.columns.intersection(["customer_id", "rep_id", "previous_rep", "reason"]):
        a[col] = a[col].fillna("").astype(str)
    if "changed" in a:
        a["changed"] = a["changed"].astype(str).str.strip().str.lower().isin(["true", "1"])
    else:
        a["changed"] = (a["previous_rep"] != "") & (a["previous_rep"] != a["rep_id"])
    text_cols = ("rep_id", "name", "specialties", "region", "active")
    for col in r.columns:
        if col not in text_cols:
            r[col] = pd.to_numeric(r[col], errors="coerce")
    r["rep_id"] = r["rep_id"].fillna("").astype(str)
    if "active" in r:
        r["active"] = ~r["active"].astype(str).str.strip().str.lower().isin(["false", "0", "no"])
    else:
        r["active"] = True
    try:
        data = json.loads((files.folder / "metrics.json").read_text(encoding="utf-8"))
        metrics = data.get("metrics") or {}
    except (OSError, ValueError, AttributeError):
        metrics = {}
    return PlanData(
        a, r, metrics if isinstance(metrics, dict) else {}, files.certificate, files.folder
    )
