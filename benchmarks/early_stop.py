"""What the early stops save and cost: wall time and gap with each gap tolerance.

    python -m benchmarks.early_stop --instances sample,10000x100 --time-limit 30

For each instance (the bundled sample, or a generated ``NxM`` instance from
``data/make_sample.py``), the problem is built once and solved with the scenario's engine
for every setting in ``SETTINGS``: no early stop (the full time limit), the stall rule
alone, and each gap tolerance together with the default stall rule. Each row gives the
solve's wall time and its gap to the bound, so the saving (time) and the cost (gap
against the full-time run) sit side by side. Writes ``benchmarks/results/early_stop.csv``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from benchmarks import PINNED_OBJECTIVE
from benchmarks.scaling import RESULTS, ROOT, instance

#: (label, gap_tolerance, stall_share); None = that rule off
SETTINGS: tuple[tuple[str, float | None, float | None], ...] = (
    ("none (full limit)", None, None),
    ("stall 0.25 only", None, 0.25),
    ("gap 1 %", 0.01, 0.25),
    ("gap 0.5 % (default)", 0.005, 0.25),
    ("gap 0.25 %", 0.0025, 0.25),
    ("gap 0.1 %", 0.001, 0.25),
)
COLUMNS = ["instance", "setting", "gap_tolerance", "stall_share", "time_limit_s", "wall_s",
           "gap", "objective", "bound", "stop_reason"]  # fmt: skip


def folder_of(name: str, seed: int) -> Path:
    if name == "sample":
        return ROOT / "data"
    customers, reps = (int(x) for x in name.lower().split("x"))
    return instance(customers, reps, seed)


def main(argv: list[str] | None = None) -> int:
    import solver

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default="sample,10000x100")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=RESULTS / "early_stop.csv")
    args = parser.parse_args(argv)
    rows = []
    for name in args.instances.split(","):
        folder = folder_of(name, args.seed)
        base = solver.Scenario.from_toml(folder / "scenario.toml").replace(**PINNED_OBJECTIVE)
        for label, tolerance, stall in SETTINGS:
            scenario = base.replace(
                gap_tolerance=tolerance, stall_share=stall, time_limit_s=args.time_limit
            )
            problem = solver.Problem.build(folder / "customers.csv", folder / "reps.csv", scenario)
            cert = solver.solve_problem(problem).certificate
            row = {
                "instance": name,
                "setting": label,
                "gap_tolerance": tolerance,
                "stall_share": stall,
                "time_limit_s": args.time_limit,
                "wall_s": round(cert["wall_s"], 2),
                "gap": round(cert["gap"], 6),
                "objective": round(cert["objective"], 1),
                "bound": round(cert["bound"], 1),
                "stop_reason": cert["stop_reason"],
            }
            rows.append(row)
            print(row, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
