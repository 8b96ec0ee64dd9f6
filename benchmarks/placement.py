"""New accounts onto a standing plan: speed (API and CLI) and quality against the locked
full re-solve and the routers a CRM would use.

    python -m benchmarks.placement --customers 100000 --reps 1000 --new 1,1000
    python -m benchmarks.placement --customers 10000 --reps 100 --new 200 --quality
    python -m benchmarks.placement --customers 100000 --reps 1000 --new 200,1000 --gaps
    python -m benchmarks.placement --customers 100000 --reps 1000 --new 200,1000 --bounds 0.45,1,3

The instance comes from ``tests/instances.py`` (customers in a 300 km square, reps spread
in it, capacity 1.3 x the estimated load, 2 % protected, one rep leaving) with ``--new``
more accounts of the same kind; the standing plan is solved once per size, seed and
``--plan-time-limit`` and cached under ``benchmarks/instances/``. Speed:
``StandingBook.from_folder`` (reading the plan), ``place`` in the API with the book in
memory (the batch's own engines and the whole call, which also builds the combined plan),
the full rebuild of the combined plan beside the incremental one in the same process (wall
and CPU seconds; the tables of a placement's plan are built when first read, timed apart),
and ``territory assign`` end to end in a fresh process. It names the ``solver`` it runs,
so two checkouts can run it back to back (``PYTHONPATH`` naming the other checkout's
``solver`` first). Quality (``--quality``): the batch's objective against the full
re-solve with every standing account locked (exact answer) and against two routers on the
same room: nearest rep with room, and round-robin over the eligible reps with room.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import solver
from benchmarks import PINNED_OBJECTIVE
from solver.placement import StandingBook, place
from solver.placement.layout import build_layout, combined_customers
from solver.placement.placing import read_new_accounts
from solver.plan import evaluate
from tests.instances import make_instance

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / "instances"


def scenario(seed: int, limit: float) -> dict:
    return {"as_of": "2027-01-01", "seed": seed, "time_limit_s": limit, **PINNED_OBJECTIVE}


def instance(n: int, m: int, extra: int, seed: int, limit: float) -> tuple[Path, pd.DataFrame]:
    """The standing plan folder (solved once) and ``extra`` new accounts."""
    folder = CACHE / f"placement-{n}x{m}-seed{seed}-limit{limit:g}s"  # a plan per time limit
    customers, reps = make_instance(n=n + extra, m=m, seed=seed, slack=1.3, protected=n // 50)
    new = customers.tail(extra).reset_index(drop=True)
    new = new.assign(customer_id=[f"N{k:06d}" for k in range(extra)], current_rep="",
                     protected_rep="", protected_until="")  # fmt: skip
    if not (folder / "plan" / "metrics.json").exists():
        start = time.perf_counter()
        plan = solver.solve(customers.head(n), reps, scenario(seed, limit))
        plan.write(folder / "plan")
        print(f"standing plan solved in {time.perf_counter() - start:.0f} s: {plan}")
    return folder, new


def timed(fn, repeat: int) -> tuple[list[float], list[float], object]:
    """Wall and CPU seconds of ``repeat`` calls of ``fn`` (CPU: this process's), and the
    last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def speed(folder: Path, new: pd.DataFrame, sizes: list[int], repeat: int, limit: float | None):
    """Side by side in one process: the full rebuild of the combined plan (the reference
    path) and the incremental one, on the same book in memory; then the CLI."""
    print(f"solver from {Path(solver.__file__).parent}")
    walls, cpus, book = timed(lambda: StandingBook.from_folder(folder / "plan"), 1)
    print(f"read the plan (StandingBook.from_folder): {walls[0]:.2f} s (CPU {cpus[0]:.2f} s), "
          f"{book.n:,} accounts")  # fmt: skip
    walls, _, _ = timed(lambda: place(book, new.head(1)), 1)
    print(f"first placement on the book (prepares its standing parts): {walls[0]:.2f} s")
    print("| new accounts | path | batch engines s | place() s (median) | place() CPU s "
          "(median) | tables s | file bytes s | batch engines | gap |")  # fmt: skip
    print("|---:|---|---:|---:|---:|---:|---:|---|---:|")
    for k in sizes:
        for name, rebuild in (("full rebuild", True), ("incremental", False)):
            walls, cpus, result = timed(
                lambda k=k, r=rebuild: place(book, new.head(k), rebuild=r, time_limit_s=limit),
                repeat,
            )
            tables, _, _ = timed(lambda r=result: r.plan.assignments, 1)  # built if deferred
            written, _, _ = timed(result.file_bytes, 1)
            b = result.batch
            gap = "n/a" if b.gap is None else f"{b.gap:.3%}"
            print(
                f"| {k:,} | {name} | {b.wall_s:.3f} | {statistics.median(walls):.3f} | "
                f"{statistics.median(cpus):.3f} | {tables[0]:.2f} | {written[0]:.2f} | "
                f"{b.engine} | {gap} |"
            )
    print("| new accounts | CLI s (end to end) | CLI CPU s | exit |")
    print("|---:|---:|---:|---:|")
    for k in sizes:
        path = folder / f"new-{k}.csv"
        new.head(k).to_csv(path, index=False)
        extra = [] if limit is None else ["--time-limit", str(limit)]
        start, child = time.perf_counter(), _child_cpu()
        cli = subprocess.run(
            [sys.executable, "-m", "solver", "assign", "--plan", str(folder / "plan"),
             "--new", str(path), "--out", str(folder / f"out-{k}"), "--quiet", *extra],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        cli_s, cli_cpu = time.perf_counter() - start, _child_cpu() - child
        if cli.returncode not in (0, 10):
            print(cli.stderr)
        print(f"| {k:,} | {cli_s:.1f} | {cli_cpu:.1f} | {cli.returncode} |")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import solver.cli.main"], check=True)
    print(f"starting the command (imports alone): {time.perf_counter() - start:.1f} s")


def _child_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def batch_gaps(folder: Path, new: pd.DataFrame, sizes: list[int], limits: list[float]) -> None:
    """The batch's objective, bound and gap under each time limit, on the same book in one
    process."""
    book = StandingBook.from_folder(folder / "plan")
    print(f"solver from {Path(solver.__file__).parent}")
    print("| new accounts | time limit s | objective | bound | gap | batch s | engines | plan by |")
    print("|---:|---:|---:|---:|---:|---:|---|---|")
    for k in sizes:
        for seconds in limits:
            b = place(book, new.head(k), time_limit_s=seconds).batch
            bound = "n/a" if b.bound is None else f"{b.bound:,.1f}"
            gap = "n/a" if b.gap is None else f"{b.gap:.2%}"
            print(f"| {k:,} | {seconds:g} | {b.objective:,.1f} | {bound} | {gap} | "
                  f"{b.wall_s:.1f} | {b.engine} | {b.note.split(';')[0]} |")  # fmt: skip


def bound_times(folder: Path, new: pd.DataFrame, sizes: list[int], limits: list[float]) -> None:
    """The batch's bounds against the same first plan (the matching plan, improved for
    0.3 s): the balance dual, and the bound over whole accounts refined for each of
    ``limits`` seconds."""
    from solver.models.stopping import gap  # this code's parts (main's lack some)
    from solver.placement.balance_bound import balance_dual
    from solver.placement.batch import batch_cost, batch_model
    from solver.placement.increment import fast_layout, prepare
    from solver.placement.matching import matched
    from solver.placement.whole_bound import whole_account_bound

    book = StandingBook.from_folder(folder / "plan")
    scn = book.scenario.replace(rules={"max_moves": None, "max_moves_pct": None})
    standing = prepare(book.customers, book.reps, book.rep, scn)
    print(f"solver from {Path(solver.__file__).parent}")
    print("| new accounts | bound | seconds given | bound value | gap to the plan | wall s | how |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for k in sizes:
        combined = combined_customers(book.customers, read_new_accounts(new.head(k), book, scn))
        model = batch_model(fast_layout(standing, combined, book.reps))
        problem = model.problem
        plan = matched(problem, model.size, lambda rep, p=problem: batch_cost(p, rep)[0], 0.3)
        upper = batch_cost(problem, plan.rep)[0]
        start = time.perf_counter()
        dual = balance_dual(problem, upper)
        print(f"| {k:,} | balance dual | | {dual.bound:,.1f} | {gap(upper, dual.bound):.2%} | "
              f"{time.perf_counter() - start:.2f} | {dual.steps} steps |")  # fmt: skip
        for seconds in limits:
            start = time.perf_counter()
            whole = whole_account_bound(problem, model.size, upper, dual, start + seconds)
            print(f"| {k:,} | whole accounts | {seconds:g} | {whole.engine_bound:,.1f} | "
                  f"{gap(upper, whole.engine_bound):.2%} | {time.perf_counter() - start:.2f} | "
                  f"{whole.bound_source.split('(')[-1].rstrip(')')} |")  # fmt: skip


def routers(layout, order: np.ndarray) -> dict[str, tuple[np.ndarray, int]]:
    """Nearest rep with room, and round-robin over the eligible reps with room, placing the
    batch one account at a time in file order on the same room (rows) as the batch."""
    problem = layout.problem
    starts = problem.customer_starts()
    out = {}
    for name in ("nearest rep with room", "round-robin with room"):
        rep = layout.standing_rep.copy()
        chosen = np.full(problem.n, -1)
        fixed = rep >= 0
        chosen[fixed] = problem.pair_index(rep)[fixed]
        used = [b.usage(chosen[fixed]) for b in problem.blocks]
        turn, missed = 0, 0
        for i in order:
            pairs = np.arange(starts[i], starts[i + 1])
            if name.startswith("nearest"):
                pairs = pairs[np.argsort(problem.pairs.distance_km[pairs])]
            else:
                pairs = np.roll(pairs, -turn % max(len(pairs), 1))
                turn += 1
            fit = next((p for p in pairs if _fits(problem.blocks, used, p)), None)
            if fit is None:
                missed += 1
                continue
            for block, use in zip(problem.blocks, used, strict=True):
                if block.row[fit] >= 0:
                    use[block.row[fit]] += block.coeff[fit]
            rep[i] = problem.pair_rep[fit]
        out[name] = (rep, missed)
    return out


def _fits(blocks, used, p) -> bool:
    return all(b.row[p] < 0 or u[b.row[p]] + b.coeff[p] <= b.upper[b.row[p]] + 1e-9
               for b, u in zip(blocks, used, strict=True))  # fmt: skip


def quality(folder: Path, new: pd.DataFrame, k: int, limit: float, ours_limit: float) -> None:
    book = StandingBook.from_folder(folder / "plan")
    ours = place(book, new.head(k), time_limit_s=ours_limit)
    customers = combined_customers(
        book.customers, read_new_accounts(new.head(k), book, book.scenario)
    )
    locks = book.customers[["customer_id", "current_rep"]].to_numpy().tolist()
    start = time.perf_counter()
    locked = solver.solve(
        customers, book.reps,
        {**book.scenario.model_dump(mode="json"), "time_limit_s": limit, "gap_tolerance": 0.0,
         "rules": {**book.scenario.rules.model_dump(mode="json"), "locks": locks}},
    )  # fmt: skip
    locked_s = time.perf_counter() - start
    print("| plan | objective | vs ours | unplaced | wall s |")
    print("|---|---:|---:|---:|---:|")
    base = ours.plan.objective
    print(f"| ours (batch gap {ours.batch.gap:.3%}) | {base:,.1f} | 0 | {len(ours.unplaced)} | "
          f"{ours.batch.wall_s:.2f} |")  # fmt: skip
    print(f"| full re-solve, standing locked ({locked.certificate['engine']}, gap "
          f"{locked.gap:.3%}) | {locked.objective:,.1f} | {locked.objective - base:+,.1f} | 0 | "
          f"{locked_s:.1f} |")  # fmt: skip
    layout = build_layout(
        customers, book.reps, ours.plan.problem.scenario,
        np.concatenate([book.rep, np.full(k, -1)]), np.zeros(book.n + k, dtype=bool),
    )  # fmt: skip
    for name, (rep, missed) in routers(layout, np.flatnonzero(layout.in_batch)).items():
        if missed:
            print(f"| {name} | n/a | n/a | {missed} | |")
            continue
        value = evaluate(layout.problem, rep).total
        print(f"| {name} | {value:,.1f} | {value - base:+,.1f} | 0 | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=1_000)
    parser.add_argument("--new", default="1,1000", help="batch sizes, comma-separated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plan-time-limit", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--gaps", action="store_true", help="batch gaps under each of "
                        "--gap-limits")  # fmt: skip
    parser.add_argument("--gap-limits", default="2,10", help="batch time limits, s, for --gaps")
    parser.add_argument("--bounds", default=None, help="seconds, comma-separated: the "
                        "batch bound over whole accounts refined for each")  # fmt: skip
    parser.add_argument("--time-limit", type=float, default=None,
                        help="batch time limit of the speed runs, s")  # fmt: skip
    parser.add_argument("--resolve-time-limit", type=float, default=120.0)
    parser.add_argument("--place-time-limit", type=float, default=10.0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.new.split(",")]
    folder, new = instance(args.customers, args.reps, max(sizes), args.seed, args.plan_time_limit)
    if args.quality:
        quality(folder, new, max(sizes), args.resolve_time_limit, args.place_time_limit)
    elif args.bounds:
        bound_times(folder, new, sizes, [float(x) for x in args.bounds.split(",")])
    elif args.gaps:
        batch_gaps(folder, new, sizes, [float(x) for x in args.gap_limits.split(",")])
    else:
        speed(folder, new, sizes, args.repeat, args.time_limit)


if __name__ == "__main__":
    main()
