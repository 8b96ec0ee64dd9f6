"""The solve pipeline: problem -> LP bound and warm start -> engine -> plan -> check.

Every plan returned has passed the independent checker (``solver.check``); a plan that
would not is an internal error, never silently returned.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import numpy as np
import pandas as pd

from solver import __version__
from solver.check import check_matrix_plan, check_plan
from solver.diagnose.explain import explain_infeasibility, explain_no_plan
from solver.errors import NoSolutionError, SolverError, StoppedError
from solver.interrupt import StopRequest, stop_on_signals
from solver.limits import check_size
from solver.models import branch_and_cut
from solver.models.base import EngineResult, ModelInfeasible, rep_from_x
from solver.models.branch_and_cut import BranchAndCut, Outcome
from solver.models.cpsat import solve_cpsat
from solver.models.flow import solve_flow, unsupported
from solver.models.incumbents import IncumbentPool
from solver.models.lagrangian import subgradient_bound
from solver.models.lns import improve
from solver.models.lp import LPResult, solve_lp, solve_milp
from solver.models.stopping import GAP_REACHED, STALLED, SearchMonitor, StopRules
from solver.models.warmstart import lp_rounding
from solver.plan import Plan, build_plan, evaluate, rules_in_force
from solver.problem import Problem
from solver.progress import logged
from solver.scenario import Scenario, as_scenario

_CPSAT_BOUND = "CP-SAT objective bound, less the cost rounding of its integer model"
ENGINE_BOUND_SOURCES = {
    "milp": "HiGHS branch-and-bound dual bound (scipy.optimize.milp)",
    "cpsat": _CPSAT_BOUND,
    "cpsat+lns": _CPSAT_BOUND,
}

log = logging.getLogger(__name__)

#: progress(label, time_limit_s, lower_bound) -> context manager yielding report(obj, bound)
ProgressFactory = Callable[[str, float, float | None], AbstractContextManager]


#: up to this many candidate pairs CP-SAT on the whole model is the better choice (it often
#: proves optimality); above it, neighbourhood search reached lower gaps in the same time
#: (sample 2,000 x 30 at 15 s: LNS 0.11 %, CP-SAT 0.31 % above the LP bound)
WHOLE_MODEL_PAIRS = 20_000
#: with engine "auto", the share of the limit CP-SAT gets on a small model before
#: neighbourhood search takes over its unproved plan (proofs come early: OR-Library gap1-12
#: are proved in under 1 s; Yagiura 20 x 200 type D is 1 % above best-known after 20 s)
WHOLE_MODEL_SHARE = 0.25
#: shortest neighbourhood search, in seconds: with less left a CP-SAT plan is not handed on,
#: and a search on its own gets at least this much
MIN_SEARCH_S = 0.5
#: from this many candidate pairs the bound comes from the Lagrangian dual, not the LP:
#: 10,000 x 100 (655k pairs) reaches the LP optimum to 0.02 % in 5 s, where HiGHS takes 27 s
DUAL_MIN_PAIRS = 300_000
#: share of the time limit the Lagrangian ascent may use (it stops sooner once converged)
DUAL_SHARE = 0.3
#: ascent steps of a deterministic run (about 10 s at 10,000 x 100)
DETERMINISTIC_DUAL_STEPS = 300
#: with engine "auto" and at least two workers, HiGHS branch-and-cut runs beside the search
#: on one worker up to this many pairs, giving it its plans. HiGHS alone at 60 s on Yagiura
#: instances: 40 x 1,600 (64k pairs) type C 0.017 % above best known where the search alone
#: reached 0.070 %; 80 x 1,600 (128k pairs) 199 %, 17 % and 1.4 % on types C, D, E
BRANCH_AND_CUT_MAX_PAIRS = 100_000


def pick_engine(problem: Problem, engine: str) -> str:
    """'auto': min-cost flow when it models everything exactly; CP-SAT on models up to
    ``WHOLE_MODEL_PAIRS`` pairs (handing an unproved plan on to neighbourhood search after
    ``WHOLE_MODEL_SHARE`` of the limit); neighbourhood search from the LP start above."""
    if engine != "auto":
        return engine
    if problem.facts is not None and not unsupported(problem):
        return "flow"
    return "cpsat" if len(problem.pair_rep) <= WHOLE_MODEL_PAIRS else "lns"


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
) -> Plan:
    """Solve a built problem; arguments override the scenario's settings.

    A first Ctrl-C (SIGINT) or SIGTERM during the solve stops the search and returns the
    best plan found so far, its certificate marked ``interrupted`` (StoppedError when there
    is none yet); a second one raises KeyboardInterrupt.
    """
    with stop_on_signals(StopRequest()) as stop:
        return _solve_problem(problem, time_limit_s, engine, seed, progress, stop)


def _solve_problem(
    problem: Problem,
    time_limit_s: float | None,
    engine: str | None,
    seed: int | None,
    progress: ProgressFactory | None,
    stop: StopRequest,
) -> Plan:
    scn = problem.scenario
    limit = float(time_limit_s if time_limit_s is not None else scn.time_limit_s)
    seed = scn.seed if seed is None else seed
    chosen = pick_engine(problem, engine or scn.engine)
    check_size(len(problem.pair_rep), chosen, scn.memory_limit_gb)
    start = time.perf_counter()
    log.info(
        "%d customers x %d reps, %d candidate pairs; engine %s, time limit %g s",
        problem.n, problem.m, len(problem.pair_rep), chosen, limit,
    )  # fmt: skip

    search_stop = StopRequest(parent=stop)  # also set once HiGHS proves optimality
    pool = beside = None
    if beside_search(problem, engine or scn.engine, chosen):
        pool = IncumbentPool(problem, lambda r: evaluate(problem, r).total)
        left = _time_left(scn, limit, start, limit)
        beside = BranchAndCut(problem, pool, left, lambda: search_stop.set(PROVED_BESIDE))
        beside.start()  # before the bound: HiGHS gets the whole limit, as it would alone
    result, searched = None, False
    try:
        lp, source = lower_bound(problem, limit, stop)
        log.info("lower bound %s from %s in %.1f s", lp.bound, source, lp.wall_s)
        if not lp.feasible:
            raise explain_infeasibility(problem)
        hint = lp_rounding(problem, lp.x) if lp.x is not None else None
        total_load = float(problem.pair_load @ lp.x) if lp.x is not None else None
        if pool is not None and hint is not None:
            pool.offer(hint, "LP rounding")
        workers = scn.workers - 1 if beside is not None else scn.workers
        monitor = SearchMonitor(stop_rules(scn, limit), lp.bound, search_stop)
        run = _Run(problem, lp, seed, scn, progress, search_stop, workers, pool, monitor)
        if not search_stop.is_set():
            with monitor:
                try:
                    result = _search(run, chosen, engine, hint, total_load, limit, start)
                except ModelInfeasible:
                    raise explain_infeasibility(problem) from None
            searched = True
    finally:  # after a search that ran its course, HiGHS too ends by its own time limit
        run_on = searched and not search_stop.is_set() and not (result and result.search_complete)
        outcome = beside.finish(run_on) if beside is not None else None

    bounds = [(lp.bound, source)]
    if result is not None and result.engine_bound is not None:
        bounds.append((result.engine_bound, ENGINE_BOUND_SOURCES[chosen]))
    if pool is not None:
        result = _merge_branch_and_cut(outcome, pool, result, search_stop.signal_name)
        bounds.append((outcome.bound if outcome else None, branch_and_cut.BOUND_SOURCE))
    note = ""
    if result is None:
        if hint is None and stop.is_set():
            raise StoppedError(stop.signal_name or "stop")
        conflict = explain_no_plan(problem, min(limit, 30.0)) if hint is None else None
        if conflict is not None:
            raise conflict
        if hint is None:
            raise NoSolutionError(
                f"the {chosen} engine found no plan within {limit:g} s; try a longer time limit"
            )
        result = EngineResult(hint, "feasible", chosen, 0.0)
        note = "engine found no plan in time; returning the LP-rounded warm start"
    if stop.is_set():
        note = "; ".join(
            x for x in (note, f"stopped early by {stop.signal_name}: best plan found so far") if x
        )

    bound, source = max(
        ((b, s) for b, s in bounds if b is not None), default=(None, source), key=lambda t: t[0]
    )
    certificate = {
        "status": result.status,
        "engine": result.engine,
        "engine_note": "; ".join(x for x in (result.note, note) if x),
        "interrupted": stop.signal_name if stop.is_set() else None,
        "stop_reason": stop_reason(result, stop, search_stop, scn, limit),
        "gap_tolerance": scn.gap_tolerance,
        "bound": bound,
        "bound_source": source,
        "lp_wall_s": round(lp.wall_s, 3),
        "engine_wall_s": round(result.wall_s, 3),
        "wall_s": round(time.perf_counter() - start, 3),
        "seed": seed,
        "time_limit_s": limit,
        "workers": scn.workers,
        "deterministic": scn.deterministic,
        "as_of": str(scn.as_of),
        "candidate_pairs": len(problem.pair_rep),
        "customers": problem.n,
        "reps": problem.m,
        "rules": rules_in_force(problem),
        "weights": scn.weights.model_dump(),
        "scenario": scn.model_dump(mode="json"),
        "input_fingerprints": problem.fingerprints,
        "sense": problem.sense,
        "version": __version__,
    }
    plan = build_plan(problem, result.rep, certificate)
    _assert_valid(problem, plan)
    log.info(
        "plan %s by %s: objective %.1f, gap %s, %.1f s",
        plan.status, plan.certificate["engine"], plan.objective,
        "n/a" if plan.gap is None else f"{plan.gap:.3%}",
        plan.certificate["wall_s"],
    )  # fmt: skip
    return plan


#: what the search's stop request holds when HiGHS beside it proved optimality
PROVED_BESIDE = "optimality proof"


def stop_rules(scn: Scenario, limit: float) -> StopRules:
    """The scenario's early stops for a solve of ``limit`` seconds (no stall rule in a
    deterministic run: it reads the clock)."""
    stall = None
    if scn.stall_share is not None and not scn.deterministic:
        stall = max(MIN_SEARCH_S, scn.stall_share * limit)
    return StopRules(scn.gap_tolerance, stall)


def stop_reason(
    result: EngineResult | None,
    stop: StopRequest,
    search_stop: StopRequest,
    scn: Scenario,
    limit: float,
) -> str:
    """Why the solve ended, in words: a signal, an early stop, a proof or the limit."""
    if stop.is_set():
        return f"interrupted by {stop.signal_name}"
    ended_by = search_stop.signal_name
    if ended_by == GAP_REACHED:
        return f"gap tolerance reached (within {scn.gap_tolerance:.2%} of the bound)"
    if ended_by == STALLED:
        return f"stalled: no better plan for {stop_rules(scn, limit).stall_s:.1f} s"
    if ended_by is not None:  # HiGHS beside the search proved optimality
        return "search complete: HiGHS branch-and-cut proved the plan optimal"
    if result is not None and (result.search_complete or result.status == "optimal"):
        return "search complete: the engine proved its plan optimal"
    return "work limit reached" if scn.deterministic else f"time limit of {limit:g} s reached"


def _search(
    run: _Run,
    chosen: str,
    requested: str | None,
    hint: np.ndarray | None,
    total_load: float | None,
    limit: float,
    start: float,
) -> EngineResult | None:
    """The chosen engine's plan (None when it found none in time)."""
    problem, scn = run.problem, run.scn
    if chosen == "flow":
        return solve_flow(problem)
    if chosen == "milp":
        mip = solve_milp(problem, limit)
        if mip.x is None:
            return None
        return EngineResult(rep_from_x(problem, mip.x), mip.status, "milp", mip.wall_s, mip.bound)
    if chosen == "cpsat":
        polish = (requested or scn.engine) == "auto"
        share = WHOLE_MODEL_SHARE if polish else 1.0
        result = _solve_cpsat(run, hint, total_load, share * limit)
        unproved = result is None or not result.search_complete
        if polish and unproved and not run.stop.is_set():
            budget = _time_left(scn, limit, start, (1.0 - share) * limit)
            if budget > MIN_SEARCH_S and result is not None:
                result = _polish(run, result, budget)
            elif budget > MIN_SEARCH_S and hint is not None:
                result = _solve_lns(run, hint, budget)
        return result
    if chosen == "lns":
        budget = max(MIN_SEARCH_S, _time_left(scn, limit, start, limit))
        return _solve_lns(run, hint, budget) if hint is not None else None
    raise SolverError(f"unknown engine {chosen!r}")


