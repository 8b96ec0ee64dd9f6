"""Benchmark runner for the public generalized-assignment (GAP) instances.

Usage::

    python -m benchmarks.run gap --sets orlib --time-limit 10 --engines cpsat,milp \\
        --out benchmarks/results/gap_orlib.csv
    python -m benchmarks.run gap --sets C,D,E --min-load-alpha 0.5,0.7 ...   # with floors
    python -m benchmarks.run pfizer --engines auto,milp --time-limit 20

Each instance is solved once per engine, sequentially in this process, through the public
API (``solver.Problem.from_matrices`` and ``solver.solve_problem``). The result is compared
with the best-known value from the shared GAP folder's ``best_known.csv``. Sets: ``orlib``
(gap1-gap12, maximisation) and ``A``-``E`` (Yagiura single-instance files, minimisation).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import solver
from benchmarks import NO_EARLY_STOP, pfizer
from benchmarks.gap_instances import GAP_DIR, GapInstance, best_known, read_orlib, read_single
from solver.check import check_matrix_plan
from solver.models.lp import solve_lp

#: CSV columns, in order
COLUMNS = (
    "instance",
    "set",
    "m",
    "n",
    "sense",
    "engine",
    "objective",
    "best_known",
    "gap_to_best_known",
    "reached_best",
    "bound",
    "wall_s",
    "status",
    "plan_by",  # the engine that found the final plan when several offered plans
    "note",
    "min_load_alpha",
    "reference",
)
SET_CHOICES = ("orlib", "A", "B", "C", "D", "E")
#: "plain-cpsat" is the rival baseline: CP-SAT on the whole model, no LP hint, no fixing
ENGINE_CHOICES = ("auto", "cpsat", "lns", "milp", "plain-cpsat")
#: objectives within this absolute distance of the best-known value count as reaching it
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Case:
    """One benchmark instance with its set label, sense and best-known value."""

    instance: GapInstance
    set_name: str
    sense: str
    best_known: float | None
    #: with floors: every rep's load at least this share of its capacity (then the
    #: reference value is the LP bound: no best-known values exist with floors)
    min_load_alpha: float | None = None

    def min_load(self) -> np.ndarray | None:
        if self.min_load_alpha is None:
            return None
        return self.min_load_alpha * self.instance.capacity

    @property
    def m(self) -> int:
        return int(self.instance.capacity.shape[0])

    @property
    def n(self) -> int:
        return int(self.instance.cost.shape[0])


def _orlib_cases(known: dict[str, float]) -> Iterator[Case]:
    """The 60 OR-Library instances gap1-1 ... gap12-5, in file order (maximisation)."""
    for k in range(1, 13):
        for inst in read_orlib(GAP_DIR / "instances" / "orlib" / f"gap{k}.txt"):
            yield Case(inst, "orlib", "max", known.get(inst.name))


def _yagiura_cases(kind: str, known: dict[str, float]) -> list[Case]:
    """Single-instance files of one type (``c05100`` ...), smallest first."""
    folder = GAP_DIR / "instances" / "yagiura"
    paths = [p for p in folder.iterdir() if p.name[0] == kind.lower() and p.name[1:].isdigit()]
    # names are <type><m, 2 digits><n>: order by n, then m
    paths.sort(key=lambda p: (int(p.name[3:]), int(p.name[1:3])))
    return [Case(read_single(p), kind, "min", known.get(p.name)) for p in paths]


def load_cases(
    sets: Sequence[str], max_n: int | None, limit: int | None, min_n: int | None = None
) -> list[Case]:
    """Instances of the requested sets, filtered to min_n <= n <= max_n, then the first
    ``limit``."""
    known = {"max": best_known("max"), "min": best_known("min")}
    cases: list[Case] = []
    for name in sets:
        if name == "orlib":
            cases.extend(_orlib_cases(known["max"]))
        else:
            cases.extend(_yagiura_cases(name, known["min"]))
    if max_n is not None:
        cases = [c for c in cases if c.n <= max_n]
    if min_n is not None:
        cases = [c for c in cases if c.n >= min_n]
    return cases[:limit] if limit is not None else cases


def with_floors(cases: Sequence[Case], alphas: Sequence[float]) -> list[Case]:
    """Each case once per alpha, with min_load = alpha x capacity and the LP bound (with
    the floors) as its reference value; cases whose LP is infeasible are left out."""
    out = []
    for case in cases:
        for alpha in alphas:
            floored = dataclasses.replace(case, best_known=None, min_load_alpha=alpha)
            lp = solve_lp(_problem(floored))
            if lp.feasible and lp.bound is not None:
                bound = -lp.bound if case.sense == "max" else lp.bound
                out.append(dataclasses.replace(floored, best_known=bound))
    return out


def _problem(case: Case) -> solver.Problem:
    inst = case.instance
    return solver.Problem.from_matrices(
        inst.cost,
        inst.workload,
        inst.capacity,
        min_load=case.min_load(),
        maximize=case.sense == "max",
        scenario=NO_EARLY_STOP,
    )


def gap_to_best(objective: float, best: float, sense: str) -> float:
    """Relative shortfall against the best-known value, in the instance's sense (fraction)."""
    diff = best - objective if sense == "max" else objective - best
    return diff / abs(best) if best else diff


