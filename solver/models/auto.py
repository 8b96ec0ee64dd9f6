"""The portfolio: which engines a solve runs, in which order, for how long, as data.

A solve runs a :class:`Portfolio`: one bound engine (the LP relaxation, or its Lagrangian
dual on large models), then its stages in order, each started from the best plan so far
(the bound engine's rounded plan first), optionally with HiGHS branch-and-cut beside them
in its own thread. ``engine = "auto"`` chooses (:func:`plan_portfolio`):

- min-cost flow when it models the scenario exactly (account limits, balance in accounts);
- on models up to ``Params.whole_model_pairs`` pairs, CP-SAT on the whole model for
  ``Params.whole_model_share`` of the limit, handing an unproved plan to the neighbourhood
  search for the rest;
- above that, the neighbourhood search from the bound engine's plan;
- HiGHS beside either, up to ``Params.beside_max_pairs`` pairs, with a worker to spare, in
  runs timed by the clock (a deterministic run counts steps; two threads trading plans
  would not). On small models (``Params.yield_max_pairs``) the stages then run in a
  thread a few nice steps nicer, so that a crowded CPU goes mostly to HiGHS, which proves
  such models alone.

A named engine is a portfolio of that one stage. :class:`PortfolioRun` runs a portfolio:
bound, stages, HiGHS beside, and the early stops of :mod:`solver.models.stopping`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.cli.progress import logged
from solver.diagnose.explain import explain_infeasibility, explain_phase_one
from solver.diagnose.phase_one import dual_phase_one
from solver.interrupt import StopRequest, run_in_thread
from solver.models.base import EngineResult, EngineStats, ModelInfeasible
from solver.models.branch_and_cut import BOUND_SOURCE, JOIN_GRACE_S, BranchAndCut, Outcome
from solver.models.engine import Budget, Context, Relaxation, Report
from solver.models.first_plan import first_plan
from solver.models.incumbents import IncumbentPool
from solver.models.lagrangian import LagrangianBound, PlanHook
from solver.models.lp_start import Params as LpStartParams
from solver.models.lp_start import lp_start
from solver.models.names import AUTO, CPSAT, FLOW, HIGHS, LAGRANGIAN, LNS, LP, MILP
from solver.models.registry import ENGINES
from solver.models.rounding_beside import RoundingBeside
from solver.models.stopping import GAP_REACHED, STALLED, SearchMonitor, StopRules
from solver.models.warmstart import repair
from solver.plan import evaluate
from solver.problem import Problem

log = logging.getLogger(__name__)

#: progress(label, time_limit_s, lower_bound) -> context manager yielding report(obj, bound)
ProgressFactory = Callable[[str, float, float | None], Any]
#: what the search's stop request holds when HiGHS beside the search proved optimality
PROVED_BESIDE = "optimality proof"
#: progress bar label and note wording of the engines that show one
LABELS = {CPSAT: "CP-SAT", LNS: "neighbourhood search"}
CHAINED = {CPSAT: "CP-SAT on the whole model"}
#: progress bar label of the first plan on a large model (``PortfolioRun._first_plan_hook``)
FIRST_PLAN = "first plan"
#: progress bar label of the plans rounded from the restricted LP's rounds beside them
LP_ROUNDS = "rounded LP rounds"
#: failed repairs of the ascent that may try a first plan of their own
FIRST_PLAN_TRIES = 1


@dataclass(frozen=True)
class Params:
    """The portfolio's tuning constants, each measured; pass others to ``solve_problem``."""

    #: up to this many pairs CP-SAT on the whole model is the better first stage (it often
    #: proves optimality); above it, neighbourhood search reached lower gaps in the same
    #: time (sample 2,000 x 30 at 15 s: LNS 0.11 %, CP-SAT 0.31 % above the LP bound)
    whole_model_pairs: int = 20_000
    #: share of the limit CP-SAT gets on a small model before the search takes its unproved
    #: plan (OR-Library gap1-12 are proved in under 1 s; Yagiura 20 x 200 type D is 1 %
    #: above best-known after 20 s)
    whole_model_share: float = 0.25
    #: shortest neighbourhood search, in seconds: with less left a plan is not handed on,
    #: and a search on its own gets at least this much
    min_search_s: float = 0.5
    #: up to this many pairs, a search that proved only its rounded model optimal (soft
    #: balance measures, the balance target, limits in whole units) asks HiGHS MIP on the
    #: exact model for the proof in the time left (a 13-account book: 0.05 s)
    exact_proof_pairs: int = 5_000
    #: from this many pairs the bound comes from the Lagrangian dual, not the LP: 10,000 x
    #: 100 (655k pairs) reaches the LP optimum to 0.02 % in 5 s, where HiGHS takes 27 s
    dual_min_pairs: int = 300_000
    #: share of the limit the Lagrangian ascent may use (it stops sooner once converged)
    dual_share: float = 0.3
    #: ascent steps of a deterministic run (about 10 s at 10,000 x 100)
    deterministic_dual_steps: int = 300
    #: HiGHS branch-and-cut runs beside the search up to this many pairs. HiGHS alone at
    #: 60 s on Yagiura 40 x 1,600 (64k pairs) type C: 0.017 % above best known where the
    #: search alone reached 0.070 %; 80 x 1,600 (128k pairs): 199 %, 17 % and 1.4 % on C, D, E
    beside_max_pairs: int = 100_000
    #: up to this many pairs, the stages run in a thread this many nice steps nicer while
    #: HiGHS runs beside them, so that when the solve gets less than a core per thread (a
    #: shared machine) HiGHS gets most of its share, as alone; on idle cores nothing
    #: changes. Yagiura 10 x 200 type C with floors (2,000 pairs) on a shared 2-core
    #: machine: HiGHS beside the search had 11 s of CPU in the first 45 s, the search 25 s;
    #: with the search 5 steps nicer HiGHS had about 3.5 times the search's CPU
    #: (benchmarks/RESULTS.md)
    yield_max_pairs: int = 5_000
    search_nicer: int = 5
    #: share of the limit (at least ``phase_one_min_s`` seconds) the elastic LP's dual may
    #: take before the Lagrangian on a model with floors: on 10,000 x 100 with value and
    #: workload bands and a 30 % move budget it proved them infeasible in 100-150 steps,
    #: 5-10 s on the shared machine (the LP took 272 s); a feasible model pays up to this
    phase_one_share: float = 0.2
    phase_one_min_s: float = 2.0
    #: on a large model with floors (clock-timed runs): the Lagrangian ascent's share of
    #: the limit, only to rank each customer's pairs for the restricted LP
    #: (``models/lp_start.py``), which may run until ``lp_start_share`` of the limit, then
    #: round its solution for ``lp_round_share`` of it; its priced bound replaces the
    #: ascent's (10,000 x 100 with both bands: the ascent stalls 2.9 % below the LP, two
    #: restricted rounds reach it to 0.003 %), and the phase one runs only when the
    #: restricted LP's rows need slack
    #: (restricted rounds until 0.6 x the limit, the first until 0.75 x: on clustered
    #: 10,000 x 100 with both bands the first round alone took 9 to over 29 s on the
    #: shared machine, the later ones 1 to 4 s, the mend 3.5 to 8 s)
    floors_dual_share: float = 0.1
    lp_start_share: float = 0.6
    lp_first_share: float = 0.75
    lp_round_share: float = 0.2
    #: the same path on a large model without floors, up to this many pairs: clustered
    #: 10,000 x 100 (963,932 pairs) at 30 s went from 0.35 % to 0.12 % of the bound, the
    #: search starting 0.6 % above it instead of 3.3 %; clustered 100,000 x 1,000
    #: (4,861,906 pairs) at 300 s from 11.5 % to 0.84 % (with the ``lp_wide_*`` sizes
    #: below; larger models were not measured). When it gives no bound, the ascent runs
    #: on for the rest of ``dual_share``
    lp_start_max_pairs: int = 6_000_000
    #: from this many pairs the first restricted LP keeps each customer's
    #: ``lp_wide_k`` cheapest pairs, not ``lp_start.Params.k``, and its rounds may start
    #: until ``lp_wide_share`` of the limit, not ``lp_start_share``. On clustered
    #: 100,000 x 1,000 (shared machine) the first round on 4 per customer did not end
    #: within 150 s, on 2 per customer (197,178 pairs) it took 14 to 33 s; the later
    #: rounds 35 to 108 s each; the rounded plan came 1.3 % above the LP after 3
    #: rounds, 1.0 % after 4, and the search from it gained under 1 % in 70 to 125 s
    lp_wide_pairs: int = 2_000_000
    lp_wide_k: int = 2
    lp_wide_share: float = 0.8
    #: seconds the conflict core may take when a solve ends without any plan
    core_time_s: float = 30.0
    #: exact shifts between the neighbourhood search's CP-SAT steps (``models/moves.py``)
    local_moves: bool = True
    #: on a large model (the Lagrangian bound, clock-timed runs): the share of the limit
    #: a first plan built from the ascent's reduced costs at its first repair may take,
    #: beside the ascent's own share (``models/first_plan.py``; 0 turns it off), and the
    #: exact local moves per rep and round in its wide descent (1 makes at most m / 2 per
    #: round). It is the plan a user sees first, its pairs join the first restricted LP
    #: (which then holds its rows without slack) and it is the search's fallback start:
    #: the rounded restricted LP starts the search when there is one. Quiet machine,
    #: clustered 10,000 x 100 at 30 s: a plan within 1 % of the final bound at 2.5 s of
    #: the solve instead of 9.4 s, the same end (0.103 %); clustered 100,000 x 1,000 at
    #: 280 s: 8 restricted rounds to the LP optimum and 0.148 %, where main's 5 rounds
    #: ended at 1.913 % in 300 s (benchmarks/RESULTS.md)
    first_plan_share: float = 0.07
    first_plan_moves_per_rep: int = 8
    #: round each restricted LP round's solution into a plan, and improve it by the exact
    #: local moves, in a thread while the next round solves (``models/rounding_beside.py``;
    #: runs with two workers or more). Clustered 100,000 x 1,000 at 280 s: a plan within
    #: 1 % of the final bound after 98.5 s of the solve instead of 181.0 s, the search
    #: starting 0.16 % above the bound after 143 s instead of 0.74 % after 178 s, the
    #: same end (0.142 % against 0.143 %; benchmarks/RESULTS.md)
    round_beside: bool = True


