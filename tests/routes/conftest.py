"""Shared builders of the routes tests: small hand-made plan folders around (32 N, 97 W)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

FAST = 0.1  # PyVRP seconds per rep
LAT, LON = 32.0, -97.0


def write_plan(
    folder: Path, accounts: list[dict], reps: list[dict], travel: dict | None = None
) -> Path:
    """A plan folder as ``territory solve`` writes it, with only the columns routes read."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(accounts)
    frame.insert(2, "previous_rep", frame["rep_id"])
    frame.to_csv(folder / "assignments.csv", index=False)
    pd.DataFrame(reps).to_csv(folder / "reps.csv", index=False)
    scenario = {"travel": travel} if travel else {}
    (folder / "metrics.json").write_text(json.dumps({"certificate": {"scenario": scenario}}))
    return folder


def account(cid: str, rep: str, dlat: float, dlon: float, visits=1, effort=1.0) -> dict:
    return {
        "customer_id": cid,
        "rep_id": rep,
        "lat": LAT + dlat,
        "lon": LON + dlon,
        "visits": visits,
        "effort_hours": effort,
    }


def rep(rid: str, capacity: float, dlat: float = 0.0, dlon: float = 0.0, active=True) -> dict:
    return {
        "rep_id": rid,
        "active": active,
        "lat": LAT + dlat,
        "lon": LON + dlon,
        "capacity_hours": capacity,
    }
