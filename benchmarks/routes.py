"""Routed vs round-trip (star) travel per rep, and the time routing takes.

    territory demo --out demo-plan && python -m benchmarks.routes --plan demo-plan
    python -m benchmarks.routes --instance 10000x100 --solve-limit 60 --time-limits 1

``--plan`` routes a solved plan folder; ``--instance`` (``sample`` or a generated ``NxM``
from ``data/make_sample.py``) solves it first with its scenario. For each per-rep PyVRP
time limit the plan is routed with ``--workers`` processes; one row per rep goes to
``benchmarks/results/routes_<name>.csv`` and the totals and the distribution over reps of
the km saved against round trips are printed as a Markdown table.

    python -m benchmarks.routes --instance sample --rounds --time-limits 0.5
    python -m benchmarks.routes --instance 10000x100 --sensitivity --time-limits 0.5

``--rounds`` instead solves the instance with ``travel_model = "routes"`` (PyVRP
``--time-limits``' first value per rep; ``--anchor`` and ``--route-rounds`` set
``travel.route_anchor`` and ``travel.route_rounds``) and prints each round: objective,
workload Gini, round-trip travel km, mean route share, the largest change of a share,
wall time; round 0 is the star plan.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import PINNED_OBJECTIVE
from benchmarks.scaling import RESULTS, ROOT, instance


def instance_folder(name: str, seed: int) -> Path:
    """``sample``, ``NxM`` (data/make_sample.py) or ``shape-NxM`` (benchmarks.shapes)."""
    if name == "sample":
        return ROOT / "data"
    shape, _, size = name.rpartition("-")
    return instance(*map(int, size.split("x")), seed, shape=shape or "sample")


def solved_plan(name: str, seed: int, limit: float, engine: str | None, out: Path) -> Path:
    """Solve the sample or a generated instance with its scenario into ``out`` (once: a
    folder that already holds a plan is reused)."""
    import solver

    if (out / "metrics.json").exists():
        print(f"reusing the solved plan in {out}")
        return out
    folder = instance_folder(name, seed)
    scenario = solver.Scenario.from_toml(folder / "scenario.toml").replace(
        time_limit_s=limit, **PINNED_OBJECTIVE
    )
    if engine == "flow":  # the fast setting: what the min-cost flow models exactly
        scenario = scenario.replace(
            engine="flow", workload_unit="accounts", rules={"capacity_hours": False}
        )
    elif engine:
        scenario = scenario.replace(engine=engine)
    start = time.perf_counter()
    plan = solver.solve(folder / "customers.csv", folder / "reps.csv", scenario)
    plan.write(out)
    print(f"solved in {time.perf_counter() - start:.0f} s ({scenario.engine}): {out}")
    return out


def peak_rss_mb() -> tuple[int, int]:
    """Peak resident memory (MB) of this process and of its largest finished child."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def summary_row(label: str, limit: float, summary: pd.DataFrame, wall: float) -> dict:
    """Totals, the distribution over reps of the share of star km saved by routing, and
    the time per rep (median / max of each rep's own routing time)."""
    busy = summary[summary["star_km"] > 0]
    saved = busy["saved_km_pct"].to_numpy()
    q = np.percentile(saved, [0, 25, 50, 75, 100]) if len(saved) else [np.nan] * 5
    per_rep = busy["wall_s"].to_numpy() if len(busy) else np.zeros(1)
    routed, star = summary["routed_km"].sum(), summary["star_km"].sum()
    return {
        "plan": label,
        "limit_s": limit,
        "reps": len(summary),
        "visits": int(summary["visits"].sum()),
        "not_fitted": int(summary["visits_not_fitted"].sum()),
        "routed_km": round(routed),
        "star_km": round(star),
        "saved_pct": round(100 * (1 - routed / star), 1) if star else 0.0,
        "saved_pct_min_p25_med_p75_max": "/".join(f"{x:.1f}" for x in q),
        "longest_day_h": round(summary["longest_day_h"].max(), 2),
        "rep_s_median_max": f"{np.median(per_rep):.2f}/{per_rep.max():.2f}",
        "wall_s": round(wall, 1),
    }


def rounds(
    name: str,
    seed: int,
    limit: float,
    route_limit: float,
    anchor: float | None = None,
    cap: int | None = None,
) -> list[dict]:
    """Solve with travel_model = "routes" (``anchor``: travel.route_anchor, ``cap``:
    travel.route_rounds, default the scenario's); the certificate's rounds."""
    import solver

    folder = instance_folder(name, seed)
    travel: dict = {"route_time_limit_s": route_limit}
    if anchor is not None:
        travel["route_anchor"] = anchor
    if cap is not None:
        travel["route_rounds"] = cap
    scenario = solver.Scenario.from_toml(folder / "scenario.toml").replace(
        time_limit_s=limit, travel_model="routes", travel=travel, **PINNED_OBJECTIVE
    )
    start = time.perf_counter()
    plan = solver.solve(folder / "customers.csv", folder / "reps.csv", scenario)
    print(f"total wall {time.perf_counter() - start:.1f} s; moves {plan.metrics['after']['moves']}")
    print(f"rounds ended: {plan.certificate['route_rounds_stop']}")
    return [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}
            for r in plan.certificate["route_rounds"]]  # fmt: skip


