"""The search with and without the exact local moves, at equal time, side by side.

    python -m benchmarks.moves --instances clustered:10000x100,yagiura:d20400 --time-limit 30

Each instance (a generated shape ``shape:NxM`` from ``benchmarks/shapes.py``, or a Yagiura
instance ``yagiura:NAME`` from the shared GAP folder) is built once and solved with
``auto`` and the early stops off, once without and once with ``Params.local_moves``,
alternately for ``--repeat`` rounds in this one process, so both settings see the same
machine. A row gives the objective, the bound of that run, the gap to it, the gap to the
best-known value (Yagiura) and the search's note (shifts made). Writes
``benchmarks/results/moves.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks import NO_EARLY_STOP
from benchmarks.scaling import RESULTS, write_rows

COLUMNS = ["instance", "round", "local_moves", "time_limit_s", "wall_s", "objective", "bound",
           "gap", "best_known", "gap_to_best_known", "note"]  # fmt: skip


def build(name: str, seed: int):
    """The problem of ``shape:NxM`` or ``yagiura:NAME``, and its best-known value."""
    import solver
    from benchmarks.gap_instances import GAP_DIR, best_known, read_single
    from benchmarks.shapes import SHAPES

    kind, _, spec = name.partition(":")
    if kind == "yagiura":
        inst = read_single(GAP_DIR / "instances" / "yagiura" / spec)
        problem = solver.Problem.from_matrices(
            inst.cost, inst.workload, inst.capacity, scenario=dict(NO_EARLY_STOP)
        )
        return problem, best_known("min").get(spec)
    n, m = (int(x) for x in spec.lower().split("x"))
    customers, reps, scenario = SHAPES[kind](n, m, seed)
    return solver.Problem.build(customers, reps, scenario), None


def main(argv: list[str] | None = None) -> int:
    import solver
    from solver.models.auto import Params

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default="clustered:10000x100,yagiura:d20400")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS / "moves.csv")
    args = parser.parse_args(argv)
    rows = []
    print("| instance | round | local moves | wall s | objective | bound | gap % | "
          "to best known % | note |")  # fmt: skip
    print("|---|---:|---|---:|---:|---:|---:|---:|---|")
    for name in args.instances.split(","):
        problem, best = build(name, args.seed)
        for round_ in range(1, args.repeat + 1):
            for moves in (False, True):
                plan = solver.solve_problem(
                    problem, time_limit_s=args.time_limit, params=Params(local_moves=moves)
                )
                cert = plan.certificate
                row = {
                    "instance": name, "round": round_, "local_moves": moves,
                    "time_limit_s": args.time_limit, "wall_s": round(cert["wall_s"], 1),
                    "objective": round(cert["objective"], 1), "bound": round(cert["bound"], 1),
                    "gap": cert["gap"], "best_known": best,
                    "gap_to_best_known": None if best is None else cert["objective"] / best - 1,
                    "note": cert["engine_note"],
                }  # fmt: skip
                rows.append(row)
                to_best = "" if best is None else f"{row['gap_to_best_known']:.3%}"
                print(
                    f"| {name} | {round_} | {'yes' if moves else 'no'} | {row['wall_s']} | "
                    f"{row['objective']:,.1f} | {row['bound']:,.1f} | {row['gap']:.3%} | "
                    f"{to_best} | {row['note']} |",
                    flush=True,
                )
    write_rows(args.out, COLUMNS, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