def solve_case(case: Case, engine: str, time_limit: float) -> dict[str, Any]:
    """Solve one instance with one engine; failures become a row with status ``error``."""
    inst = case.instance
    row: dict[str, Any] = {
        "instance": inst.name,
        "set": case.set_name,
        "m": case.m,
        "n": case.n,
        "sense": case.sense,
        "engine": engine,
        "objective": None,
        "best_known": case.best_known,
        "gap_to_best_known": None,
        "reached_best": False,
        "bound": None,
        "wall_s": None,
        "status": "error",
        "plan_by": "",
        "note": "",
        "min_load_alpha": case.min_load_alpha,
        "reference": "best known" if case.min_load_alpha is None else "LP bound",
    }
    start = time.perf_counter()
    try:
        problem = _problem(case)
        if engine == "plain-cpsat":
            row.update(_plain_cpsat(problem, time_limit))
        else:
            plan = solver.solve_problem(problem, time_limit_s=time_limit, engine=engine)
            row.update(
                objective=plan.objective,
                bound=plan.bound,
                wall_s=plan.certificate.get("wall_s"),
                status=plan.status,
                plan_by=_plan_by(plan.certificate),
                note=plan.certificate.engine_note,
            )
    except Exception as exc:  # record and go on: one failure must not stop the run
        row["wall_s"] = round(time.perf_counter() - start, 3)
        row["note"] = f"{type(exc).__name__}: {exc}"
        return row
    if row["objective"] is None:
        return row
    if case.best_known is not None:
        row["gap_to_best_known"] = gap_to_best(row["objective"], case.best_known, case.sense)
        row["reached_best"] = row["gap_to_best_known"] * abs(case.best_known) <= TOLERANCE
    return row


def _plain_cpsat(problem: solver.Problem, time_limit: float) -> dict[str, Any]:
    """CP-SAT alone on the whole model (2 workers, no hint): objective, bound, status."""
    from solver.models.cpsat import solve_cpsat
    from solver.plan import evaluate

    start = time.perf_counter()
    result = solve_cpsat(problem, time_limit, seed=0, workers=2)
    wall = round(time.perf_counter() - start, 3)
    if result is None:
        return {"wall_s": wall, "status": "no plan"}
    sign = -1.0 if problem.sense == "max" else 1.0
    bound = result.engine_bound
    return {
        "objective": sign * evaluate(problem, result.rep).total,
        "bound": None if bound is None else sign * bound,
        "wall_s": wall,
        "status": result.status,
        "note": result.note,
    }


def _plan_by(certificate: solver.Certificate) -> str:
    """Who found the final plan, from the certificate's typed statistics ('' when one
    engine ran alone)."""
    stats = certificate.stats
    return (stats.plan_by or "") if stats is not None else ""


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


