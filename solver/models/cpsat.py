"""CP-SAT (OR-Tools): the full model on the candidate pairs, warm-started, time-limited.

Integer model: x_p in {0, 1}; exactly one pair per customer; each row block with integer
coefficients (hours become minutes; where that rounds, ceilings use coefficients rounded
up and limits down, floors coefficients rounded down and limits up, so every plan it
finds holds in real hours too); balance as d_j >= |L_j - T_j| in minutes, with
T_j = s_j x (total load of the LP solution), fixed; each soft balance band as
e_j >= a_j x - upper_j and e_j >= lower_j - a_j x with its measure in integer units
(``SOFT_RESOLUTION`` of them in the largest target). Costs are scaled to integers; the plan
is re-evaluated exactly afterwards, so rounding never reaches the reported objective.

By default the search uses ``workers`` threads and stops on wall-clock time, so a run cut
short by the limit may differ from the next. ``deterministic`` runs one worker stopped by
CP-SAT's deterministic time (work units, ``time_limit_s`` of them): the same inputs and
seed then give the same plan, at the price of speed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from solver.constraints.base import integral_blocks
from solver.interrupt import StopRequest, run_stoppable
from solver.models.base import EngineResult, ModelInfeasible
from solver.models.engine import Context
from solver.models.names import CPSAT
from solver.objectives.bands import SoftBand
from solver.problem import Problem

#: largest scaled |cost| of one pair; keeps the objective well inside int64
MAX_SCALED_COST = 1e8
#: minimum scaled balance weight per minute of deviation (rounding error <= 0.5 %)
MIN_BALANCE_COEFF = 100

#: integer units of a soft band's measure in its largest rep target (rounding <= 1e-5 of it)
SOFT_RESOLUTION = 100_000

#: probing in presolve costs seconds on assignment models and gains little here
PROBING_LEVEL = 0

Progress = Callable[[float, float], None]  # (incumbent cost, CP-SAT bound), both unscaled


def _integral(values: np.ndarray) -> bool:
    return bool(np.all(np.abs(values - np.round(values)) < 1e-9))


def cost_scale(problem: Problem) -> float:
    top = float(np.abs(problem.pair_cost).max(initial=0.0))
    scale = 1e6 / top if top > 0 else 1.0
    if problem.balance is not None and problem.balance.weight > 0:
        scale = max(scale, MIN_BALANCE_COEFF * 60.0 / problem.balance.weight)
    for term in problem.soft:  # a soft band's cost per integer unit, as for the balance
        top, price = term.target.max(initial=0.0), term.price[term.price > 0]
        if top > 0 and len(price):
            scale = max(scale, MIN_BALANCE_COEFF * SOFT_RESOLUTION / top / price.min())
    if top > 0:
        scale = min(scale, MAX_SCALED_COST / top)
    if _integral(problem.pair_cost) and top * max(scale, 1.0) <= MAX_SCALED_COST:
        scale = max(1.0, math.floor(scale))  # integer costs stay exact
    return scale


def _valid_bound(problem: Problem, scaled_bound: float, scale: float) -> float | None:
    """CP-SAT's bound as a bound on the exact objective: minus the worst rounding of one
    cost per customer (0.5 / scale each, 0 when costs scale exactly); None with balance,
    whose CP-SAT form uses a fixed target and so bounds a different model, and when rows
    were tightened to integers (hours to whole minutes), which also bounds a smaller model."""
    if problem.balance is not None or problem.soft or not problem.integer_rows_exact():
        return None
    exact = _integral(problem.pair_cost * scale)
    return scaled_bound / scale - (0.0 if exact else 0.5 * problem.n / scale)


def _add_soft(
    model: cp_model.CpModel,
    problem: Problem,
    term: SoftBand,
    x: list,
    scale: float,
    hint: np.ndarray | None,
    objective: list,
    dev_hint: dict,
) -> None:
    """A soft balance band: per priced rep with pairs, e_j >= its distance outside its band,
    costing price_j per unit (measure in integer units, limits and costs rounded)."""
    top = float(np.abs(term.target).max(initial=0.0))
    q = SOFT_RESOLUTION / top if top > 0 else 1.0  # integer units per unit of the measure
    load = np.round(term.load * q).astype(np.int64)
    order = np.argsort(problem.pair_rep, kind="stable")
    bounds = np.searchsorted(problem.pair_rep[order], np.arange(problem.m + 1))
    for j in np.flatnonzero(term.price > 0):
        idx = order[bounds[j] : bounds[j + 1]]
        if not len(idx):
            continue  # no free account of this rep here: its cost is a constant
        lo, hi = round(term.lower[j] * q), round(term.upper[j] * q)
        horizon = int(load[idx].sum()) + abs(lo) + abs(hi) + 1
        e = model.new_int_var(0, horizon, f"{term.name}{j}")
        usage = sum(int(load[p]) * x[p] for p in idx)
        model.add(e >= usage - hi)
        model.add(e >= lo - usage)
        objective.append(max(1, round(term.price[j] * scale / q)) * e)
        if hint is not None:
            mine = int(load[idx[hint[problem.pair_customer[idx]] == j]].sum())
            dev_hint[e] = max(0, mine - hi, lo - mine)


class _Callback(cp_model.CpSolverSolutionCallback):
    """Hears every CP-SAT solution: reports its cost (the exact one when ``exact_cost``
    is given, from the plan decoded out of the first ``len(pairs)`` variables) and ends
    the search at once when ``stop`` is set, inside the solver's own step."""

    def __init__(
        self,
        scale: float,
        report: Progress,
        stop: StopRequest | None,
        exact_cost: Callable[[np.ndarray], float] | None,
        problem: Problem,
    ):
        super().__init__()
        self.scale = scale
        self.report = report
        self.stop = stop
        self.exact_cost = exact_cost
        self.problem = problem

    def on_solution_callback(self) -> None:
        cost = self.ObjectiveValue() / self.scale
        if self.exact_cost is not None:
            solution = self.response_proto.solution
            n_pairs = len(self.problem.pair_rep)
            chosen = np.fromiter(solution, dtype=np.int64, count=len(solution))[:n_pairs] > 0
            rep = np.full(self.problem.n, -1, dtype=np.int64)
            rep[self.problem.pair_customer[chosen]] = self.problem.pair_rep[chosen]
            cost = self.exact_cost(rep)
        self.report(cost, self.BestObjectiveBound() / self.scale)
        if self.stop is not None and self.stop.is_set():
            self.StopSearch()