def beside_search(problem: Problem, requested: str, chosen: str) -> bool:
    """Whether HiGHS branch-and-cut runs beside the search: engine 'auto' on a model of at
    most BRANCH_AND_CUT_MAX_PAIRS pairs, with a worker to spare, in a run timed by the
    clock (a deterministic run counts steps, and two threads trading plans are not)."""
    scn = problem.scenario
    return (
        requested == "auto"
        and chosen in ("cpsat", "lns")
        and len(problem.pair_rep) <= BRANCH_AND_CUT_MAX_PAIRS
        and scn.workers >= 2
        and not scn.deterministic
        and branch_and_cut.available()
    )


def _merge_branch_and_cut(
    outcome: Outcome | None,
    pool: IncumbentPool,
    result: EngineResult | None,
    search_ended_by: str | None,
) -> EngineResult | None:
    """The pool's best plan once HiGHS has stopped: the search's own unless HiGHS found a
    cheaper one; the engine name gains '+highs'."""
    if result is not None:
        pool.offer(result.rep, result.engine)
    best = pool.best
    if best is None:
        return result
    if outcome is None:
        said = f"HiGHS did not stop within {branch_and_cut.JOIN_GRACE_S:g} s of the request"
    else:
        status = outcome.status
        if status == "Interrupted by user":  # HiGHS's words when the solve stops it
            status = f"stopped by the solve at the {search_ended_by or 'end of the search'}"
        said = (
            f"HiGHS branch-and-cut beside it for {outcome.wall_s:.1f} s ({status}; "
            f"improving plans found: {outcome.found})"
        )
    proved = (outcome is not None and outcome.proved) or (
        result is not None and result.status == "optimal"
    )
    return EngineResult(
        best.rep,
        "optimal" if proved else "feasible",
        f"{result.engine}+highs" if result is not None else "highs",
        max(result.wall_s if result else 0.0, outcome.wall_s if outcome else 0.0),
        None,
        "; ".join(x for x in (result.note if result else "", said, f"plan by {best.source}") if x),
        search_complete=proved,
    )


