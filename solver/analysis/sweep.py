"""Solve many variants of a case and tabulate them: one row per variant, in variant order.

Backends: ``"serial"`` (this process), ``"process"`` (a spawn-context process pool, the
default) and ``"ray"`` (a Ray cluster; ``pip install territory-solver[ray]``). Workers
receive data and scenarios, never solver models (OR-Tools models do not pickle): the base
case is shipped once per worker process (or put once into Ray's object store) and each
task sends only its variant. Every solve's CP-SAT thread count is set explicitly so that
parallel solves do not oversubscribe the cores.

Use the process backend from a notebook or from a script under
``if __name__ == "__main__":`` (spawned workers re-import the main module).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import psutil

from solver.analysis.whatif import Case, flatten_variant, key_kind
from solver.cli.sweep_progress import Tick, sweep_progress
from solver.errors import InfeasibleError, InputError, NoSolutionError, SolverError
from solver.metrics import (
    HIGHER,
    LOWER,
    MEASURE_STAT_NAMES,
    MEASURES_KEY,
    METRICS,
    PLAN_METRICS,
    direction,
    flat_numbers,
)
from solver.plan import Plan

Variant = Mapping[str, Any] | Case
Backend = Literal["serial", "process", "ray"]

#: columns that differ from run to run even with a deterministic scenario
TIMING_COLUMNS = ("wall_s",)
#: trade-off objectives: road km per period, hours away from fair share, accounts moved
TRADEOFF_OBJECTIVES = {"travel_km_per_period": "min", "balance_deviation": "min", "moves": "min"}
#: Ray retries a task once when its worker dies (crash, out-of-memory kill, lost node)
RAY_RETRIES = 1
#: reserved variant key: the row's label instead of the list of changes
LABEL_KEY = "label"


def grid(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values (last axis fastest), e.g.
    ``grid({"weights.travel": [0.5, 1, 2], "weights.balance": [10, 30]})`` -> 6 variants."""
    keys = list(axes)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes.values())]


