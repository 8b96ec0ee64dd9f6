"""What soft balance bands and a stronger value fit change: moves, travel, each measure's
spread and the value-seniority fit, on the bundled sample and on a generated instance.

    python -m benchmarks.balance_defaults --sample --time-limit 20
    python -m benchmarks.balance_defaults --customers 10000 --reps 100 --time-limit 30

Each variant is today's scenario (the sample's ``scenario.toml``, or the generated
instance's scenario of :mod:`benchmarks.territory`) with the changes named in
``VARIANTS``; all run in one process, one after another, same seed and limit.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.stats import spearmanr

import solver
from benchmarks import territory
from solver.metrics import gini
from solver.scenario import DEFAULT_BALANCE

SOFT_VALUE = {"measure": "value", "share": "equal", "tolerance": 0.10, "weight": 50.0}
#: a modest value balance: free within +-15 % of an equal share, 20 points per point beyond
SOFT_VALUE_LIGHT = {"measure": "value", "share": "equal", "tolerance": 0.15, "weight": 20.0}


def soft_work(weight: float) -> dict:
    """Workload within +-10 % of the capacity share free, ``weight`` points per point beyond
    (150: about the old 30 per hour on a rep target of 500 h)."""
    return {"measure": "workload", "share": "capacity", "tolerance": 0.10, "weight": weight}


#: the weights and tables before the defaults changed
OLD = {"balance": 30.0, "value_fit": 100.0}
#: name -> (weights, [[balance]] tables); weights not named keep the scenario's
VARIANTS: dict[str, tuple[dict, list[dict]]] = {
    "old defaults": (OLD, []),
    "workload band 150 + value band (equal share, w 20), value_fit 300": (
        {"balance": 0.0, "value_fit": 300.0},
        [soft_work(150), SOFT_VALUE_LIGHT],
    ),
    "workload band 300 + value band (capacity share, w 20), value_fit 300": (
        {"balance": 0.0, "value_fit": 300.0},
        [soft_work(300), {**SOFT_VALUE_LIGHT, "share": "capacity"}],
    ),
    "workload band 300 + value band (capacity share, w 50), value_fit 200": (
        {"balance": 0.0, "value_fit": 200.0},
        [soft_work(300), {**SOFT_VALUE_LIGHT, "share": "capacity", "weight": 50.0}],
    ),
    "new defaults": ({"balance": 0.0, "value_fit": 300.0}, [dict(t) for t in DEFAULT_BALANCE]),
}


def figures(problem: solver.Problem, rep: np.ndarray) -> dict[str, float]:
    """Spread of each measure over the active reps, travel, and the value-seniority fit."""
    f = problem.facts
    assert f is not None
    on = f.active
    chosen = problem.pair_index(rep)
    hours = np.bincount(rep, weights=problem.pair_workload[chosen], minlength=f.m)
    util = (hours / f.capacity)[on]
    value = np.bincount(rep, weights=f.value, minlength=f.m)[on]
    accounts = np.bincount(rep, minlength=f.m)[on]
    strength = f.rep_strength()[rep]
    a, c = f.tier == "A", f.tier == "C"

    def ratio(x: np.ndarray) -> float:
        return float(x.max() / x.min()) if x.min() > 0 else float("inf")

    return {
        "util max/min": ratio(util),
        "value max/min": ratio(value),
        "value per capacity max/min": ratio(value / f.capacity[on]),
        "value per capacity gini": gini(value / f.capacity[on]),
        "value share in +-10 %": float(np.mean(np.abs(value / value.mean() - 1) <= 0.10)),
        "accounts max/min": ratio(accounts.astype(float)),
        "travel km mean": _km(problem, chosen),
        "fit": float(spearmanr(f.value, strength).statistic),
        "strength A": float(strength[a].mean()) if a.any() else float("nan"),
        "strength C": float(strength[c].mean()) if c.any() else float("nan"),
    }


def _km(problem: solver.Problem, chosen: np.ndarray) -> float:
    pairs = problem.pairs
    assert pairs is not None and problem.facts is not None
    return float((pairs.distance_km[chosen] * problem.facts.road_factor).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", action="store_true", help="use the bundled sample data")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--shape", choices=sorted(territory.SHAPES), default="uniform")
    args = parser.parse_args()
    base = territory.build(args)
    cols = (
        "variant | moves | travel km | util max/min | value max/min | value per capacity h "
        "max/min | value per capacity h Gini | reps value in ±10 % | "
        "accounts max/min | fit rho | A / C owner strength | gap | wall s"
    )
    print("| " + cols + " |")
    print("|" + "---|" * len(cols.split("|")))
    f = base.facts
    assert f is not None
    if (base.pair_index(f.current) >= 0).all():
        print("| before | | " + _row(figures(base, f.current)) + " | | |")
    for name, (weights, tables) in VARIANTS.items():
        scenario = base.scenario.replace(weights=weights, balance=tables)
        start = time.perf_counter()
        problem = solver.Problem.build(base.customers, base.reps, scenario)
        plan = solver.solve_problem(problem, time_limit_s=args.time_limit)
        after = plan.metrics.after
        gap = "" if plan.gap is None else f"{plan.gap:.2%}"
        print(
            f"| {name} | {after.moves} | "
            + _row(figures(problem, plan.rep_index))
            + f" | {gap} | {time.perf_counter() - start:.0f} |",
            flush=True,
        )


def _row(fig: dict[str, float]) -> str:
    return (
        f"{fig['travel km mean']:.1f} | {fig['util max/min']:.2f} | {fig['value max/min']:.2f} | "
        f"{fig['value per capacity max/min']:.2f} | {fig['value per capacity gini']:.3f} | "
        f"{fig['value share in +-10 %']:.0%} | {fig['accounts max/min']:.2f} | "
        + f"{fig['fit']:+.3f} | {fig['strength A']:.3f} / {fig['strength C']:.3f}"
    )


if __name__ == "__main__":
    main()
