"""How time, memory and gap grow with size, on realistic generated territory instances.

    python -m benchmarks.scaling --sizes 1000x10,3000x30,10000x100,30000x300,100000x1000
    python -m benchmarks.scaling --shape clustered --sizes 10000x100

Each instance comes, with the given seed, from the sample generator (``--shape sample``,
the default: ``data/make_sample.py``, accounts at real places in TX/OK/LA/AR, every
objective term, protections, capacities, account caps, a move budget, a leaving rep) or
from ``benchmarks/shapes.py`` (``uniform``, ``clustered``), cached under
``benchmarks/instances/``.
Each solve runs in its own process, so its peak resident memory is its own; the time limit
is 60 s per 10,000 accounts (at least 10 s, at most 600 s) unless ``--time-limit`` is
given. Writes ``benchmarks/results/scaling.csv`` and a log-log plot ``scaling.png``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import full_limit

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / "instances"
RESULTS = ROOT / "benchmarks" / "results"
COLUMNS = [
    "customers", "reps", "seed", "shape", "engine", "time_limit_s", "pairs", "load_s", "bound_s",
    "solve_wall_s", "total_s", "peak_rss_mb", "objective", "bound", "gap", "bound_source",
    "note",
]  # fmt: skip


PLOTTED = {"customers", "pairs", "total_s", "bound_s", "time_limit_s", "peak_rss_mb", "gap"}


def instance(
    customers: int, reps: int, seed: int, cache: Path = CACHE, shape: str = "sample"
) -> Path:
    """The generated instance folder (made once, then reused)."""
    if shape != "sample":
        from benchmarks.shapes import write_instance

        folder = cache / f"{shape}-{customers}x{reps}-seed{seed}"
        return write_instance(folder, shape, customers, reps, seed)
    folder = cache / f"{customers}x{reps}-seed{seed}"
    if not (folder / "scenario.toml").exists():
        args = ["--customers", str(customers), "--reps", str(reps), "--seed", str(seed)]
        subprocess.run(
            [sys.executable, str(ROOT / "data" / "make_sample.py"), *args, "--out", str(folder)],
            check=True,
        )
    return folder


def default_limit(customers: int) -> float:
    return float(min(600, max(10, round(60 * customers / 10_000))))


def solve_one(folder: Path, limit: float, engine: str) -> dict:
    """Load and solve in this process; the certificate's numbers as one row."""
    import solver

    start = time.perf_counter()
    problem = solver.Problem.build(
        folder / "customers.csv", folder / "reps.csv", full_limit(folder / "scenario.toml")
    )
    loaded = time.perf_counter() - start
    plan = solver.solve_problem(problem, time_limit_s=limit, engine=engine)
    cert = plan.certificate
    return {
        "pairs": cert["candidate_pairs"],
        "load_s": round(loaded, 1),
        "bound_s": round(cert["lp_wall_s"], 1),
        "solve_wall_s": round(cert["wall_s"], 1),
        "total_s": round(time.perf_counter() - start, 1),
        "objective": round(cert["objective"], 1),
        "bound": round(cert["bound"], 1),
        "gap": cert["gap"],
        "bound_source": cert["bound_source"].split(" (")[0],
        "note": cert["engine_note"],
    }


def run_in_child(folder: Path, limit: float, engine: str) -> dict:
    """solve_one in a fresh process; adds that process's own peak RSS (MB)."""
    code = (
        "import json, sys; from pathlib import Path; from benchmarks.scaling import solve_one; "
        "print(json.dumps(solve_one(Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3])))"
    )
    return child_row(code, [str(folder), str(limit), engine], f"solve of {folder.name}")


def child_row(code: str, args: list[str], what: str) -> dict:
    """Run ``python -c code args`` from the project root; the JSON object its last output
    line prints, plus ``peak_rss_mb``, that process's own peak resident memory."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed with exit code {proc.returncode}")
    row = json.loads(output.strip().splitlines()[-1])
    row["peak_rss_mb"] = round(usage.ru_maxrss / 1024)
    return row


def write_rows(path: Path, columns: list[str], rows: list[dict]) -> None:
    """The rows as a CSV file at ``path`` (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    from solver.limits import estimated_bytes

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["customers"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.loglog(n, [r["total_s"] for r in rows], "o-", label="total (load + solve)")
    left.loglog(n, [r["bound_s"] for r in rows], "s--", label="lower bound")
    left.loglog(n, [r["time_limit_s"] for r in rows], ":", color="grey", label="time limit")
    left.set_xlabel("customers (reps = customers / 100)")
    left.set_ylabel("seconds")
    left.legend()
    right.loglog(n, [r["peak_rss_mb"] / 1024 for r in rows], "o-", label="peak RSS")
    estimate = [estimated_bytes(int(r["pairs"]), "lns") / 2**30 for r in rows]
    right.loglog(n, estimate, ":", label="size-limit estimate (solver/limits.py)")
    right.set_xlabel("customers (reps = customers / 100)")
    right.set_ylabel("GiB")
    right.legend()
    for r in rows:
        left.annotate(f"{r['gap']:.2%}", (r["customers"], r["total_s"]), fontsize=8)
    fig.suptitle("Territory solver scaling (2 cores); labels: gap to the lower bound")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000x10,3000x30,10000x100")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shape", choices=["sample", "uniform", "clustered"], default="sample")
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--out", type=Path, default=RESULTS / "scaling.csv")
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated instances")
    parser.add_argument("--plot-from", type=Path, help="only redraw the plot from this CSV")
    args = parser.parse_args(argv)
    if args.plot_from is not None:
        with args.plot_from.open(newline="") as handle:
            rows = [
                {k: float(v) if k in PLOTTED else v for k, v in row.items()}
                for row in csv.DictReader(handle)
            ]
        plot(rows, args.plot_from.with_suffix(".png"))
        return 0
    rows = []
    print("| customers | reps | limit s | pairs | load s | bound s | total s | peak MB | gap |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes.split(","):
        customers, reps = (int(x) for x in size.lower().split("x"))
        limit = args.time_limit or default_limit(customers)
        folder = instance(customers, reps, args.seed, args.cache, args.shape)
        row = {
            "customers": customers,
            "reps": reps,
            "seed": args.seed,
            "shape": args.shape,
            "engine": args.engine,
            "time_limit_s": limit,
        }
        row.update(run_in_child(folder, limit, args.engine))
        rows.append(row)
        print(
            f"| {customers:,} | {reps:,} | {limit:g} | {row['pairs']:,} | {row['load_s']} | "
            f"{row['bound_s']} | {row['total_s']} | {row['peak_rss_mb']:,} | {row['gap']:.3%} |",
            flush=True,
        )
    write_rows(args.out, COLUMNS, rows)
    plot(rows, args.out.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