@dataclass(frozen=True)
class Stage:
    """One engine run: ``share`` of the time limit, or what is left when None;
    ``hand_on``: an unproved plan goes on to the next stage."""

    engine: str
    share: float | None = None
    hand_on: bool = False


@dataclass(frozen=True)
class Portfolio:
    bound: str  # the bound engine: "lp" or "lagrangian"
    stages: tuple[Stage, ...]
    beside: bool  # HiGHS branch-and-cut in its own thread for the whole limit
    #: a small model's rounded proof is checked by HiGHS MIP on the exact model (auto only)
    prove_exact: bool = False

    @property
    def memory_engine(self) -> str:
        """The engine whose memory per pair sizes the solve (``solver.limits``)."""
        return self.stages[0].engine


def plan_portfolio(problem: Problem, requested: str, params: Params) -> Portfolio:
    """What ``requested`` (an engine name or "auto") runs on ``problem``, as data."""
    pairs = len(problem.pair_rep)
    scn = problem.scenario
    dual = problem.facts is not None and pairs >= params.dual_min_pairs
    bound = LAGRANGIAN if dual else LP
    if requested != AUTO:
        share = 1.0 if requested in (CPSAT, MILP) else None
        return Portfolio(bound, (Stage(requested, share),), beside=False)
    if problem.facts is not None and not ENGINES[FLOW].supports(problem):
        return Portfolio(bound, (Stage(FLOW),), beside=False)
    if pairs <= params.whole_model_pairs:
        stages = (Stage(CPSAT, params.whole_model_share, hand_on=True), Stage(LNS))
    else:
        stages = (Stage(LNS),)
    beside = (
        pairs <= params.beside_max_pairs
        and scn.workers >= 2
        and not scn.deterministic
        and not ENGINES[HIGHS].supports(problem)
    )
    return Portfolio(bound, stages, beside, prove_exact=pairs <= params.exact_proof_pairs)