def lower_bound(problem: Problem, limit: float, stop: StopRequest) -> tuple[LPResult, str]:
    """The LP relaxation, or above DUAL_MIN_PAIRS pairs the Lagrangian bound (same optimum,
    found far sooner; its best repaired plan stands in for the rounded LP)."""
    if problem.facts is None or len(problem.pair_rep) < DUAL_MIN_PAIRS:
        lp = solve_lp(problem, time_limit_s=max(limit, 1.0))
        return lp, "LP relaxation (HiGHS via scipy.optimize.linprog)"
    deterministic = problem.scenario.deterministic
    dual = subgradient_bound(
        problem,
        np.inf if deterministic else DUAL_SHARE * limit,
        lambda r: evaluate(problem, r).total,
        stop=stop,
        max_steps=DETERMINISTIC_DUAL_STEPS if deterministic else None,
    )
    x = None
    if dual.plan is not None:
        x = np.zeros(len(problem.pair_rep))
        x[problem.pair_index(dual.plan)] = 1.0
    lp = LPResult(True, "lagrangian", dual.bound, x, dual.wall_s, False, dual.excess, dual.bound)
    source = (
        "Lagrangian relaxation of the limit and balance rows (projected subgradient, "
        f"{dual.steps} steps); its maximum is the LP bound"
    )
    return lp, source