#: titles of the per-solve lines; "hit" = reached the best-known value
HEADER = (
    "instance",
    "set",
    "m",
    "n",
    "engine",
    "objective",
    "best_known",
    "gap%",
    "hit",
    "bound",
    "wall_s",
    "status",
)
LINE = "{:<10} {:<5} {:>3} {:>5} {:<11} {:>10} {:>10} {:>8} {:>4} {:>12} {:>7}  {}"


def print_header() -> None:
    """Column titles for the per-solve lines."""
    print(LINE.format(*HEADER))


def print_row(row: dict[str, Any]) -> None:
    """One line per solve, printed as soon as it finishes."""
    gap = row["gap_to_best_known"]
    print(
        LINE.format(
            row["instance"],
            row["set"],
            row["m"],
            row["n"],
            row["engine"],
            _fmt(row["objective"], ".0f"),
            _fmt(row["best_known"], ".0f"),
            _fmt(None if gap is None else 100 * gap, ".3f"),
            "yes" if row["reached_best"] else "no",
            _fmt(row["bound"], ".1f"),
            _fmt(row["wall_s"], ".2f"),
            row["status"] + (f" ({row['note']})" if row["status"] == "error" else ""),
        ),
        flush=True,
    )


def summarize(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per set and engine: count, mean/max gap to best known, reached best, mean/max wall."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["set"], row["engine"]), []).append(row)
    out = []
    for (set_name, engine), items in groups.items():
        gaps = [r["gap_to_best_known"] for r in items if r["gap_to_best_known"] is not None]
        walls = [r["wall_s"] for r in items if r["wall_s"] is not None]
        out.append(
            {
                "set": set_name,
                "engine": engine,
                "instances": len(items),
                "errors": sum(r["status"] == "error" for r in items),
                "mean_gap": sum(gaps) / len(gaps) if gaps else None,
                "max_gap": max(gaps) if gaps else None,
                "reached_best": sum(bool(r["reached_best"]) for r in items),
                "mean_wall_s": sum(walls) / len(walls) if walls else None,
                "max_wall_s": max(walls) if walls else None,
            }
        )
    return out


def print_summary(summary: Sequence[dict[str, Any]]) -> None:
    """The per-set/per-engine summary as a Markdown table."""
    print(
        "| set | engine | instances | errors | mean gap % | max gap % | reached best "
        "| mean wall s | max wall s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in summary:
        mean_gap = None if s["mean_gap"] is None else 100 * s["mean_gap"]
        max_gap = None if s["max_gap"] is None else 100 * s["max_gap"]
        print(
            f"| {s['set']} | {s['engine']} | {s['instances']} | {s['errors']} "
            f"| {_fmt(mean_gap, '.3f')} | {_fmt(max_gap, '.3f')} "
            f"| {s['reached_best']}/{s['instances']} "
            f"| {_fmt(s['mean_wall_s'], '.2f')} | {_fmt(s['max_wall_s'], '.2f')} |"
        )


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 9))
    return value


def run_gap(args: argparse.Namespace) -> int:
    """The ``gap`` benchmark: solve, print, write the CSV, print the summary."""
    if not GAP_DIR.is_dir():
        print(f"GAP instances not found at {GAP_DIR}; skipping the benchmark.")
        return 0
    cases = load_cases(args.sets, args.max_n, args.limit_instances, args.min_n)
    if args.only:
        names = set(args.only.split(","))
        cases = [c for c in cases if c.instance.name in names]
    if args.min_load_alpha:
        cases = with_floors(cases, args.min_load_alpha)
    print(
        f"{len(cases)} instances x {len(args.engines)} engines ({', '.join(args.engines)}), "
        f"time limit {args.time_limit:g} s, instances from {GAP_DIR}",
        flush=True,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    with args.out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        print_header()
        for case in cases:
            for engine in args.engines:
                row = solve_case(case, engine, args.time_limit)
                rows.append(row)
                writer.writerow({k: _csv_value(v) for k, v in row.items()})
                handle.flush()
                print_row(row)
    print(f"\nwrote {len(rows)} rows to {args.out} in {time.perf_counter() - start:.1f} s\n")
    print_summary(summarize(rows))
    return 0


def _list_arg(choices: Sequence[str]) -> Any:
    """An argparse type: a comma-separated list whose items must be in ``choices``."""

    def parse(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in choices]
        if bad or not items:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated subset of {', '.join(choices)}; got {text!r}"
            )
        return items

    return parse


