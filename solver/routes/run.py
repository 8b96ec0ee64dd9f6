"""Route every active rep of a plan folder, in parallel processes, one rep per task."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

from solver.errors import InputError, InputIssue
from solver.export.plan_files import read_plan
from solver.plan import plan_folder
from solver.routes.inputs import RepVisits, Travel, routes_input
from solver.routes.output import RoutesResult
from solver.routes.rep import RepRoutes, Settings, route_rep

DEFAULT_WORKERS = 2


def route_plan(
    plan_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    hours_per_day: float = 8.0,
    days: int | None = None,
    time_limit_s: float = 1.0,
    workers: int = DEFAULT_WORKERS,
    seed: int = 0,
    iterations: int | None = None,
) -> RoutesResult:
    """Route the period's visits of every active rep of a solved plan folder.

    ``days`` working days per rep (default floor(capacity_hours / hours_per_day)), each at
    most ``hours_per_day`` of driving plus on-site time; ``time_limit_s`` of PyVRP per rep;
    ``workers`` processes; ``iterations`` PyVRP iterations per rep instead of the time limit
    (the same plan, seed and iterations give the same stops). With ``out_dir``, stops.csv
    and routes_summary.csv are written.
    """
    _check_settings(hours_per_day, days, time_limit_s, workers, iterations)
    start = time.perf_counter()
    settings = Settings(hours_per_day, time_limit_s, seed, iterations)
    task = routes_input(read_plan(plan_folder(plan_dir)), hours_per_day, days)
    reps = route_reps(task.reps, task.travel, settings, workers)
    result = RoutesResult(
        reps, task.skipped, task.travel, settings, days, time.perf_counter() - start
    )
    if out_dir is not None:
        result.write(out_dir)
    return result


def route_reps(
    reps: tuple[RepVisits, ...], travel: Travel, settings: Settings, workers: int
) -> tuple[RepRoutes, ...]:
    """Route each rep, in ``workers`` processes when there is more than one rep to route;
    reps with more visits go first so the last task to finish is a short one."""
    work = partial(route_rep, travel=travel, settings=settings)
    busy = [r for r in reps if r.visit_count]
    if workers <= 1 or len(busy) <= 1:
        return tuple(work(r) for r in reps)
    order = sorted(busy, key=lambda r: -r.visit_count)
    with ProcessPoolExecutor(max_workers=min(workers, len(busy))) as pool:
        done = dict(zip((r.rep_id for r in order), pool.map(work, order), strict=True))
    return tuple(done[r.rep_id] if r.visit_count else work(r) for r in reps)


def _check_settings(
    hours: float, days: int | None, time_limit: float, workers: int, iterations: int | None
) -> None:
    rules = [
        ("hours_per_day", hours > 0 and hours <= 24, "must be > 0 and <= 24"),
        ("days", days is None or days >= 0, "must be >= 0"),
        ("time_limit_s", time_limit > 0, "must be > 0"),
        ("workers", workers >= 1, "must be >= 1"),
        ("iterations", iterations is None or iterations >= 1, "must be >= 1"),
    ]
    issues = [InputIssue("routes settings", name, rule) for name, ok, rule in rules if not ok]
    if issues:
        raise InputError(issues)
