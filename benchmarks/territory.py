"""Engines side by side on generated territory instances (seeded), gap to the LP bound.

    python -m benchmarks.territory --customers 10000 --reps 100 --time-limit 60 --engines lns,cpsat
    python -m benchmarks.territory --shape clustered --customers 10000 --reps 100 --time-limit 30
    python -m benchmarks.territory --sample --time-limit 15 --engines lns,cpsat

Instances come from ``benchmarks/shapes.py`` by ``--shape``: ``uniform`` (the default:
customers in a 300 km square, reps spread in it, capacity 1.3 x the estimated load, 2 %
protected, one rep leaving; balance weight 30, move budget 30 %) or ``clustered`` (accounts
around a dozen metro areas, tiers with 1-6 visits, skewed values, protections, one leaving
rep; default weights and rules), or the bundled sample with ``--sample``.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import solver
from benchmarks import full_limit
from benchmarks.shapes import SHAPES

ROOT = Path(__file__).resolve().parents[1]


def build(args: argparse.Namespace) -> solver.Problem:
    if args.sample:
        data = ROOT / "data"
        return solver.Problem.build(
            data / "customers.csv", data / "reps.csv", full_limit(data / "scenario.toml")
        )
    customers, reps, scenario = SHAPES[args.shape](args.customers, args.reps, args.seed)
    return solver.Problem.build(customers, reps, scenario)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="uniform")
    parser.add_argument("--sample", action="store_true", help="use the bundled sample data")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--engines", default="lns,cpsat")
    args = parser.parse_args()
    print("| instance | engine | limit s | wall s | LP s | status | gap to LP bound | note |")
    print("|---|---|---:|---:|---:|---|---:|---|")
    for engine in args.engines.split(","):
        start = time.perf_counter()
        problem = build(args)
        plan = solver.solve_problem(problem, time_limit_s=args.time_limit, engine=engine)
        cert = plan.certificate
        size = f"{args.customers}x{args.reps}"
        name = "sample" if args.sample else f"{args.shape} {size} seed {args.seed}"
        print(
            f"| {name} | {engine} | {args.time_limit:g} | {time.perf_counter() - start:.1f} | "
            f"{cert['lp_wall_s']:.1f} | {cert['status']} | {cert['gap']:.3%} | "
            f"{cert['engine_note']} |",
            flush=True,
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
