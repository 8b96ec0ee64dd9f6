"""Generated territory instances by shape name, for the benchmark commands.

- ``uniform``: ``tests/instances.py`` (accounts and reps spread evenly over a 300 km
  square, 1-3 visits, capacity 1.3 x the estimated load, 2 % protected, one rep leaving;
  balance weight 30, move budget 30 %).
- ``clustered``: books shaped like real ones (:func:`make_clustered`): accounts around a
  dozen metro areas of very different sizes plus a rural rest, tiers A/B/C with 4-6, 2-3
  and 1-2 visits, skewed values, reps based where the accounts are, 3 % protected, the
  leaving rep in the biggest metro owning its accounts there; default rules.

Every shape returns ``(customers, reps, scenario)`` with the early stops off and the
benchmarks' pinned objective (``benchmarks.PINNED_OBJECTIVE``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from benchmarks import NO_EARLY_STOP, PINNED_OBJECTIVE
from solver.inputs.geo import unit_vectors
from tests.instances import make_instance

Shape = Callable[[int, int, int], tuple[pd.DataFrame, pd.DataFrame, dict]]

AS_OF = "2027-01-01"
METROS = 12
RURAL_SHARE = 0.12  # accounts outside every metro, spread over the whole region
REGION = (29.0, 36.0, -104.0, -90.0)  # lat min, lat max, lon min, lon max (degrees)
KM_PER_DEG = 111.32
SEGMENTS = ("energy", "healthcare", "manufacturing", "retail", "agriculture")
TIER_VISITS = {"A": (4, 6), "B": (2, 3), "C": (1, 2)}  # inclusive ranges per period
TIER_EFFORT = {"A": 30.0, "B": 12.0, "C": 4.0}  # median service hours per period
PROTECTED_SHARE = 0.03
CAPACITY_SLACK = 1.25  # active capacity / workload with every account at its nearest rep


def uniform(n: int, m: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Today's benchmark shape (see the module docstring)."""
    customers, reps = make_instance(n=n, m=m, seed=seed, slack=1.3, protected=n // 50)
    scenario = {
        "as_of": AS_OF,
        "seed": seed,
        "rules": {"max_moves_pct": 30.0},
        **NO_EARLY_STOP,
        **PINNED_OBJECTIVE,
    }
    return customers, reps, scenario


def _offsets(rng: np.random.Generator, lat: np.ndarray, sigma_km: np.ndarray) -> np.ndarray:
    """Normal offsets of ``sigma_km`` around points at ``lat``, as (dlat, dlon) degrees."""
    dy, dx = rng.normal(size=(2, len(lat))) * sigma_km
    return np.column_stack([dy / KM_PER_DEG, dx / (KM_PER_DEG * np.cos(np.radians(lat)))])


def make_clustered(n: int, m: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers and reps around ``METROS`` metro areas (the last rep leaving).

    Metro sizes follow a Zipf law (the biggest holds about a third of the metro accounts),
    each metro's spread grows with its size (10-45 km); values are lognormal (sigma 1.3),
    the top 10 % tier A, the next 30 % tier B. Reps go to metros in proportion to their
    workload and sit around the metro centre; a few cover the rural rest. Today's owner is
    the nearest rep for 80 % of accounts, one of the five nearest otherwise.
    """
    rng = np.random.default_rng(seed)
    lat0, lat1, lon0, lon1 = REGION
    centres = np.column_stack([rng.uniform(lat0 + 1, lat1 - 1, METROS),
                               rng.uniform(lon0 + 1, lon1 - 1, METROS)])  # fmt: skip
    weight = 1.0 / np.arange(1, METROS + 1)
    weight /= weight.sum()
    spread_km = 10.0 + 35.0 * np.sqrt(weight / weight[0])

    rural = rng.random(n) < RURAL_SHARE
    metro = rng.choice(METROS, size=n, p=weight)
    lat = np.where(rural, rng.uniform(lat0, lat1, n), centres[metro, 0])
    lon = np.where(rural, rng.uniform(lon0, lon1, n), centres[metro, 1])
    jitter = _offsets(rng, lat, np.where(rural, 0.0, spread_km[metro]))
    lat, lon = lat + jitter[:, 0], lon + jitter[:, 1]

    value = np.round(rng.lognormal(np.log(20_000), 1.3, n))
    rank = pd.Series(value).rank(ascending=False, method="first", pct=True).to_numpy()
    tier = np.where(rank <= 0.10, "A", np.where(rank <= 0.40, "B", "C"))
    visits = np.empty(n, dtype=np.int64)
    effort = np.empty(n)
    for name, (low, high) in TIER_VISITS.items():
        of = tier == name
        visits[of] = rng.integers(low, high + 1, of.sum())
        effort[of] = TIER_EFFORT[name] * rng.lognormal(0.0, 0.3, of.sum())
    effort = np.round(effort, 1)

    # reps: metros get reps in proportion to their workload, the rural rest a few
    active_m = max(m - 1, 1)
    load = np.bincount(np.where(rural, METROS, metro), weights=effort, minlength=METROS + 1)
    seats = np.maximum(1, np.floor(active_m * load / load.sum())).astype(int)
    while seats.sum() > active_m:
        seats[np.argmax(seats)] -= 1
    seats[np.argmax(load[:METROS])] += active_m - seats.sum()
    home = np.repeat(np.arange(METROS + 1), seats)
    r_lat = np.where(home == METROS, rng.uniform(lat0, lat1, active_m), centres[home % METROS, 0])
    r_lon = np.where(home == METROS, rng.uniform(lon0, lon1, active_m), centres[home % METROS, 1])
    spot = _offsets(rng, r_lat, np.where(home == METROS, 0.0, 0.6 * spread_km[home % METROS]))
    r_lat, r_lon = r_lat + spot[:, 0], r_lon + spot[:, 1]
    # the leaving rep: based in the biggest metro
    r_lat = np.append(r_lat, centres[0, 0])
    r_lon = np.append(r_lon, centres[0, 1])

    tree = cKDTree(unit_vectors(r_lat[:active_m], r_lon[:active_m]))
    chord, near = tree.query(unit_vectors(lat, lon), k=min(5, active_m))
    near = near.reshape(n, -1)
    km = 6371.0088 * 2 * np.arcsin(np.minimum(chord.reshape(n, -1)[:, 0] / 2, 1.0))
    nearest_load = effort + visits * 2 * km * 1.3 / 60
    owner = near[:, 0].copy()
    other = rng.random(n) < 0.2
    owner[other] = near[other, rng.integers(0, near.shape[1], other.sum())]
    # the leaving rep owns most accounts of the biggest metro's nearest reps
    leaving_km = np.hypot(lat - centres[0, 0], (lon - centres[0, 1]) * np.cos(np.radians(lat)))
    grab = (leaving_km * KM_PER_DEG < spread_km[0]) & (rng.random(n) < 0.5)
    owner[grab] = m - 1 if m > 1 else 0

    factor = rng.uniform(0.85, 1.15, active_m)
    share = np.bincount(near[:, 0], weights=nearest_load, minlength=active_m)
    capacity = CAPACITY_SLACK * np.maximum(share, 0.5 * share.mean()) * factor
    capacity *= CAPACITY_SLACK * nearest_load.sum() / capacity.sum()
    capacity = np.append(capacity, capacity.mean()) if m > 1 else capacity
    ids = np.array([f"R{j:04d}" for j in range(m)], dtype=object)

    protected = np.full(n, "", dtype=object)
    until = np.full(n, "", dtype=object)
    chosen = np.flatnonzero((rng.random(n) < PROTECTED_SHARE) & (owner < active_m))
    room = 0.25 * capacity
    for i in chosen:  # protected load stays within a quarter of each rep's capacity
        j = owner[i]
        if room[j] >= 2 * nearest_load[i]:
            room[j] -= 2 * nearest_load[i]
            protected[i], until[i] = ids[j], "2027-06-30"

    segment = rng.choice(SEGMENTS, size=n, p=[0.22, 0.22, 0.22, 0.22, 0.12])
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(n)],
            "lat": np.round(lat, 5),
            "lon": np.round(lon, 5),
            "value": value,
            "effort_hours": effort,
            "visits": visits,
            "segment": segment,
            "tier": tier,
            "current_rep": ids[owner],
            "protected_rep": protected,
            "protected_until": until,
        }
    )
    specialties = [
        ";".join(sorted({SEGMENTS[j % 5], SEGMENTS[int(s)]}))
        for j, s in enumerate(rng.integers(0, 5, m))
    ]
    reps = pd.DataFrame(
        {
            "rep_id": ids,
            "lat": np.round(r_lat, 5),
            "lon": np.round(r_lon, 5),
            "capacity_hours": np.round(capacity, 1),
            "max_accounts": np.ceil(2.0 * n / max(active_m, 1)).astype(int),
            "specialties": specialties,
            "seniority": rng.choice(np.arange(1, 6), size=m, p=[0.15, 0.2, 0.25, 0.2, 0.2]),
            "performance": rng.beta(4.0, 2.0, size=m).round(2),
            "active": np.arange(m) < active_m,
        }
    )
    return customers, reps


def clustered(n: int, m: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Metro-clustered books (see :func:`make_clustered`), default rules, the benchmarks'
    pinned objective."""
    customers, reps = make_clustered(n, m, seed)
    return customers, reps, {"as_of": AS_OF, "seed": seed, **NO_EARLY_STOP, **PINNED_OBJECTIVE}


SHAPES: dict[str, Shape] = {"uniform": uniform, "clustered": clustered}


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"' if not value[:4].isdigit() else value  # dates stay dates
    return repr(value).lower() if isinstance(value, bool) else repr(value)


def write_instance(folder: Path, shape: str, n: int, m: int, seed: int) -> Path:
    """customers.csv, reps.csv and scenario.toml of a shape in ``folder`` (made once)."""
    if not (folder / "scenario.toml").exists():
        customers, reps, scenario = SHAPES[shape](n, m, seed)
        folder.mkdir(parents=True, exist_ok=True)
        customers.to_csv(folder / "customers.csv", index=False, lineterminator="\n")
        reps.to_csv(folder / "reps.csv", index=False, lineterminator="\n")
        lines = [f"{k} = {_toml_value(v)}" for k, v in scenario.items() if _plain(v)]
        for table, entries in scenario.items():
            if isinstance(entries, dict):
                lines += [f"[{table}]", *(f"{k} = {_toml_value(v)}" for k, v in entries.items())]
        (folder / "scenario.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _plain(value: object) -> bool:
    return value is not None and not isinstance(value, dict)