def _time_left(scn: Scenario, limit: float, started: float, planned: float) -> float:
    """Seconds for the next engine step: what is left of ``limit`` since ``started``, or
    ``planned`` in deterministic runs (there, engines count steps, not the clock)."""
    return planned if scn.deterministic else limit - (time.perf_counter() - started)


@dataclasses.dataclass(frozen=True)
class _Run:
    """What every engine step of one solve shares."""

    problem: Problem
    lp: LPResult
    seed: int
    scn: Scenario
    progress: ProgressFactory | None
    stop: StopRequest
    workers: int  # CP-SAT threads (one fewer while HiGHS runs beside the search)
    pool: IncumbentPool | None  # plans shared with HiGHS, when it runs beside the search
    monitor: SearchMonitor  # ends the search early (gap tolerance, stall)

    @contextmanager
    def bar(self, label: str, limit: float) -> Iterator[Callable[[float, float], None]]:
        """``report(cost, engine_bound)`` for one engine step: the progress bar (when there
        is one) and the early-stop monitor both hear it."""
        if log.isEnabledFor(logging.INFO):  # -v: every improvement is logged too
            shown = logged(self.progress, label, limit, self.lp.bound)
        elif self.progress is None:
            shown = nullcontext()
        else:
            shown = self.progress(label, limit, self.lp.bound)
        with shown as show:

            def report(cost: float, engine_bound: float = math.nan) -> None:
                if show is not None:
                    show(cost, engine_bound)
                self.monitor.report(cost, engine_bound)

            yield report


