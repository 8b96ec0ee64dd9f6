"""How often a small book ends proved: the 30-account three-city book of the exact-proof
tests (an accounts band by quota, a soft value table, travel hours in fractions of
minutes), solved by ``auto`` again and again.

    python -m benchmarks.small_proof --runs 20
"""

from __future__ import annotations

import argparse
from collections import Counter

import solver
from tests.models.test_exact_proof import DEFAULTS, _three_city_book

SCENARIO = {
    **DEFAULTS,
    "balance": [
        {"measure": "accounts", "share": "quota", "band": [0.8, 1.2]},
        {"measure": "value", "share": "equal", "tolerance": 0.1, "weight": 20.0},
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    customers, reps = _three_city_book()
    ends: Counter[str] = Counter()
    for _ in range(args.runs):
        plan = solver.solve(customers, reps, SCENARIO)
        gap = "n/a" if plan.gap is None else f"{plan.gap:.3%}"
        ends[f"{plan.status}, objective {plan.objective:,.1f}, gap {gap}"] += 1
    for end, count in ends.most_common():
        print(f"{count} of {args.runs}: {end}")


if __name__ == "__main__":
    main()
