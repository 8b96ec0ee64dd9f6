"""Balance bands on a generated territory: value (equal shares) and workload bands, solved
and checked, or the infeasibility and how long it took to say so.

    python -m benchmarks.bands --customers 10000 --reps 100 --time-limit 60
    python -m benchmarks.bands --shape clustered --no-move-budget --time-limit 60

The instance is a shape of ``benchmarks/shapes.py`` with ``[[balance]]`` tables
``value``, ``share = "equal"``, ``band = --value-band`` and ``workload`` (capacity
shares), ``band = --workload-band``; ``--no-move-budget`` drops the uniform shape's 30 %
move budget. Each plan goes through ``solver.check_plan`` (every band from the raw
inputs). One line per run: outcome, wall time, gap to the bound, bands held.
"""

from __future__ import annotations

import argparse
import time

import solver
from benchmarks.shapes import SHAPES


def band_scenario(scenario: dict, value_band: list[float], workload_band: list[float],
                  move_budget: bool) -> dict:  # fmt: skip
    """The shape's scenario with the two bands (and without its move budget if asked)."""
    rules = dict(scenario.get("rules", {}))
    if not move_budget:
        rules.pop("max_moves_pct", None)
        rules.pop("max_moves", None)
    balance = [
        {"measure": "value", "share": "equal", "band": value_band},
        {"measure": "workload", "band": workload_band},
    ]
    return {**scenario, "rules": rules, "balance": balance}


def run(args: argparse.Namespace) -> str:
    customers, reps, scenario = SHAPES[args.shape](args.customers, args.reps, args.seed)
    scenario = band_scenario(scenario, args.value_band, args.workload_band, args.move_budget)
    start = time.perf_counter()
    name = f"{args.shape} {args.customers}x{args.reps} seed {args.seed}"
    budget = "30 % move budget" if args.move_budget and args.shape == "uniform" else "no budget"
    head = f"| {name} | {budget} | {args.time_limit:g} |"
    try:
        problem = solver.Problem.build(customers, reps, scenario)
        plan = solver.solve_problem(problem, time_limit_s=args.time_limit)
    except solver.InfeasibleError as exc:
        first = exc.reasons[0] if exc.reasons else ""
        return f"{head} {time.perf_counter() - start:.1f} | infeasible | - | - | {first} |"
    except solver.SolverError as exc:
        return f"{head} {time.perf_counter() - start:.1f} | no plan | - | - | {exc} |"
    wall = time.perf_counter() - start
    rows = plan.assignments[["customer_id", "rep_id"]]
    held = "yes" if not solver.check_plan(customers, reps, rows, scenario) else "NO"
    cert = plan.certificate
    gap = "-" if cert.gap is None else f"{cert.gap:.3%}"
    return f"{head} {wall:.1f} | plan | {gap} | {held} | {cert.engine_note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="uniform")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--value-band", type=float, nargs=2, default=[0.8, 1.25])
    parser.add_argument("--workload-band", type=float, nargs=2, default=[0.85, 1.15])
    parser.add_argument("--no-move-budget", dest="move_budget", action="store_false")
    args = parser.parse_args()
    print("| instance | move budget | limit s | wall s | outcome | gap | bands held | note |")
    print("|---|---|---:|---:|---|---:|---|---|")
    print(run(args), flush=True)


if __name__ == "__main__":
    main()