def _solve_cpsat(
    run: _Run, hint: np.ndarray | None, total_load: float | None, limit: float
) -> EngineResult | None:
    """CP-SAT on the whole model after reduced-cost fixing, started from the rounded LP."""
    search, upper = reduced_cost_fixing(run.problem, run.lp, hint)
    with run.bar("CP-SAT", limit) as report:
        result = solve_cpsat(
            search,
            limit,
            run.seed,
            run.workers,
            hint,
            total_load,
            report,
            run.scn.deterministic,
            stop=run.stop,
            exact_cost=lambda r: evaluate(search, r).total,
        )
    if result is not None and search is not run.problem and result.engine_bound is not None:
        # a plan using a dropped pair costs more than the start, so min(start, bound) holds
        result = dataclasses.replace(result, engine_bound=min(result.engine_bound, upper))
    if result is not None and run.pool is not None:
        run.pool.offer(result.rep, "CP-SAT")
    return result


def _solve_lns(run: _Run, start: np.ndarray, budget: float) -> EngineResult:
    """Neighbourhood search from ``start`` for ``budget`` seconds (steps, when
    deterministic); groups of reps are related through the LP's reduced costs."""
    t0 = time.perf_counter()
    problem = run.problem
    with run.bar("neighbourhood search", budget) as report:
        rep, stats = improve(
            problem,
            start,
            budget,
            run.seed,
            run.workers,
            lambda r: evaluate(problem, r).total,
            stop=run.stop,
            deterministic=run.scn.deterministic,
            score=run.lp.excess,
            report=report,
            pool=run.pool,
        )
    note = (
        f"{stats['steps']} neighbourhoods, {stats['improving_steps']} improving, "
        f"last of {stats['size']} reps; "
        f"start {stats['start_cost']:,.1f} -> {stats['end_cost']:,.1f}"
    )
    if stats["adopted"]:
        note += f"; plans taken from HiGHS: {stats['adopted']}"
    return EngineResult(rep, "feasible", "lns", time.perf_counter() - t0, None, note)


def _polish(run: _Run, first: EngineResult, budget: float) -> EngineResult:
    """Neighbourhood search from an unproved CP-SAT plan; CP-SAT's bound still holds."""
    more = _solve_lns(run, first.rep, budget)
    return EngineResult(
        more.rep,
        "feasible",
        "cpsat+lns",
        first.wall_s + more.wall_s,
        first.engine_bound,
        f"CP-SAT on the whole model for {first.wall_s:.1f} s ({first.note}), then {more.note}",
    )


def reduced_cost_fixing(
    problem: Problem, lp: LPResult, start: np.ndarray | None
) -> tuple[Problem, float]:
    """Drop the pairs that cannot appear in any plan cheaper than the start plan.

    A plan using pair p costs at least lagrangian_bound + excess[p] (see models.lp); when
    that exceeds the start plan's cost U, the pair is useless to a search that starts at U.
    Returns the restricted problem (or the problem itself) and U.
    """
    if start is None or lp.excess is None or lp.lagrangian_bound is None:
        return problem, float("inf")
    upper = evaluate(problem, start).total
    room = upper - lp.lagrangian_bound + 1e-9 * max(1.0, abs(upper))
    keep = lp.excess <= room
    keep[problem.pair_index(start)] = True
    return (problem if keep.all() else problem.restricted(keep)), upper


def _assert_valid(problem: Problem, plan: Plan) -> None:
    if problem.facts is None:
        n, m = problem.n, problem.m
        violations = check_matrix_plan(
            problem.pair_workload.reshape(n, m), problem.blocks[0].upper, plan.rep_index
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
