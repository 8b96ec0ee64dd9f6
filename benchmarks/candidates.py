"""Loading: candidate pairs by scoring every rep (dense) against the spatial index, side by side.

    python -m benchmarks.candidates --sizes 10000x100 --max-candidates 20
    python -m benchmarks.candidates --sizes 100000x1000

For each size and shape (``benchmarks/shapes.py``) the inputs are generated once, then each
build runs in its own fresh process, dense and indexed alternately (``--repeat`` rounds),
so peak memory is each build's own. A row gives the seconds of ``build_candidates`` alone,
the process's peak RSS (loading the inputs included, the same for both), the pairs kept,
and a hash of the kept pairs (customer, rep, distance, workload): equal hashes mean both
builds kept exactly the same pairs. ``--max-candidates`` sets k (default: the solver's,
50 cheapest reps above 4 million customer x rep pairs, every allowed rep below).
Writes ``benchmarks/results/candidates.csv``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.scaling import RESULTS, child_row, write_rows

COLUMNS = ["shape", "customers", "reps", "k", "method", "round", "candidates_s", "peak_rss_mb",
           "pairs", "pairs_hash"]  # fmt: skip


def build_one(shape: str, n: int, m: int, seed: int, k: int | None, index: bool) -> dict:
    """Generate and load the inputs, then time one candidate build in this process."""
    import hashlib
    import time

    from benchmarks.shapes import SHAPES
    from solver.candidates import build_candidates
    from solver.constraints import active_rules
    from solver.inputs.facts import Facts
    from solver.problem import load_inputs, rule_forced
    from solver.scenario import as_scenario

    customers, reps, settings = SHAPES[shape](n, m, seed)
    scenario = as_scenario({**settings, "max_candidates": k})
    customers, reps = load_inputs(customers, reps, scenario)
    facts = Facts.build(customers, reps, scenario)
    rules = active_rules(scenario)
    forced, _ = rule_forced(facts, scenario, rules)
    start = time.perf_counter()
    pairs = build_candidates(facts, scenario, rules, forced, index=index).pairs
    seconds = time.perf_counter() - start
    digest = hashlib.sha256()
    for column in (pairs.customer, pairs.rep, pairs.distance_km, pairs.workload):
        digest.update(column.tobytes())
    return {"candidates_s": round(seconds, 2), "pairs": len(pairs.rep),
            "pairs_hash": digest.hexdigest()[:16]}  # fmt: skip


def run_in_child(shape: str, n: int, m: int, seed: int, k: int | None, index: bool) -> dict:
    """:func:`build_one` in a fresh process; adds that process's peak RSS (MB)."""
    code = (
        "import json, sys; from benchmarks.candidates import build_one; "
        "a = json.loads(sys.argv[1]); print(json.dumps(build_one(*a)))"
    )
    args = json.dumps([shape, n, m, seed, k, index])
    return child_row(code, [args], f"candidate build {shape} {n}x{m}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000x100")
    parser.add_argument("--shapes", default="clustered,uniform")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-candidates", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS / "candidates.csv")
    args = parser.parse_args(argv)
    rows = []
    print("| shape | size | k | method | round | candidates s | peak RSS MB | pairs | hash |")
    print("|---|---|---:|---|---:|---:|---:|---:|---|")
    for size in args.sizes.split(","):
        n, m = (int(x) for x in size.lower().split("x"))
        for shape in args.shapes.split(","):
            for round_ in range(1, args.repeat + 1):
                for method in ("dense", "indexed"):
                    row = {"shape": shape, "customers": n, "reps": m,
                           "k": args.max_candidates or "default", "method": method,
                           "round": round_}  # fmt: skip
                    row.update(
                        run_in_child(shape, n, m, args.seed, args.max_candidates, method != "dense")
                    )
                    rows.append(row)
                    print(
                        f"| {shape} | {n:,} x {m:,} | {row['k']} | {method} | {round_} | "
                        f"{row['candidates_s']} | {row['peak_rss_mb']:,} | {row['pairs']:,} | "
                        f"{row['pairs_hash']} |",
                        flush=True,
                    )
    write_rows(args.out, COLUMNS, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