def solve_cpsat(
    problem: Problem,
    time_limit_s: float,
    seed: int,
    workers: int,
    hint: np.ndarray | None = None,
    total_load: float | None = None,
    progress: Progress | None = None,
    deterministic: bool = False,
    load_offset: np.ndarray | None = None,
    infeasible_raises: bool = True,
    stop: StopRequest | None = None,
    exact_cost: Callable[[np.ndarray], float] | None = None,
    deadline: float | None = None,
) -> EngineResult | None:
    """Best plan found in the time limit, or None when none was found.

    ``deadline`` (perf_counter seconds) also covers building the model (a million pairs
    take longer to build than to search): when it passes while the model is built, the
    call returns None without solving, and the solve gets at most what is left. A
    deterministic run counts its limit in work units and ignores the deadline.

    ``load_offset`` is load per rep already carried outside this model (a neighbourhood of
    a larger plan): the balance targets are lowered by it. Setting ``stop`` (Ctrl-C) ends
    the search early with the incumbent. ``progress(cost, bound)`` hears every solution;
    with ``exact_cost(rep)`` the cost it hears is the plan's exact objective.
    """
    start = time.perf_counter()
    ends = None if deterministic else deadline
    late = (lambda: False) if ends is None else (lambda: time.perf_counter() >= ends)
    model = cp_model.CpModel()
    n_pairs = len(problem.pair_rep)
    x = [model.new_bool_var(f"x{p}") for p in range(n_pairs)]
    starts = problem.customer_starts()
    for i in range(problem.n):
        model.add_exactly_one(x[starts[i] : starts[i + 1]])
    if late():
        return None

    for block in integral_blocks(problem.blocks):
        coeff = block.coeff.astype(np.int64)
        upper = block.upper.astype(np.int64)
        lower = block.lower.astype(np.int64)
        for r, idx in enumerate(block.pairs_by_row()):
            if lower[r] > 0 and not len(idx):
                model.add_bool_or([])  # a floor with no account to reach it: infeasible
            if len(idx):
                usage = sum(int(coeff[p]) * x[p] for p in idx)
                model.add(usage <= int(upper[r]))
                if lower[r] > 0:
                    model.add(usage >= int(lower[r]))
            if late():
                return None

    scale = cost_scale(problem)
    objective = [
        round(c * scale) * x[p] for p, c in enumerate(problem.pair_cost) if round(c * scale) != 0
    ]
    bal = problem.balance
    dev_hint: dict = {}
    if bal is not None:
        load = np.round(problem.pair_load * 60.0).astype(np.int64)
        total = (
            total_load if total_load is not None else float(problem.pair_load.mean() * problem.n)
        )
        coeff = round(bal.weight * scale / 60.0)
        order = np.argsort(problem.pair_rep, kind="stable")
        bounds = np.searchsorted(problem.pair_rep[order], np.arange(problem.m + 1))
        horizon = int(load.sum() + abs(total) * 60.0) + 1  # >= any |load - target|
        offset = np.zeros(problem.m) if load_offset is None else load_offset
        for j in np.flatnonzero(bal.active):
            idx = order[bounds[j] : bounds[j + 1]]
            if len(idx) == 0 and load_offset is not None:
                continue  # a rep outside the neighbourhood: its deviation is a constant
            target = round((bal.shares[j] * total - offset[j]) * 60.0)
            dev = model.new_int_var(0, horizon, f"dev{j}")
            rep_load = sum(int(load[p]) * x[p] for p in idx) if len(idx) else 0
            model.add(dev >= rep_load - target)
            model.add(dev >= target - rep_load)
            objective.append(coeff * dev)
            if hint is not None:
                mine = idx[hint[problem.pair_customer[idx]] == j]
                dev_hint[dev] = abs(int(load[mine].sum()) - target)
    for term in problem.soft:
        _add_soft(model, problem, term, x, scale, hint, objective, dev_hint)
    model.minimize(sum(objective))
    if late():
        return None

    if hint is not None:
        for p in range(n_pairs):
            model.add_hint(x[p], bool(hint[problem.pair_customer[p]] == problem.pair_rep[p]))
        for var, value in dev_hint.items():
            model.add_hint(var, value)

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.random_seed = seed
    params.max_presolve_iterations = 1
    if deterministic:
        params.num_workers = 1
        params.max_deterministic_time = float(time_limit_s)
    else:
        if late():
            return None
        params.num_workers = workers
        left = math.inf if ends is None else ends - time.perf_counter()
        params.max_time_in_seconds = float(min(time_limit_s, left))
    params.cp_model_probing_level = PROBING_LEVEL
    params.catch_sigint_signal = False  # Ctrl-C belongs to solver.interrupt, not to CP-SAT
    callback = (
        _Callback(scale, progress, stop, exact_cost, problem) if progress is not None else None
    )
    status = run_stoppable(lambda: solver.solve(model, callback), stop, solver.stop_search)
    if status == cp_model.INFEASIBLE and infeasible_raises:
        raise ModelInfeasible(f"CP-SAT proved the model of {problem.n} customers infeasible")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    whole = problem.integer_rows_exact()
    proved = status == cp_model.OPTIMAL and bal is None and whole and not problem.soft
    note = f"costs scaled by {scale:.6g} to integers"
    if status == cp_model.OPTIMAL and bal is not None:
        note += "; optimal for the fixed-target balance model, not proved for the exact one"
    elif status == cp_model.OPTIMAL and problem.soft:
        note += "; optimal with the soft balance measures rounded, not proved for the exact ones"
    elif status == cp_model.OPTIMAL and not whole:
        note += "; optimal with limits in whole minutes, not proved for the exact limits"
    values = np.array([solver.boolean_value(v) for v in x], dtype=bool)
    rep = np.full(problem.n, -1, dtype=np.int64)
    rep[problem.pair_customer[values]] = problem.pair_rep[values]
    return EngineResult(
        rep=rep,
        status="optimal" if proved else "feasible",
        engine=CPSAT,
        wall_s=time.perf_counter() - start,
        engine_bound=_valid_bound(problem, solver.best_objective_bound, scale),
        bound_source=BOUND_SOURCE,
        note=note,
        search_complete=status == cp_model.OPTIMAL,
    )


BOUND_SOURCE = "CP-SAT objective bound, less the cost rounding of its integer model"


class CpSatEngine:
    """CP-SAT on the whole model, hinted with the start plan; proves small models optimal."""

    name = CPSAT

    def supports(self, problem: Problem) -> list[str]:
        return []

    def run(self, problem: Problem, start: np.ndarray | None, ctx: Context) -> EngineResult | None:
        relaxation = ctx.relaxation
        result = solve_cpsat(
            problem,
            ctx.budget.seconds,
            ctx.seed,
            ctx.workers,
            start,
            relaxation.total_load if relaxation is not None else None,
            ctx.progress,
            ctx.budget.deterministic,
            stop=ctx.stop,
            exact_cost=ctx.objective,
        )
        if result is not None and ctx.pool is not None:
            ctx.pool.offer(result.rep, "CP-SAT")
        return result
