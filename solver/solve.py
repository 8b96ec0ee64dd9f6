"""The solve pipeline: problem -> portfolio (bound, engines) -> plan -> check.

What runs is data (:mod:`solver.models.auto`); this module turns its outcome into a plan
with its certificate, or into the error that says why there is none.

Every plan returned has passed the independent checker (``solver.check``); a plan that
would not is an internal error, never silently returned.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from solver.check import check_matrix_plan, check_plan
from solver.diagnose.explain import explain_no_plan
from solver.errors import NoSolutionError, SolverError, StoppedError
from solver.interrupt import StopRequest, stop_on_signals
from solver.limits import check_size
from solver.models.auto import Params, PortfolioRun, ProgressFactory, plan_portfolio
from solver.models.base import EngineResult
from solver.plan import Plan, build_plan, evaluate, rules_in_force
from solver.problem import Problem
from solver.results.certificate import Certificate
from solver.scenario import Scenario, as_scenario
from solver.version import __version__

__all__ = ["Params", "ProgressFactory", "solve", "solve_problem"]

log = logging.getLogger(__name__)


def solve(
    customers: pd.DataFrame | str | Path,
    reps: pd.DataFrame | str | Path,
    scenario: Scenario | dict | str | Path | None = None,
    progress: ProgressFactory | None = None,
) -> Plan:
    """Solve a territory plan from customer and rep tables (frames or file paths); with
    ``travel_model = "routes"`` in rounds that count routed travel (solver.routes.rounds)."""
    scn = as_scenario(scenario)
    if scn.travel_model == "routes":
        from solver.routes.rounds import solve_with_routes

        return solve_with_routes(customers, reps, scn, solve_problem, progress)
    return solve_problem(Problem.build(customers, reps, scn), progress=progress)


def solve_problem(
    problem: Problem,
    time_limit_s: float | None = None,
    engine: str | None = None,
    seed: int | None = None,
    progress: ProgressFactory | None = None,
    params: Params | None = None,
    start: np.ndarray | None = None,
) -> Plan:
    """Solve a built problem; arguments override the scenario's settings, ``params`` the
    portfolio's tuning (:class:`solver.models.auto.Params`). ``start`` (a rep index per
    customer) is a plan to search from when it costs no more than the LP-rounded one
    (repaired first where it breaks a hard rule).

    A first Ctrl-C (SIGINT) or SIGTERM during the solve stops the search and returns the
    best plan found so far, its certificate marked ``interrupted`` (StoppedError when there
    is none yet); a second one raises KeyboardInterrupt.
    """
    scn = problem.scenario
    limit = float(time_limit_s if time_limit_s is not None else scn.time_limit_s)
    seed = scn.seed if seed is None else seed
    params = params or Params()
    portfolio = plan_portfolio(problem, engine or scn.engine, params)
    check_size(len(problem.pair_rep), portfolio.memory_engine, scn.memory_limit_gb)
    log.info(
        "%d customers x %d reps, %d candidate pairs; engines %s, time limit %g s",
        problem.n, problem.m, len(problem.pair_rep),
        "+".join(s.engine for s in portfolio.stages), limit,
    )  # fmt: skip
    with stop_on_signals(StopRequest()) as stop:
        objective = lambda rep: evaluate(problem, rep).total  # noqa: E731
        run = PortfolioRun(
            problem, portfolio, params, limit, seed, progress, stop, objective, start
        )
        result, note = _plan_or_why_not(run, run.execute())
        plan = build_plan(problem, result.rep, _certificate(run, result, note))
    _assert_valid(problem, plan)
    log.info(
        "plan %s by %s: objective %.1f, gap %s, %.1f s",
        plan.status, plan.certificate["engine"], plan.objective,
        "n/a" if plan.gap is None else f"{plan.gap:.3%}",
        plan.certificate["wall_s"],
    )  # fmt: skip
    return plan


def _plan_or_why_not(run: PortfolioRun, result: EngineResult | None) -> tuple[EngineResult, str]:
    """The run's plan and a note on how the solve ended; without a plan, the LP-rounded
    start (noted), or the error that says why there is none."""
    note = ""
    if result is None:
        engine = run.portfolio.stages[0].engine
        if run.hint is None and run.stop.is_set():
            raise StoppedError(run.stop.signal_name or "stop")
        if run.hint is None:
            conflict = explain_no_plan(run.problem, min(run.limit, run.params.core_time_s))
            if conflict is not None:
                raise conflict
            raise NoSolutionError(
                f"the {engine} engine found no plan within {run.limit:g} s; try a longer time limit"
            )
        result = EngineResult(run.hint, "feasible", engine, 0.0)
        note = "engine found no plan in time; returning the LP-rounded warm start"
    if run.stop.is_set():
        stopped = f"stopped early by {run.stop.signal_name}: best plan found so far"
        note = "; ".join(x for x in (note, stopped) if x)
    return result, note


def _certificate(run: PortfolioRun, result: EngineResult, note: str) -> Certificate:
    """Status, bound and its source, timings and settings of the run (build_plan adds the
    objective, its terms and the gap)."""
    problem, scn = run.problem, run.problem.scenario
    bound, source = max(
        ((b, s) for b, s in run.bounds(result) if b is not None),
        default=(None, run.bound.bound_source if run.bound is not None else ""),
        key=lambda t: t[0],
    )
    return Certificate(
        status=result.status,
        engine=result.engine,
        engine_note="; ".join(x for x in (result.note, note) if x),
        interrupted=run.stop.signal_name if run.stop.is_set() else None,
        stop_reason=run.stop_reason(result),
        gap_tolerance=scn.gap_tolerance,
        bound=bound,
        bound_source=source,
        lp_wall_s=round(run.bound.wall_s if run.bound is not None else 0.0, 3),
        engine_wall_s=round(result.wall_s, 3),
        wall_s=round(time.perf_counter() - run.started, 3),
        seed=run.seed,
        time_limit_s=run.limit,
        workers=scn.workers,
        deterministic=scn.deterministic,
        as_of=str(scn.as_of),
        candidate_pairs=len(problem.pair_rep),
        customers=problem.n,
        reps=problem.m,
        rules=rules_in_force(problem),
        weights=scn.weights.model_dump(),
        scenario=scn.model_dump(mode="json"),
        input_fingerprints=problem.fingerprints,
        sense=problem.sense,
        version=__version__,
        stats=result.stats,
    )


def _assert_valid(problem: Problem, plan: Plan) -> None:
    if problem.facts is None:
        n, m = problem.n, problem.m
        block = problem.blocks[0]
        violations = check_matrix_plan(
            problem.pair_workload.reshape(n, m), block.upper, plan.rep_index, block.lower
        )
    else:
        violations = check_plan(
            problem.customers,
            problem.reps,
            plan.assignments[["customer_id", "rep_id"]],
            problem.scenario,
        )
    if violations:
        listed = "; ".join(v.message for v in violations[:5])
        raise SolverError(f"internal error: the plan breaks hard rules ({listed})")
    if np.any(plan.rep_index < 0):
        raise SolverError("internal error: a customer was left without a rep")
