"""Small random territory instances for tests (seeded, valid by construction)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEGMENTS = ("energy", "health", "retail")


def make_instance(
    n: int = 40,
    m: int = 5,
    seed: int = 0,
    slack: float = 1.6,
    protected: int = 2,
    leaving: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers around a 300 km square, reps spread in it; capacity = slack x fair share.

    The last rep is leaving when ``leaving``; ``protected`` customers carry a protection
    (to an active rep) that holds at as_of 2027-01-01.
    """
    rng = np.random.default_rng(seed)
    lat0, lon0 = 32.0, -97.0
    c_lat = lat0 + rng.uniform(0, 2.5, n)
    c_lon = lon0 + rng.uniform(0, 3.0, n)
    r_lat = lat0 + rng.uniform(0, 2.5, m)
    r_lon = lon0 + rng.uniform(0, 3.0, m)
    value = np.round(rng.lognormal(10, 1, n))
    effort = np.round(2 + 10 * rng.random(n), 1)
    visits = rng.integers(1, 4, n)
    current = [f"R{j}" for j in rng.integers(0, m, n)]
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "lat": np.round(c_lat, 5),
            "lon": np.round(c_lon, 5),
            "value": value,
            "effort_hours": effort,
            "visits": visits,
            "segment": rng.choice(SEGMENTS, n),
            "current_rep": current,
            "protected_rep": "",
            "protected_until": "",
        }
    )
    active_m = m - 1 if leaving and m > 1 else m
    for i in range(min(protected, n)):
        customers.loc[i, "protected_rep"] = f"R{i % active_m}"
        customers.loc[i, "protected_until"] = "2027-06-30"
    # workload estimate: effort + travel at ~150 km average distance
    est = (effort + visits * 2 * 150 * 1.3 / 60).sum()
    reps = pd.DataFrame(
        {
            "rep_id": [f"R{j}" for j in range(m)],
            "lat": np.round(r_lat, 5),
            "lon": np.round(r_lon, 5),
            "capacity_hours": np.round(slack * est / active_m, 1),
            "specialties": [SEGMENTS[j % 3] for j in range(m)],
            "seniority": [1 + j % 5 for j in range(m)],
            "performance": np.round(rng.uniform(0.3, 0.9, m), 2),
            "active": [not (leaving and j == m - 1 and m > 1) for j in range(m)],
        }
    )
    return customers, reps


SMALL_SCENARIO = {"as_of": "2027-01-01", "time_limit_s": 5, "seed": 1}

AS_OF = "2027-01-01"
TERMS = ("travel", "specialty", "value_fit", "continuity", "balance")


def scenario(weights: dict | None, rules: dict | None = None, **extra) -> dict:
    """Every weight 0 and no ``[[balance]]`` table except the ones given (``None``: the
    default weights and tables); CP-SAT, deterministic, short limit."""
    settings = {
        "as_of": AS_OF,
        "engine": "cpsat",
        "time_limit_s": 3,
        "seed": 1,
        "deterministic": True,
        "rules": rules or {},
    }
    if weights is not None:
        settings["weights"] = {**dict.fromkeys(TERMS, 0.0), **weights}
        settings["balance"] = []
    return {**settings, **extra}


def rep(rep_id: str, lat: float, lon: float, **extra) -> dict:
    """One rep row with 1,000 h capacity; ``extra`` adds or overrides columns."""
    return {"rep_id": rep_id, "lat": lat, "lon": lon, "capacity_hours": 1000.0, **extra}


def cust(customer_id: str, lat: float, lon: float, **extra) -> dict:
    """One customer row worth 100 with 5 h effort and 1 visit; ``extra`` adds or overrides."""
    row = {"customer_id": customer_id, "lat": lat, "lon": lon, "value": 100.0}
    row.update({"effort_hours": 5.0, "visits": 1})
    row.update(extra)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def write_solve_inputs(folder, scenario_toml: str, n: int, m: int, seed: int) -> list[str]:
    """Write customers.csv, reps.csv (make_instance, 30 % slack) and scenario.toml into
    ``folder``; return the ``territory solve`` arguments that read them (quiet, no --out)."""
    customers, reps = make_instance(n=n, m=m, seed=seed, slack=1.3, protected=n // 50)
    customers.to_csv(folder / "customers.csv", index=False)
    reps.to_csv(folder / "reps.csv", index=False)
    (folder / "scenario.toml").write_text(
        "as_of = 2027-01-01\n" + scenario_toml + "[weights]\nbalance = 30.0\n"
        "[rules]\nmax_moves_pct = 40.0\n"
    )
    return [
        "solve",
        "--customers", str(folder / "customers.csv"),
        "--reps", str(folder / "reps.csv"),
        "--scenario", str(folder / "scenario.toml"),
        "--quiet",
    ]  # fmt: skip


#: for tests about what a search reaches in its whole time limit (proofs, step counts)
NO_EARLY_STOP = {"gap_tolerance": None, "stall_share": None}


def python_process(code: str, args: list[str]) -> subprocess.Popen:
    """``python -c code args`` with this checkout first on the import path (text pipes)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


#: two [[balance]] tables: value by equal shares within a hard band, a customer column
#: (potential) by a rep column (quota) within a tolerance
TWO_BALANCE_TABLES = [
    {"measure": "value", "share": "equal", "band": [0.7, 1.3]},
    {"measure": "potential", "share": "quota", "tolerance": 0.05, "weight": 10.0},
]


def banded_instance(n: int = 60, m: int = 5, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`make_instance` with a ``potential`` customer column and a ``quota`` rep
    column for :data:`TWO_BALANCE_TABLES`."""
    customers, reps = make_instance(n=n, m=m, seed=seed)
    customers["potential"] = np.round(customers["value"] * np.linspace(0.2, 2.0, n))
    reps["quota"] = np.linspace(1.0, 2.0, m)
    return customers, reps