def sweep(
    case: Case,
    variants: Sequence[Variant],
    backend: Backend = "process",
    max_workers: int | None = None,
    solve_workers: int | None = None,
    address: str | None = None,
    keep_plans: bool = False,
    worker_memory_mb: int | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Solve every variant of ``case``; one row per variant, in the order given.

    A variant is a mapping for :meth:`Case.apply` (``{"rep_leaves": "R3", "weights.travel":
    2}``, optional ``"label"``) or a ready :class:`Case`. Columns: ``variant`` (position),
    ``label``, one column per variant parameter, ``status``, ``engine``, ``objective``,
    ``bound``, ``gap``, ``stop_reason`` (why the solve ended), ``cost_<term>`` (weighted
    cost points), every plan metric (``workload_gini``, ``travel_km_per_period``,
    ``moves``, ...), ``wall_s`` and ``error`` (why a variant has no plan: invalid input,
    infeasible rules, no plan in time); with
    ``keep_plans`` a ``plan`` column holds each :class:`Plan`.

    ``max_workers``: parallel solves (default: CPU count; for Ray, the CPUs of a local
    runtime it starts). ``solve_workers``: CP-SAT threads per solve (default: the scenario's
    when serial, CPU count / max_workers for processes, 1 on Ray). ``address``: the Ray
    cluster (default ``RAY_ADDRESS``, else a local runtime); an initialised Ray is reused.

    Faults stay in their row: a solve that runs out of memory gets status ``out_of_memory``,
    and when a worker process dies (killed, or the system ran out of memory) its variants
    get ``worker_died`` while every finished row is kept. ``worker_memory_mb`` caps each
    worker process's extra address space (process backend, Linux), so one oversized variant
    fails alone instead of starving the machine.

    ``progress``: show finished variants as they come (default: in a notebook only; True
    also shows a bar on stderr elsewhere).
    """
    variants = list(variants)
    for variant in variants:
        if not isinstance(variant, Case):
            check_variant(variant)
    if worker_memory_mb is not None and not _can_cap_memory():
        raise ValueError("worker_memory_mb needs a POSIX system (Linux, macOS); not on Windows")
    if backend not in ("serial", "process", "ray"):
        raise ValueError(f"unknown backend {backend!r}: use 'serial', 'process' or 'ray'")
    with sweep_progress(len(variants), progress) as tick:
        if backend == "serial":
            rows = []
            for v in variants:
                rows.append(run_variant(case, v, solve_workers, keep_plans))
                tick(rows[-1])
        elif backend == "process":
            rows = _process_map(
                case, variants, max_workers, solve_workers, keep_plans, worker_memory_mb, tick
            )
        else:
            rows = _ray_map(
                case, variants, max_workers, solve_workers or 1, keep_plans, address, tick
            )
    return _frame(rows, variants, keep_plans)


def _can_cap_memory() -> bool:
    """Whether worker address space can be capped here (the POSIX ``resource`` module)."""
    try:
        import resource  # noqa: F401
    except ImportError:
        return False
    return True


def check_variant(variant: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first key :meth:`Case.apply` would not understand."""
    for key in variant:
        if key != LABEL_KEY:
            key_kind(key)


def run_variant(
    base: Case, variant: Variant, solve_workers: int | None, keep_plan: bool = False
) -> dict[str, Any]:
    """Apply, solve and summarise one variant (runs in whichever process gets the task)."""
    if isinstance(variant, Case):
        case, label = variant, _relative_label(variant, base)
    else:
        params = {k: v for k, v in variant.items() if k != LABEL_KEY}
        try:
            case = base.apply(params)
        except (KeyError, ValueError, TypeError, SolverError) as exc:
            text = ", ".join(f"{k}={v}" for k, v in flatten_variant(params).items())
            return {"label": variant.get(LABEL_KEY) or text, **_failed("invalid", exc)}
        label = variant.get(LABEL_KEY) or "; ".join(case.changes[len(base.changes) :]) or "base"
    settings: dict[str, Any] = {"progress": False}
    if solve_workers is not None:
        settings["workers"] = int(solve_workers)
    try:
        plan = case.solve(**settings)
    except InputError as exc:
        return {"label": label, **_failed("invalid", exc)}
    except InfeasibleError as exc:
        return {"label": label, **_failed("infeasible", exc)}
    except NoSolutionError as exc:
        return {"label": label, **_failed("no_solution", exc)}
    except MemoryError:
        return {"label": label, **_failed("out_of_memory", "ran out of memory while solving")}
    row = {"label": label, **plan_row(plan)}
    if keep_plan:
        row["plan"] = plan
    return row


def plan_row(plan: Plan) -> dict[str, Any]:
    """Certificate, weighted cost terms and metrics of one plan as flat columns."""
    cert = plan.certificate
    row: dict[str, Any] = {
        "status": cert["status"],
        "engine": cert["engine"],
        "objective": cert["objective"],
        "bound": cert["bound"],
        "gap": cert["gap"],
        "stop_reason": cert.get("stop_reason", ""),
    }
    row.update({f"cost_{k}": v for k, v in cert.get("objective_terms", {}).items()})
    after = flat_numbers(plan.metrics.get("after", {}))
    row.update({k.replace(".", "_"): v for k, v in after.items()})
    row["wall_s"] = cert["wall_s"]
    row["error"] = ""
    return row


def sense(column: str) -> str | None:
    """ "min" or "max": the better direction of the plan metric in sweep column ``column``
    (``workload_gini``, ``measures_value_in_band_share``: dots became underscores); None
    when the column is no plan metric or has no better side."""
    names = {name.replace(".", "_"): name for name in METRICS}
    if column in names:
        better = direction(names[column])
    elif column.startswith(f"{MEASURES_KEY}_"):
        ends = [s for s in MEASURE_STAT_NAMES if column.endswith(f"_{s}")]
        stat = max(ends, key=len, default=None)  # in_band_share, not share
        better = direction(f"{MEASURES_KEY}.m.{stat}") if stat else None
    else:
        return None
    return {LOWER: "min", HIGHER: "max"}.get(better or "")


def pareto(
    frame: pd.DataFrame,
    objectives: Sequence[str] | Mapping[str, str] = tuple(TRADEOFF_OBJECTIVES),
    column: str = "pareto",
) -> pd.DataFrame:
    """A copy of ``frame`` with a bool ``column``: True where no other row is at least as
    good in every objective and strictly better in one. A mapping gives each objective's
    sense ("min" or "max"); in a list, a plan metric takes its better direction
    (:func:`sense`: ``specialty_match_rate`` and ``measures_value_in_band_share`` are
    maximised) and any other column is minimised. Rows missing an objective are never
    efficient and dominate none; an objective no row has (every variant failed) becomes a
    column of NaN.
    """
    senses = (
        dict(objectives)
        if isinstance(objectives, Mapping)
        else {name: sense(name) or "min" for name in objectives}
    )
    bad = [s for s in senses.values() if s not in ("min", "max")]
    if bad:
        raise ValueError(f"objective sense must be 'min' or 'max', got {bad[0]!r}")
    frame = frame.reindex(columns=list(dict.fromkeys([*frame.columns, *senses])))
    values = frame[list(senses)].to_numpy(dtype=float)
    values = values * np.array([1.0 if s == "min" else -1.0 for s in senses.values()])
    valid = ~np.isnan(values).any(axis=1)
    efficient = valid.copy()
    candidates = values[valid]
    for i in np.flatnonzero(valid):
        no_worse = (candidates <= values[i]).all(axis=1)
        better = (candidates < values[i]).any(axis=1)
        efficient[i] = not (no_worse & better).any()
    out = frame.copy()
    out[column] = efficient
    return out


def tradeoff(
    case: Case,
    weights: Mapping[str, Sequence[float]],
    objectives: Sequence[str] | Mapping[str, str] = tuple(TRADEOFF_OBJECTIVES),
    **sweep_options: Any,
) -> pd.DataFrame:
    """Sweep a grid of objective weights (``{"travel": [0.5, 2], "continuity": [20, 120]}``;
    a dotted key is taken as it is: ``"balance.workload.weight"``) and mark the
    Pareto-efficient plans over ``objectives``."""
    axes = {name if "." in name else f"weights.{name}": values for name, values in weights.items()}
    variants = grid(axes)
    return pareto(sweep(case, variants, **sweep_options), objectives)


# --------------------------------------------------------------------------- backends
_BASE: Case | None = None  # the base case of a pool worker process, set once at start-up


def _init_worker(base: Case, memory_mb: int | None = None) -> None:
    global _BASE
    _BASE = base
    if memory_mb is not None:
        import resource  # POSIX only; sweep() refuses worker_memory_mb elsewhere

        in_use = psutil.Process().memory_info().vms  # address space in use, bytes
        limit = in_use + memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _pool_task(task: tuple[Variant, int | None, bool]) -> dict[str, Any]:
    assert _BASE is not None, "worker started without its base case"
    return run_variant(_BASE, *task)


def _process_map(
    case: Case,
    variants: list[Variant],
    max_workers: int | None,
    solve_workers: int | None,
    keep_plans: bool,
    memory_mb: int | None,
    tick: Tick,
) -> list[dict[str, Any]]:
    if not variants:
        return []
    cpus = os.cpu_count() or 1
    procs = max(1, min(max_workers or cpus, len(variants)))
    threads = solve_workers or max(1, cpus // procs)
    with ProcessPoolExecutor(
        max_workers=procs,
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=(case, memory_mb),
    ) as pool:
        futures = {
            pool.submit(_pool_task, (v, threads, keep_plans)): i for i, v in enumerate(variants)
        }
        rows: list[dict[str, Any]] = [{} for _ in variants]
        for future in as_completed(futures):
            i = futures[future]
            try:
                rows[i] = future.result()
            except BrokenProcessPool:
                rows[i] = {"label": _label_of(variants[i]), **_failed("worker_died", WORKER_DIED)}
            tick(rows[i])
        return rows


def _ray_map(
    case: Case,
    variants: list[Variant],
    max_workers: int | None,
    solve_workers: int,
    keep_plans: bool,
    address: str | None,
    tick: Tick,
) -> list[dict[str, Any]]:
    """Run each variant as a Ray task; a task that fails becomes that variant's row.

    A worker that dies (crash, Ray's out-of-memory killer, a lost node) is retried once
    by Ray (``max_retries=1``); an exception inside the task is not retried (it would
    fail the same way). Results are collected with ``ray.wait`` as they finish, so one
    failure never loses the other rows. On a cluster (``address``) the package is
    shipped to the workers through ``runtime_env``; its dependencies must be installed
    there (``pip install territory-solver`` on the cluster image).
    """
    try:
        import ray
    except ImportError as exc:
        raise ImportError("the ray backend needs Ray: pip install 'territory-solver[ray]'") from exc
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS")
        if address:
            ray.init(address=address, runtime_env=_runtime_env())
        else:
            ray.init(num_cpus=max_workers or os.cpu_count() or 1, include_dashboard=False)
    if not variants:
        return []
    task = ray.remote(run_variant).options(
        num_cpus=solve_workers, max_retries=RAY_RETRIES, retry_exceptions=False
    )
    base_ref = ray.put(case)
    pending = {
        task.remote(base_ref, v, solve_workers, keep_plans): i for i, v in enumerate(variants)
    }
    rows: list[dict[str, Any] | None] = [None] * len(variants)
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            i = pending.pop(ref)
            try:
                rows[i] = ray.get(ref)
            except ray.exceptions.RayError as exc:
                rows[i] = {"label": _label_of(variants[i]), **_ray_failure(ray, exc)}
            tick(rows[i])
    return [row for row in rows if row is not None]


def _runtime_env() -> dict[str, Any]:
    """Ship this package's source to a cluster's workers (they may not have it): its
    folder, so that this module need not import the package that imports it."""
    return {"py_modules": [str(Path(__file__).resolve().parents[1])]}


def _ray_failure(ray: Any, exc: Exception) -> dict[str, Any]:
    """A Ray error as a row: ``out_of_memory``, ``worker_died`` or ``error``."""
    if isinstance(exc, ray.exceptions.OutOfMemoryError):
        return _failed(
            "out_of_memory", f"Ray stopped the task: out of memory ({RAY_RETRIES} retry)"
        )
    if isinstance(exc, ray.exceptions.RayTaskError):
        cause = exc.cause if getattr(exc, "cause", None) is not None else exc
        first = (str(cause).strip().splitlines() or [""])[0]  # not the worker's traceback
        return _failed("error", f"{type(cause).__name__}: {first}")
    return _failed("worker_died", f"{WORKER_DIED} ({type(exc).__name__}, retried {RAY_RETRIES})")


def _label_of(variant: Variant) -> str:
    return variant.get(LABEL_KEY, "") if isinstance(variant, Mapping) else ""


def _relative_label(case: Case, base: Case) -> str:
    """The changes that make ``case`` from ``base`` when it descends from it, else all."""
    own, common = case.changes, base.changes
    if own[: len(common)] == common:
        own = own[len(common) :]
    return "; ".join(own) or "base"


WORKER_DIED = (
    "the worker process died before finishing (killed, or out of memory); "
    "try fewer parallel solves (max_workers) or a smaller case"
)


#: what a failed variant's row holds in the columns a plan fills: nothing (NaN, ""), so a
#: sweep in which every variant failed still has them (``frame[["gap", "moves"]]`` works)
_NO_PLAN: dict[str, Any] = {
    "engine": "",
    "objective": np.nan,
    "bound": np.nan,
    "gap": np.nan,
    "stop_reason": "",
    **{name.replace(".", "_"): np.nan for name in PLAN_METRICS},
    "wall_s": np.nan,
}


def _failed(status: str, exc: Exception | str) -> dict[str, Any]:
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    return {**_NO_PLAN, "status": status, "error": str(text)}


def _frame(rows: list[dict[str, Any]], variants: list[Variant], keep_plans: bool) -> pd.DataFrame:
    params = [
        {}
        if isinstance(v, Case)
        else flatten_variant({k: x for k, x in v.items() if k != LABEL_KEY})
        for v in variants
    ]
    param_columns = list(dict.fromkeys(k for p in params for k in p))
    records = [
        {"variant": i, "label": row.get("label", ""), **p, **row}
        for i, (p, row) in enumerate(zip(params, rows, strict=True))
    ]
    frame = pd.DataFrame.from_records(records)
    head = ["variant", "label", *param_columns]
    tail = [c for c in ("wall_s", "error", "plan") if c in frame.columns]
    middle = [c for c in frame.columns if c not in head and c not in tail]
    frame = frame.reindex(columns=[*head, *middle, *tail])
    if "error" in frame:
        frame["error"] = frame["error"].fillna("")
    if keep_plans and "plan" not in frame:
        frame["plan"] = None
    return frame