def sensitivity(name: str, seed: int, limit: float, route_limit: float) -> list[dict]:
    """How many accounts a fresh solve moves when nothing, or one rep's share, changed:
    the star plan routed once gives every rep's share; the instance is then solved with
    those shares, again with the same, and with the share of the rep with the most
    round-trip km raised by 0.01 and by 0.05. Moves are counted against the first."""
    import solver

    folder = instance_folder(name, seed)
    scenario = solver.Scenario.from_toml(folder / "scenario.toml").replace(
        time_limit_s=limit, **PINNED_OBJECTIVE
    )

    def solved(label: str, shares: dict[str, float]) -> tuple[solver.Plan, dict]:
        start = time.perf_counter()
        scn = scenario.replace(travel={"route_share": shares})
        plan = solver.solve(folder / "customers.csv", folder / "reps.csv", scn)
        cert = plan.certificate
        said = {"solve": label, "wall_s": round(time.perf_counter() - start, 1),
                "gap": round(cert.gap, 5), "ended": cert["stop_reason"]}  # fmt: skip
        return plan, said

    star, said = solved("star (every share 1)", {})
    rows = [said]
    with tempfile.TemporaryDirectory() as folder_out:
        star.write(folder_out)
        summary = solver.routes(folder_out, time_limit_s=route_limit, workers=2).summary()
    busy = summary[summary["star_km"] > 0]
    share = (busy["routed_km"] / busy["star_km"]).clip(1e-3, 1.0)
    shares = dict(zip(busy["rep_id"], share, strict=True))
    heavy = busy.sort_values("star_km")["rep_id"].iloc[-1]
    first, said = solved("the star plan's measured shares", shares)
    owners = first.assignments.set_index("customer_id")["rep_id"]
    rows.append(said)
    for label, change in (("the same shares again", 0.0), (f"{heavy} +0.01", 0.01),
                          (f"{heavy} +0.05", 0.05)):  # fmt: skip
        plan, said = solved(label, {**shares, heavy: shares[heavy] + change})
        now = plan.assignments.set_index("customer_id")["rep_id"].reindex(owners.index)
        differs = owners != now
        touched = set(owners[differs]) | set(now[differs])
        rows.append({**said, "moved": int(differs.sum()), "reps_touched": len(touched)})
    return [{"moved": "", "reps_touched": "", **row} for row in rows]


def markdown(rows: list[dict]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[k]) for k in head) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import solver

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, help="a solved plan folder")
    parser.add_argument("--instance", default="sample", help="sample or NxM (with no --plan)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--solve-limit", type=float, default=20.0)
    parser.add_argument("--time-limits", default="0.5,1,2", help="PyVRP seconds per rep")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hours-per-day", type=float, default=8.0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--rounds", action="store_true", help='travel_model = "routes" rounds')
    parser.add_argument(
        "--sensitivity", action="store_true", help="moves of fresh solves after small changes"
    )
    parser.add_argument("--anchor", type=float, default=None, help="travel.route_anchor")
    parser.add_argument("--route-rounds", type=int, default=None, help="travel.route_rounds")
    parser.add_argument(
        "--engine",
        default=None,
        help="engine of the solve (default: the scenario's); flow also counts workload in "
        "accounts and switches rules.capacity_hours off, so that flow models it (fast)",
    )
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the solved plan")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.sensitivity:
        limit = float(args.time_limits.split(",")[0])
        print(markdown(sensitivity(args.instance, args.seed, args.solve_limit, limit)))
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0
    if args.rounds:
        limit = float(args.time_limits.split(",")[0])
        found = rounds(
            args.instance, args.seed, args.solve_limit, limit, args.anchor, args.route_rounds
        )
        print(markdown(found))
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        label = args.plan.name if args.plan else args.instance
        keep = args.keep or Path(scratch)
        plan = args.plan or solved_plan(
            args.instance, args.seed, args.solve_limit, args.engine, keep
        )
        print(f"peak RSS before routing: {peak_rss_mb()[0]} MB (this process)")
        rows, per_rep = [], []
        for limit in (float(x) for x in args.time_limits.split(",")):
            result = solver.routes(
                plan,
                hours_per_day=args.hours_per_day,
                time_limit_s=limit,
                workers=args.workers,
            )
            summary = result.summary()
            rows.append(summary_row(label, limit, summary, result.wall_s))
            own, child = peak_rss_mb()
            print(f"{limit} s per rep: {result.wall_s:.1f} s; peak RSS {own} MB here, "
                  f"{child} MB in the largest worker")  # fmt: skip
            per_rep.append(summary.assign(plan=label, limit_s=limit))
    out = args.out or RESULTS / f"routes_{label}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.concat(per_rep).drop(columns="not_fitted").to_csv(out, index=False)
    print(markdown(rows))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; per rep: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
