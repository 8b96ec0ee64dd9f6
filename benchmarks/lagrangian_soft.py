"""The Lagrangian bound against the LP bound with soft balance tables (the defaults), with
and without a move budget, on generated instances.

    python -m benchmarks.lagrangian_soft

Each row builds one problem and runs the LP (HiGHS) and the Lagrangian ascent (20 s at
most) on it; the ratio is Lagrangian bound / LP bound (1 = the ascent reached the LP).
"""

from __future__ import annotations

import argparse
import time

import solver
from solver.models.lagrangian import subgradient_bound
from solver.models.lp import solve_lp
from solver.plan import evaluate
from tests.instances import make_instance

OLD = {"weights": {"balance": 30.0, "value_fit": 100.0}, "balance": []}
#: label -> scenario changes on top of the defaults
VARIANTS = {
    "old objective": OLD,
    "default tables": {},
    "default tables + old workload term + 50 % move budget": {
        "weights": {"balance": 30.0},
        "rules": {"max_moves_pct": 50.0},
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="600x15,5000x50")
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    print("| instance | objective | LP bound | LP s | Lagrangian bound | ascent s | ratio | "
          "repaired plan / LP |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes.split(","):
        n, m = (int(x) for x in size.split("x"))
        customers, reps = make_instance(n=n, m=m, seed=8, slack=1.3, protected=10)
        for label, changes in VARIANTS.items():
            scenario = {"as_of": "2027-01-01", "seed": 2, **changes}
            problem = solver.Problem.build(customers, reps, scenario)
            t = time.perf_counter()
            lp = solve_lp(problem)
            lp_s = time.perf_counter() - t
            t = time.perf_counter()
            dual = subgradient_bound(
                problem, args.time_limit, lambda r, p=problem: evaluate(p, r).total
            )
            dual_s = time.perf_counter() - t
            plan = dual.plan_cost / lp.bound if dual.plan is not None else float("nan")
            print(
                f"| {size} | {label} | {lp.bound:,.0f} | {lp_s:.1f} | {dual.bound:,.0f} | "
                f"{dual_s:.1f} | {dual.bound / lp.bound:.4f} | {plan:.4f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