def build_parser() -> argparse.ArgumentParser:
    """Command line: ``python -m benchmarks.run gap [options]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    sub = parser.add_subparsers(dest="benchmark", required=True)
    gap = sub.add_parser("gap", help="generalized-assignment instances (OR-Library, Yagiura)")
    gap.add_argument(
        "--sets",
        type=_list_arg(SET_CHOICES),
        default=["orlib"],
        help="comma-separated: orlib (gap1-12, max) and/or A,B,C,D,E (Yagiura files, min)",
    )
    gap.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    gap.add_argument(
        "--engines", type=_list_arg(ENGINE_CHOICES), default=["cpsat", "milp"], help="e.g. cpsat"
    )
    gap.add_argument("--max-n", type=int, default=None, help="only instances with n <= this")
    gap.add_argument("--min-n", type=int, default=None, help="only instances with n >= this")
    gap.add_argument("--only", default=None, help="comma-separated instance names, e.g. d801600")
    gap.add_argument(
        "--limit-instances", type=int, default=None, help="only the first N instances in all"
    )
    gap.add_argument(
        "--min-load-alpha",
        type=lambda text: [float(t) for t in text.split(",")],
        default=None,
        help="comma-separated, e.g. 0.5,0.7: floors min_load = alpha x capacity (the gap "
        "is then to the LP bound with the floors)",
    )
    gap.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/gap.csv"), help="CSV path"
    )
    gap.set_defaults(func=run_gap)
    pf = sub.add_parser("pfizer", help="the published Pfizer load-band cases (proved optima)")
    pf.add_argument("--time-limit", type=float, default=20.0, help="seconds per solve")
    pf.add_argument(
        "--engines", type=_list_arg(ENGINE_CHOICES[:-1]), default=["auto"], help="e.g. auto,milp"
    )
    pf.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/pfizer.csv"), help="CSV path"
    )
    pf.set_defaults(func=run_pfizer)
    return parser


def run_pfizer(args: argparse.Namespace) -> int:
    """The ``pfizer`` benchmark: each case and band, each engine, against its optimum."""
    if not pfizer.available():
        print(f"Pfizer case not found at {pfizer.PFIZER_DIR}; skipping the benchmark.")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    print("| instance | objective | band | engine | ours | proved optimum | reached | bound "
          "| wall s | band held |")  # fmt: skip
    print("|---|---|---|---|---:|---:|---|---:|---:|---|")
    for (name, objective, band), optimum in pfizer.OPTIMA.items():
        case = pfizer.read_case(name)
        floor, cap = case.band(*band)
        work = np.tile(case.index, (case.m, 1)).T
        half = 0.5 * 10.0 ** -pfizer.DECIMALS[name]
        for engine in args.engines:
            problem = solver.Problem.from_matrices(
                case.cost(objective), work, cap, min_load=floor, scenario=NO_EARLY_STOP
            )
            plan = solver.solve_problem(problem, time_limit_s=args.time_limit, engine=engine)
            held = not check_matrix_plan(work, cap, plan.rep_index, floor)
            row = {
                "instance": name,
                "objective_kind": objective,
                "band": f"[{band[0]:g}, {band[1]:g}]",
                "engine": engine,
                "objective": round(plan.objective, 6),
                "optimum": optimum,
                "reached": plan.objective <= optimum + half,
                "bound": round(plan.bound, 6),
                "wall_s": plan.certificate.get("wall_s"),
                "band_held": held,
            }
            rows.append(row)
            print(" | ".join(["", *(str(v) for v in row.values()), ""]).strip(), flush=True)
    pd.DataFrame(rows).to_csv(args.out, index=False)
    print(f"\nwrote {len(rows)} rows to {args.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
