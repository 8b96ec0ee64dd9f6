"""Fairness and quality metrics of an assignment, computed from facts alone (no engine).

Workload fairness is measured on utilisation u_j = load_j / capacity_j of the active reps,
so reps with different capacities compare fairly:
  Gini = sum_jk |u_j - u_k| / (2 k^2 mean u);  CV = std u / mean u;
  max/min = max u / min u;  Jain = (sum u)^2 / (k sum u^2), 1 = perfectly even;
  in_band = share of reps with u within +-10 % of mean u.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from solver.inputs.facts import PairFacts
from solver.objectives import balance

BAND = 0.10


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, towards 1 = concentrated)."""
    v = np.sort(np.asarray(values, dtype=float))
    if len(v) == 0 or v.sum() <= 0:
        return 0.0
    k = len(v)
    return float((2 * np.arange(1, k + 1) - k - 1) @ v / (k * v.sum()))


def spread(values: np.ndarray) -> dict[str, float]:
    """Gini, CV, max/min ratio, Jain index and in-band share of ``values``."""
    v = np.asarray(values, dtype=float)
    if len(v) == 0:
        return {"gini": 0.0, "cv": 0.0, "max_min_ratio": 1.0, "jain": 1.0, "in_band_share": 1.0}
    mean = v.mean()
    return {
        "gini": gini(v),
        "cv": float(v.std() / mean) if mean > 0 else 0.0,
        "max_min_ratio": float(v.max() / v.min()) if v.min() > 0 else float("inf"),
        "jain": float(v.sum() ** 2 / (len(v) * (v**2).sum())) if (v**2).sum() > 0 else 1.0,
        "in_band_share": float(np.mean(np.abs(v - mean) <= BAND * mean)) if mean > 0 else 1.0,
    }


def assignment_metrics(assigned: PairFacts, scenario, previous: np.ndarray | None) -> dict:
    """Metrics of an assignment (all customers or a subset); ``previous`` (rep per customer of
    the whole table, -1 none) gives churn."""
    f = assigned.facts
    active = f.active
    value = f.value[assigned.customer]
    hours = np.bincount(assigned.rep, weights=assigned.workload, minlength=f.m)
    util = hours / f.capacity
    value_per_rep = np.bincount(assigned.rep, weights=value, minlength=f.m)
    road_km = assigned.distance_km * f.road_factor
    seg = f.segment[assigned.customer]
    has_seg = seg >= 0
    matched = f.covers[seg[has_seg], assigned.rep[has_seg]] if has_seg.any() else np.zeros(0)
    strength = f.rep_strength()[assigned.rep]
    fit = (
        float(spearmanr(value, strength).statistic)
        if np.ptp(strength) > 0 and np.ptp(value) > 0
        else 0.0
    )
    out = {
        "workload": spread(util[active]),
        "workload_hours_total": float(hours.sum()),
        "utilisation_max": float(util[active].max()) if active.any() else 0.0,
        "utilisation_min": float(util[active].min()) if active.any() else 0.0,
        "value_gini": gini(value_per_rep[active]),
        "travel_km_mean": float(road_km.mean()) if len(road_km) else 0.0,
        "travel_km_p95": float(np.percentile(road_km, 95)) if len(road_km) else 0.0,
        "travel_km_per_period": float(assigned.travel_km.sum()),
        "specialty_match_rate": float(matched.mean()) if len(matched) else 1.0,
        "value_seniority_fit": fit,
        "balance_deviation": float(balance.deviation(assigned, scenario).sum()),
        "leaving_rep_accounts": int((~active[assigned.rep]).sum()),
    }
    if previous is not None:
        before = previous[assigned.customer]
        moved = (before >= 0) & (before != assigned.rep)
        out["moves"] = int(moved.sum())
        out["value_moved"] = float(value[moved].sum())
        out["value_moved_share"] = float(value[moved].sum() / max(value.sum(), 1e-12))
    return out