def lower_bound(
    problem: Problem, time_limit_s: float, params: Params | None = None
) -> EngineResult:
    """The bound engine of ``problem``'s portfolio run on its own (the LP, or the Lagrangian
    dual on large models) for ``time_limit_s`` at most: a bound on every plan's cost (min
    sense, cost points), e.g. for a plan found on a changed model. Raises ModelInfeasible
    when the LP proves no plan exists."""
    params = params or Params()
    name = plan_portfolio(problem, AUTO, params).bound
    objective = lambda rep: evaluate(problem, rep).total  # noqa: E731
    ctx = Context(Budget(time_limit_s, problem.scenario.deterministic), objective=objective)
    return bound_engine(name, params).run(problem, None, ctx)


def bound_engine(name: str, params: Params, on_plan: PlanHook | None = None):
    """The bound engine called ``name``: the Lagrangian with the portfolio's step count for
    deterministic runs (and ``on_plan`` hearing its repaired plans), any other from the
    registry."""
    if name == LAGRANGIAN:
        return LagrangianBound(params.deterministic_dual_steps, on_plan)
    return ENGINES[name]


def reduced_cost_fixing(
    problem: Problem, relaxation: Relaxation | None, start: np.ndarray | None, objective
) -> tuple[Problem, float]:
    """Drop the pairs that cannot appear in any plan cheaper than the start plan.

    A plan using pair p costs at least lagrangian_bound + excess[p] (see models.lp); when
    that exceeds the start plan's cost U, the pair is useless to a search that starts at U.
    Returns the restricted problem (or the problem itself) and U.
    """
    if start is None or relaxation is None or relaxation.excess is None:
        return problem, float("inf")
    if relaxation.lagrangian_bound is None:
        return problem, float("inf")
    upper = objective(start)
    room = upper - relaxation.lagrangian_bound + 1e-9 * max(1.0, abs(upper))
    keep = relaxation.excess <= room
    keep[problem.pair_index(start)] = True
    return (problem if keep.all() else problem.restricted(keep)), upper


