"""One instance solved by ``auto`` at one limit, one table row: the unit of a side by side
of two checkouts (the code this file is imported with decides which one runs).

    for round in 1 2; do for tree in "$BASE" "$NEW"; do
      PYTHONPATH=$tree python benchmarks/versus.py clustered:10000x100 --time-limit 30 --label $tree
    done; done

Instances as in ``benchmarks/moves.py`` (``shape:NxM`` or ``yagiura:NAME``), early stops
off. Columns: instance, label, limit, wall s of the solve, objective, gap to the run's
bound, gap to the best-known value (Yagiura), the search's note.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import time


def main(argv: list[str] | None = None) -> None:
    import solver
    from benchmarks.moves import build
    from solver.models.auto import Params

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--trace",
        action="store_true",
        help="also print when the first plan came, and the first within 1 % of the final bound",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a portfolio constant of solver.models.auto.Params for this run (repeatable)",
    )
    args = parser.parse_args(argv)
    params = Params(**dict(map(_pair, args.param)))
    began = time.perf_counter()
    problem, best = build(args.instance, args.seed)
    start = time.perf_counter()
    if args.trace:
        print(f"generated and loaded in {start - began:.1f} s", flush=True)
    heard: list[tuple[float, float]] = []  # (seconds since the start, incumbent cost)

    @contextlib.contextmanager
    def progress(label: str, limit: float, bound: float | None):
        yield lambda cost, _bound: heard.append((time.perf_counter() - start, cost))

    plan = solver.solve_problem(
        problem, time_limit_s=args.time_limit, engine="auto", progress=progress, params=params
    )
    cert = plan.certificate
    if args.trace and heard:
        first = next(((t, c) for t, c in heard if c == c), None)  # the first real cost
        if first is not None and cert["bound"]:
            print(f"first plan at {first[0]:.1f} s, {first[1] / cert['bound'] - 1:.2%} "
                  "above the final bound", flush=True)  # fmt: skip
            near = next((t for t, c in heard if c <= cert["bound"] * 1.01), None)
            print("first plan within 1 % of the final bound: "
                  + (f"{near:.1f} s" if near is not None else "none"), flush=True)  # fmt: skip
    to_best = f"{plan.objective / best - 1:.3%}" if best else ""
    print(
        f"| {args.instance} | {args.label} | {args.time_limit:g} | "
        f"{time.perf_counter() - start:.1f} | {plan.objective:,.1f} | {cert['gap']:.3%} | "
        f"{to_best} | {cert['engine_note']} |",
        flush=True,
    )


def _pair(text: str) -> tuple[str, object]:
    """``"name=value"`` as (name, the Python literal value): 0.1, 8, False."""
    name, _, value = text.partition("=")
    return name.strip(), ast.literal_eval(value.strip())


if __name__ == "__main__":
    main()