class PortfolioRun:
    """One solve's run of a portfolio: ``execute()`` returns the best plan found (None
    when there is none), with the bound, the hint and why the search ended kept here."""

    def __init__(
        self,
        problem: Problem,
        portfolio: Portfolio,
        params: Params,
        limit: float,
        seed: int,
        progress: ProgressFactory | None,
        stop: StopRequest,
        objective: Callable[[np.ndarray], float],
        start: np.ndarray | None = None,
    ) -> None:
        self.problem, self.portfolio, self.params = problem, portfolio, params
        self.start = start  # a plan the caller already has (rep index per customer)
        self.limit, self.seed, self.progress, self.stop = limit, seed, progress, stop
        self.objective = objective
        self.scn = problem.scenario
        self.started = time.perf_counter()
        self.search_stop = StopRequest(parent=stop)  # also set by an early stop or a proof
        self.bound: EngineResult | None = None
        self.hint: np.ndarray | None = None
        self.outcome: Outcome | None = None
        self.pool: IncumbentPool | None = None
        self._beside: BranchAndCut | None = None
        self.monitor: SearchMonitor | None = None
        self.rounded_proof = False  # the search proved only its rounded model optimal
        self.floors = any(b.has_floors() for b in problem.blocks)  # rows with a lower limit

    # -- the run -------------------------------------------------------------------------

    def execute(self) -> EngineResult | None:
        """Start HiGHS beside (before the bound: it gets the whole limit, as alone), find
        the bound, run the stages, finish HiGHS and merge its plans."""
        self._start_beside()
        result, searched = None, False
        try:
            self.bound = self._run_bound()
            self.hint, source = self._first_plan(self.bound.rep)
            if self.pool is not None and self.hint is not None:
                self.pool.offer(self.hint, source)
            if not self.search_stop.is_set():
                self.monitor = SearchMonitor(self.stop_rules(), self.lower_bound, self.search_stop)
                with self.monitor:
                    result = self._yielding(self._stages)
                    result = self._exact_proof(result)
                searched = True
        finally:  # after a search that ran its course, HiGHS too ends by its own limit
            # a proof of CP-SAT's rounded model (soft bands, fixed balance target) is not
            # one of ours: HiGHS, which models them exactly, may still improve or prove it
            complete = result is not None and result.search_complete and result.status == "optimal"
            self.rounded_proof = result is not None and result.search_complete and not complete
            run_on = searched and not self.search_stop.is_set() and not complete
            self.outcome = self._beside.finish(run_on) if self._beside is not None else None
        merged = self._merge(result) if self.pool is not None else result
        # HiGHS beside found its whole-minute model's optimum before the stages began
        return merged if searched else self._exact_proof(merged)

    def _first_plan(self, rounded: np.ndarray | None) -> tuple[np.ndarray | None, str]:
        """The plan the stages start from, and what it is: the LP-rounded plan, or the
        caller's start (repaired to keep every hard row, when it does not) if that costs
        no more."""
        given = None
        if self.start is not None:
            deadline = self.started + self.limit if not self.scn.deterministic else None
            given = repair(self.problem, np.asarray(self.start), deadline)
        if given is None:
            return rounded, "LP rounding"
        if rounded is not None and self.objective(rounded) < self.objective(given):
            return rounded, "LP rounding"
        return given, "start plan"

    def _exact_proof(self, result: EngineResult | None) -> EngineResult | None:
        """On a small model whose search proved only its rounded model optimal: HiGHS MIP
        (scipy) on the exact model, for the time left; its proof and bound replace the
        result's, and its plan when that is valid and cheaper."""
        if result is None or result.status == "optimal":
            return result
        # HiGHS beside found the optimum of its model, whose rows are tightened to whole
        # minutes: a proof of a smaller model, which ended the search all the same
        beside_rounded = (
            self.search_stop.signal_name == PROVED_BESIDE and not self.problem.integer_rows_exact()
        )
        if not (result.search_complete or beside_rounded):
            return result
        left = self.time_left(self.limit)
        if not self.portfolio.prove_exact or self.scn.deterministic or left <= 0:
            return result  # deterministic runs: HiGHS's time limit would read the clock
        stop = self.stop if beside_rounded else self.search_stop
        ctx = Context(Budget(left, self.scn.deterministic), stop=stop)
        proof = ENGINES[MILP].run(self.problem, None, ctx)
        if proof is None or proof.status != "optimal" or proof.engine_bound is None:
            return result
        pool = IncumbentPool(self.problem, self.objective)
        pool.offer(result.rep, result.engine)
        pool.offer(proof.rep, MILP)
        assert pool.best is not None
        return dataclasses.replace(
            result,
            rep=pool.best.rep,
            status="optimal",
            engine=f"{result.engine}+{MILP}",
            wall_s=result.wall_s + proof.wall_s,
            engine_bound=proof.engine_bound,
            bound_source=proof.bound_source,
            note=f"{result.note}; HiGHS MIP on the exact model proved it in {proof.wall_s:.2f} s",
        )

    def _start_beside(self) -> None:
        if not self.portfolio.beside:
            return
        self.pool = IncumbentPool(self.problem, self.objective)
        on_proof = lambda: self.search_stop.set(PROVED_BESIDE)  # noqa: E731
        engine = ENGINES[HIGHS]
        self._beside = engine.beside(self.problem, self.pool, self.time_left(self.limit), on_proof)

    def _run_bound(self) -> EngineResult:
        name = self.portfolio.bound
        share = self.params.dual_share if name == LAGRANGIAN else 1.0
        ctx = Context(
            Budget(share * self.limit, self.scn.deterministic),
            stop=self.stop,
            objective=self.objective,
        )
        fits = self.floors or len(self.problem.pair_rep) <= self.params.lp_start_max_pairs
        by_lp = name == LAGRANGIAN and fits and not self.scn.deterministic
        if by_lp:
            ctx = ctx.with_budget(self.params.floors_dual_share * self.limit)
        elif name == LAGRANGIAN and self.floors:
            self._limits_reachable()
        engine = bound_engine(name, self.params, self._first_plan_hook())
        try:
            bound = engine.run(self.problem, None, ctx)
        except ModelInfeasible:
            raise explain_infeasibility(self.problem) from None
        log.info("lower bound %s from %s in %.1f s", bound.engine_bound, name, bound.wall_s)
        return self._restricted_lp(bound) if by_lp else bound

    def _first_plan_hook(self) -> PlanHook | None:
        """The ascent's hook on a clock-timed run with local moves: at its first repair of
        the cheapest choice, a plan filled, mended and improved from that step's reduced
        costs (:func:`solver.models.first_plan.first_plan`) in ``Params.first_plan_share``
        of the limit (time the ascent does not count), kept when it costs less than the
        repaired plan (on clustered 100,000 x 1,000 the repair found none in 90 s, on
        10,000 x 100 one 3.9 % above the bound), at most ``FIRST_PLAN_TRIES`` times; the
        plan kept is reported as the first plan. Not on a model with floors: the fill
        knows only ceilings, and on clustered 10,000 x 100 with both bands the fill and
        the flow took 1.5 s to find no plan."""
        if self.scn.deterministic or not self.params.local_moves:
            return None
        if self.params.first_plan_share <= 0:
            return None
        if self.floors:
            return None
        tries = 0

        def first(plan, cost: float, reduced: np.ndarray, bound: float):
            nonlocal tries
            if tries >= FIRST_PLAN_TRIES:
                return plan, cost
            tries += 1
            seconds = self.params.first_plan_share * self.limit
            deadline = min(time.perf_counter() + seconds, self.started + self.limit)
            per_rep = self.params.first_plan_moves_per_rep
            with self.bar(FIRST_PLAN, seconds) as report:
                best = cost

                def heard(built: np.ndarray) -> float:  # each step's plan, as it comes
                    nonlocal best
                    built_cost = self.objective(built)
                    best = min(best, built_cost)
                    report(best, math.nan)
                    return built_cost

                if plan is not None:
                    report(cost, math.nan)
                built = first_plan(
                    self.problem, reduced, deadline, per_rep, self.stop, heard, bound
                )
            if built is not None and (built_cost := self.objective(built)) < cost:
                plan, cost = built, built_cost
                log.info("first plan %.1f from the fill, the flow and the moves", cost)
            return (plan, cost) if plan is not None else (None, math.inf)

        return first

    def _restricted_lp(self, dual: EngineResult) -> EngineResult:
        """A large model (with floors, or up to ``lp_start_max_pairs`` pairs): the
        restricted LP from the ascent's reduced costs (:mod:`solver.models.lp_start`), each
        round rounded beside the next (:meth:`_rounding_beside`); its priced bound and
        cheapest rounded plan when its rows held without slack, else the phase one (which
        raises when it proves the floors cannot hold) and the ascent run on."""
        assert dual.relaxation is not None and dual.relaxation.excess is not None
        wide = len(self.problem.pair_rep) >= self.params.lp_wide_pairs
        share = self.params.lp_wide_share if wide else self.params.lp_start_share
        lp_deadline = self.started + share * self.limit
        round_s = self.params.lp_round_share * self.limit
        deadline = self.started + self.limit - self.params.min_search_s
        params = LpStartParams(k=self.params.lp_wide_k) if wide else None
        with self._rounding_beside(deadline, round_s, params) as beside:
            got = lp_start(
                self.problem,
                dual.relaxation.excess,
                lp_deadline,
                round_s,
                deadline,
                self.seed,
                self.scn.workers,
                params=params,
                first_deadline=self.started + self.params.lp_first_share * self.limit,
                known_plan=dual.rep,
                on_round=beside.offer if beside is not None else None,
            )
        log.info("%s", got.note())
        if not got.holds or got.bound is None:
            # rows that needed slack hint at limits out of reach; without a round, only
            # floors justify the phase one's time (a feasible model pays all of it)
            if got.bound is not None or self.floors:
                self._limits_reachable()
            return self._ascent_on(dual)
        # the cheapest plan rounded from the LP's rounds (beside them, the last one when
        # they are over; or here) starts the search even when the first plan costs less: its
        # accounts sit on their LP pairs, and the search's moves priced by the LP's reduced
        # costs take it far lower (clustered 10,000 x 100: both 0.6 % above the bound; the
        # search from the LP's plan 0.12 % within 1 s, from the first plan 0.58 % at 30 s)
        plan = beside.best if beside is not None else got.plan
        plan = plan if plan is not None else dual.rep
        total = float(self.problem.pair_load @ got.x)
        bound = max(got.bound, dual.engine_bound if dual.engine_bound is not None else -math.inf)
        return EngineResult(
            plan,
            "feasible",
            f"{LAGRANGIAN}+restricted LP",
            dual.wall_s + got.wall_s,
            engine_bound=bound,
            bound_source=(
                f"LP on each customer's cheapest pairs, priced over every pair ({got.rounds} "
                f"round(s)), and the {dual.bound_source}"
            ),
            note=got.note(),
            relaxation=Relaxation(bound, got.x, got.excess, got.priced, total),
        )

    @contextmanager
    def _rounding_beside(
        self, deadline: float, round_s: float, params: LpStartParams | None
    ) -> Iterator[RoundingBeside | None]:
        """With two workers or more and local moves on: a :class:`RoundingBeside` for the
        restricted LP's rounds (until ``deadline``, ``round_s`` seconds per rounding), its
        plans reported on a progress bar of their own; closed at the end of the block,
        abandoned when the block raises."""
        if self.scn.workers < 2 or not (self.params.local_moves and self.params.round_beside):
            yield None
            return
        with self.bar(LP_ROUNDS, deadline - time.perf_counter()) as report:
            best = math.inf

            def heard(plan: np.ndarray) -> float:
                nonlocal best
                cost = self.objective(plan)
                if cost < best:
                    best = cost
                    report(cost, math.nan)
                return cost

            beside = RoundingBeside(
                self.problem, heard, deadline, round_s, self.seed, self.scn.workers,
                self.params.first_plan_moves_per_rep, params, stop=self.stop,
            )  # fmt: skip
            try:
                yield beside
            except BaseException:
                beside.abandon()
                raise
            beside.close()

    def _ascent_on(self, dual: EngineResult) -> EngineResult:
        """The restricted LP gave no bound: a second ascent for the rest of the ascent's
        usual share (``dual_share`` less ``floors_dual_share``), leaving the search at least
        ``min_search_s``; the better bound of the two, and the cheaper repaired plan."""
        rest = (self.params.dual_share - self.params.floors_dual_share) * self.limit
        rest = min(rest, self.time_left(self.limit) - self.params.min_search_s)
        if rest <= 1.0:
            return dual
        ctx = Context(Budget(rest, False), stop=self.stop, objective=self.objective)
        again = bound_engine(LAGRANGIAN, self.params).run(self.problem, None, ctx)
        plans = IncumbentPool(self.problem, self.objective)
        for found in (dual, again):
            if found.rep is not None:
                plans.offer(found.rep, LAGRANGIAN)
        bounds = [-math.inf if r.engine_bound is None else r.engine_bound for r in (dual, again)]
        better = again if bounds[1] >= bounds[0] else dual
        plan = plans.best.rep if plans.best is not None else None
        return dataclasses.replace(better, rep=plan, wall_s=dual.wall_s + again.wall_s)

    def _limits_reachable(self) -> None:
        """On a large model whose bound is the Lagrangian (which cannot prove a model
        infeasible): before it on a model with floors in a deterministic run, else after a
        restricted LP whose rows needed slack, the elastic LP's dual for
        ``Params.phase_one_share`` of the limit; raise its explanation when it proves the
        limits cannot hold even with accounts split between reps
        (:func:`solver.diagnose.phase_one.dual_phase_one`; a hand-made 8,000 x 60 book
        whose move budget left its hours and account ceilings out of reach: 0.45 s, where
        the search had gone on to the limit and reported no plan in time)."""
        seconds = max(self.params.phase_one_min_s, self.params.phase_one_share * self.limit)
        phase = dual_phase_one(self.problem, math.inf if self.scn.deterministic else seconds)
        log.info("elastic LP dual on the limits: %s in %.1f s", phase.proved, phase.wall_s)
        if phase.proved:
            deadline = time.perf_counter() + self.params.core_time_s
            raise explain_phase_one(self.problem, phase, deadline)

    def _stages(self) -> EngineResult | None:
        """The stages in order, each from the best plan so far; stops at a proof."""
        result: EngineResult | None = None
        planned = 0.0  # shares of the limit given to earlier stages
        for k, stage in enumerate(self.portfolio.stages):
            if k > 0 and (self.search_stop.is_set() or not self.portfolio.stages[k - 1].hand_on):
                break
            if result is not None and result.search_complete:
                break
            if stage.share is not None:
                budget = stage.share * self.limit
            else:
                budget = self.time_left((1.0 - planned) * self.limit)
                if k == 0:
                    budget = max(self.params.min_search_s, budget)
                elif budget <= self.params.min_search_s:
                    break
            planned += stage.share or 0.0
            start = result.rep if result is not None else self.hint
            step = self._run_stage(stage.engine, start, budget)
            result = step if result is None else _chained(result, step, self.scn.deterministic)
        return result

    def _yielding(self, work: Callable[[], EngineResult | None]) -> EngineResult | None:
        """``work()``, in a nicer thread when HiGHS runs beside it on a small model
        (``Params.yield_max_pairs``): HiGHS keeps the larger share of a crowded CPU."""
        small = len(self.problem.pair_rep) <= self.params.yield_max_pairs
        if self._beside is None or not small or self.params.search_nicer <= 0:
            return work()
        return run_in_thread(work, lambda: None, "search", self.params.search_nicer)

    def _run_stage(self, name: str, start: np.ndarray | None, budget: float):
        problem, objective = self.problem, self.objective
        upper = math.inf
        if name == CPSAT:  # CP-SAT sees only the pairs that can beat the start plan
            problem, upper = reduced_cost_fixing(
                self.problem, self.relaxation, start, self.objective
            )
            objective = lambda r: evaluate(problem, r).total  # noqa: E731
        with self.bar(LABELS.get(name), budget) as report:
            ctx = Context(
                Budget(budget, self.scn.deterministic),
                seed=self.seed,
                workers=self.scn.workers - 1 if self._beside is not None else self.scn.workers,
                stop=self.search_stop,
                progress=report,
                pool=self.pool,
                objective=objective,
                relaxation=self.relaxation,
                local_moves=self.params.local_moves,
            )
            try:
                result = ENGINES[name].run(problem, start, ctx)
            except ModelInfeasible:
                raise explain_infeasibility(self.problem) from None
        if result is not None and problem is not self.problem and result.engine_bound is not None:
            # a plan using a dropped pair costs more than the start, so min(start, bound) holds
            result = dataclasses.replace(result, engine_bound=min(result.engine_bound, upper))
        return result

    # -- what the run shares -------------------------------------------------------------

    @property
    def relaxation(self) -> Relaxation | None:
        return self.bound.relaxation if self.bound is not None else None

    @property
    def lower_bound(self) -> float | None:
        return self.bound.engine_bound if self.bound is not None else None

    def time_left(self, planned: float) -> float:
        """Seconds for the next step: what is left of the limit, or ``planned`` in a
        deterministic run (there, engines count steps, not the clock)."""
        if self.scn.deterministic:
            return planned
        return self.limit - (time.perf_counter() - self.started)

    def stop_rules(self) -> StopRules:
        """The scenario's early stops (no stall rule in a deterministic run: it reads the
        clock)."""
        stall = None
        if self.scn.stall_share is not None and not self.scn.deterministic:
            stall = max(self.params.min_search_s, self.scn.stall_share * self.limit)
        return StopRules(self.scn.gap_tolerance, stall)

    @contextmanager
    def bar(self, label: str | None, limit: float) -> Iterator[Report]:
        """``report(cost, engine_bound)`` for one stage: the progress bar (when there is
        one and the engine shows one) and the early-stop monitor both hear it."""
        monitor = self.monitor
        if label is not None and log.isEnabledFor(logging.INFO):  # -v: improvements logged
            shown = logged(self.progress, label, limit, self.lower_bound)
        elif self.progress is not None and label is not None:
            shown = self.progress(label, limit, self.lower_bound)
        else:
            shown = nullcontext()
        with shown as show:

            def report(cost: float, engine_bound: float = math.nan) -> None:
                if show is not None:
                    show(cost, engine_bound)
                if monitor is not None:
                    monitor.report(cost, engine_bound)

            yield report

    def _merge(self, result: EngineResult | None) -> EngineResult | None:
        """The pool's best plan once HiGHS has stopped: the search's own unless HiGHS
        found a cheaper one; the engine name gains '+highs'."""
        assert self.pool is not None
        if result is not None:
            self.pool.offer(result.rep, result.engine)
        best, outcome = self.pool.best, self.outcome
        if best is None:
            return result
        if outcome is None:
            said = f"HiGHS did not stop within {JOIN_GRACE_S:g} s of the request"
        else:
            status = outcome.status
            if status == "Interrupted by user":  # HiGHS's words when the solve stops it
                ended = self.search_stop.signal_name or "end of the search"
                status = f"stopped by the solve at the {ended}"
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
            f"{result.engine}+{HIGHS}" if result is not None else HIGHS,
            max(result.wall_s if result else 0.0, outcome.wall_s if outcome else 0.0),
            result.engine_bound if result is not None else None,
            result.bound_source if result is not None else "",
            "; ".join(
                x for x in (result.note if result else "", said, f"plan by {best.source}") if x
            ),
            search_complete=proved,
            stats=EngineStats(
                search=result.stats.search if result is not None and result.stats else None,
                highs=outcome,
                plan_by=best.source,
            ),
        )

    # -- what the certificate says -------------------------------------------------------

    def bounds(self, result: EngineResult | None) -> list[tuple[float | None, str]]:
        """Every valid lower bound the run found, with how it was obtained."""
        found = []
        if self.bound is not None:
            found.append((self.bound.engine_bound, self.bound.bound_source))
        if result is not None and result.engine_bound is not None:
            found.append((result.engine_bound, result.bound_source))
        if self.pool is not None:
            beside = self.outcome.bound if self.outcome is not None else None
            found.append((beside, BOUND_SOURCE))
        return found

    def stop_reason(self, result: EngineResult | None) -> str:
        """Why the solve ended, in words: a signal, an early stop, a proof or the limit."""
        if self.stop.is_set():
            return f"interrupted by {self.stop.signal_name}"
        ended_by = self.search_stop.signal_name
        if ended_by == GAP_REACHED:
            return f"gap tolerance reached (within {self.scn.gap_tolerance:.2%} of the bound)"
        if ended_by == STALLED:
            return f"stalled: no better plan for {self.stop_rules().stall_s:.1f} s"
        beside_proved = self.outcome is not None and self.outcome.proved
        if ended_by is not None and beside_proved:  # HiGHS beside the search: a proof
            return "search complete: HiGHS branch-and-cut proved the plan optimal"
        if result is not None and result.status == "optimal":
            return "search complete: the engine proved its plan optimal"
        if ended_by is not None:  # HiGHS beside found its integer model's optimum
            return (
                "search complete: HiGHS found no better plan of its integer model (limits "
                "rounded to whole units), which does not prove it for the exact limits"
            )
        if self.rounded_proof:
            return (
                "search complete: CP-SAT proved its integer model optimal (costs and balance "
                "measures rounded), which does not prove it for the exact model"
            )
        if self.scn.deterministic:
            return "work limit reached"
        return f"time limit of {self.limit:g} s reached"


def _chained(first: EngineResult, more: EngineResult | None, deterministic: bool) -> EngineResult:
    """``more`` continued from ``first``'s plan: one result, ``first``'s bound kept (a
    deterministic run's note names no wall time, so its files stay byte-identical)."""
    if more is None:
        return first
    what = CHAINED.get(first.engine, first.engine)
    took = "its share of the work" if deterministic else f"{first.wall_s:.1f} s"
    return EngineResult(
        more.rep,
        "feasible",
        f"{first.engine}+{more.engine}",
        first.wall_s + more.wall_s,
        first.engine_bound,
        first.bound_source,
        f"{what} for {took} ({first.note}), then {more.note}",
        stats=more.stats,
    )
