"""HiGHS branch-and-cut on the whole model in a background thread, giving every improving
plan it finds to the engines of the main thread through an :class:`IncumbentPool`.

HiGHS finds optimal plans and proves them on small, tight models where CP-SAT and the
neighbourhood search stall (Yagiura 10 x 100 type E: proved in 20 s), and it falls far
behind above about 100k pairs. It starts with the solve, before the LP bound, and runs on
a core of its own until its own time limit, unless either side proves optimality first. It
is never handed plans, so it follows the path HiGHS alone would take: the plan returned is
at least as good as the best HiGHS finds, and the search continues from each of them.

Handing it the search's plans (through its user-solution callback) was measured on all 45
Yagiura C/D/E instances at 60 s and dropped. Handed over while HiGHS is still at its root
node, they slow its proof (30 x 900 type E: 44.8 s, against 33.7 s without) and turn its
root heuristics onto other plans: each hand-over variant tried ended 1 to 3 units worse
than HiGHS alone on one or two instances (of 40 x 1600 types C and E, 30 x 900 type E),
though on the largest type E instances it helped the search (benchmarks/RESULTS.md).

Every callback HiGHS makes needs the GIL, which the search's Python code holds much of the
time: only the improving-solution callback is on for the run; the interrupt callback is
switched on to stop HiGHS early.

The standalone ``highspy`` package cannot share a process with OR-Tools, so this uses the
HiGHS copy bundled with scipy (``scipy.optimize._highspy``, scipy >= 1.15). Its ``run``
releases the GIL. When that module is missing, :func:`available` is False and callers go on
without this engine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from solver.constraints.base import integral_blocks
from solver.models.base import EngineResult, EngineStats, rep_from_x
from solver.models.engine import Context
from solver.models.incumbents import IncumbentPool
from solver.models.lp import build_lp
from solver.models.names import HIGHS
from solver.problem import Problem

try:  # scipy's private copy of the HiGHS bindings
    from scipy.optimize._highspy import _core as highs
except ImportError:  # pragma: no cover - older scipy
    highs = None

#: relative gap at which HiGHS stops and calls the plan optimal (costs of the same order as
#: the plan's, so 1e-6 closes integer-cost models completely)
MIP_REL_GAP = 1e-6
#: seconds the caller waits for HiGHS to return after asking it to stop
JOIN_GRACE_S = 5.0
#: seconds past its own time limit the caller waits for HiGHS to end by that limit
OWN_LIMIT_GRACE_S = 1.0
SOURCE = "HiGHS branch-and-cut"
BOUND_SOURCE = "HiGHS branch-and-cut dual bound (run beside the search)"


def available() -> bool:
    return highs is not None


@dataclass(frozen=True)
class Outcome:
    proved: bool  # HiGHS proved its best plan optimal (to MIP_REL_GAP) for the exact model
    bound: float | None  # its dual bound (min sense); None when it bounds a smaller model
    status: str  # HiGHS model status, in its words
    wall_s: float
    found: int  # improving plans it offered the pool


class BranchAndCut:
    """One HiGHS MIP solve in its own thread; ``start()``, then ``finish()``. The thread is
    not a daemon: a HiGHS still running when Python exits would abort the process."""

    def __init__(
        self,
        problem: Problem,
        pool: IncumbentPool,
        time_limit_s: float,
        on_optimal: Callable[[], None] | None = None,
    ) -> None:
        """``on_optimal()`` runs (in HiGHS's thread) once no plan of the integer model is
        better than the pool's: the other engines may stop."""
        self._problem = problem
        self._pool = pool
        self._deadline = time.perf_counter() + float(time_limit_s)  # HiGHS's own limit ends here
        self._on_optimal = on_optimal
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._highs = None  # the running HiGHS instance, once built
        self._thread = threading.Thread(target=self._run, name="highs")  # joined at exit
        self._found = 0
        self._n_x = 0  # assignment columns lead the model's columns
        self._outcome: Outcome | None = None
        self._error: str | None = None
        # hours tightened to whole minutes make a smaller model: its bound is no bound
        self._exact = problem.integer_rows_exact()

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout_s: float) -> Outcome | None:
        """Wait up to ``timeout_s`` for HiGHS to end on its own; its outcome, or None."""
        self._thread.join(timeout_s)
        return self._outcome

    def finish(self, run_to_limit: bool = False) -> Outcome | None:
        """Ask HiGHS to stop and wait for it (at most JOIN_GRACE_S); its outcome, or None.
        With ``run_to_limit``, first let it run on to its own time limit (and up to
        OWN_LIMIT_GRACE_S past it), as it would alone: on Yagiura 40 x 1600 type E, HiGHS
        alone finds its best plan at 60 s as its 60 s limit ends (178,355, after 178,817 at
        40 s)."""
        if run_to_limit:
            self.join(max(0.0, self._deadline - time.perf_counter()) + OWN_LIMIT_GRACE_S)
            if self._outcome is not None:
                return self._outcome
        self._halt.set()
        with self._lock:
            if self._highs is not None:
                # the interrupt callback runs at every node and needs the GIL each time, which
                # slows HiGHS three-fold while Python runs beside it: only switched on to stop
                self._highs.startCallback(highs.cb.HighsCallbackType.kCallbackMipInterrupt)
        return self.join(JOIN_GRACE_S)

    def _model(self):
        lp = build_lp(self._problem, integral_blocks(self._problem.blocks))
        h = highs._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", max(self._deadline - time.perf_counter(), 0.1))
        h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        n = len(lp.c)
        upper = np.where(np.isinf(lp.upper), highs.kHighsInf, lp.upper)
        h.addVars(n, np.zeros(n), upper)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), lp.c)
        rows = sp.vstack([lp.a_eq, lp.a_ub]).tocsr()
        lower = np.concatenate([lp.b_eq, np.full(len(lp.b_ub), -highs.kHighsInf)])
        upper_rows = np.concatenate([lp.b_eq, lp.b_ub])
        h.addRows(
            rows.shape[0],
            lower,
            upper_rows,
            rows.nnz,
            rows.indptr.astype(np.int32),
            rows.indices.astype(np.int32),
            rows.data,
        )
        h.changeColsIntegrality(
            lp.n_x,
            np.arange(lp.n_x, dtype=np.int32),
            np.full(lp.n_x, highs.HighsVarType.kInteger),
        )
        return h, lp.n_x

    def _callback(self, kind: int, message: str, data_out, data_in, user_data) -> None:
        """HiGHS calls this from its thread; an error must not escape into its C++ code."""
        try:
            if self._halt.is_set():
                data_in.user_interrupt = True
            elif kind == highs.cb.HighsCallbackType.kCallbackMipImprovingSolution:
                x = np.asarray(data_out.mip_solution)[: self._n_x]
                if self._pool.offer(rep_from_x(self._problem, x), SOURCE):
                    self._found += 1
        except Exception as exc:  # stop HiGHS; the outcome names the error
            self._error = f"{type(exc).__name__}: {exc}"
            self._halt.set()
            data_in.user_interrupt = True

    def _run(self) -> None:
        t0 = time.perf_counter()
        try:
            self._solve(t0)
        except Exception as exc:  # a failed side engine leaves the search's plan standing
            self._error = f"{type(exc).__name__}: {exc}"
        if self._error is not None:
            self._outcome = Outcome(
                False, None, f"failed ({self._error})", time.perf_counter() - t0, self._found
            )

    def _solve(self, t0: float) -> None:
        h, self._n_x = self._model()
        h.setCallback(self._callback, None)
        h.startCallback(highs.cb.HighsCallbackType.kCallbackMipImprovingSolution)
        with self._lock:
            if self._halt.is_set():
                return
            self._highs = h
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        optimal = status == highs.HighsModelStatus.kOptimal
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
        if optimal and self._on_optimal is not None:
            self._on_optimal()
        self._outcome = Outcome(
            optimal and self._exact,
            bound if self._exact else None,
            h.modelStatusToString(status),
            time.perf_counter() - t0,
            self._found,
        )


class BranchAndCutEngine:
    """HiGHS branch-and-cut as an engine: on its own (:meth:`run`, blocking until its
    limit or a proof), or beside another engine (:meth:`beside`, in its own thread)."""

    name = HIGHS

    def supports(self, problem: Problem) -> list[str]:
        return [] if available() else ["scipy without its HiGHS bindings"]

    def beside(
        self,
        problem: Problem,
        pool: IncumbentPool,
        time_limit_s: float,
        on_optimal: Callable[[], None] | None = None,
    ) -> BranchAndCut:
        """A started run in its own thread; ``finish()`` it once the other engine is done."""
        run = BranchAndCut(problem, pool, time_limit_s, on_optimal)
        run.start()
        return run

    def run(self, problem: Problem, start: np.ndarray | None, ctx: Context) -> EngineResult | None:
        assert ctx.objective is not None
        pool = ctx.pool if ctx.pool is not None else IncumbentPool(problem, ctx.objective)
        if start is not None:
            pool.offer(start, "start plan")
        outcome = self.beside(problem, pool, ctx.budget.seconds).finish(run_to_limit=True)
        best = pool.best
        if best is None:
            return None
        proved = outcome is not None and outcome.proved
        return EngineResult(
            best.rep,
            "optimal" if proved else "feasible",
            self.name,
            outcome.wall_s if outcome is not None else ctx.budget.seconds,
            outcome.bound if outcome is not None else None,
            BOUND_SOURCE,
            search_complete=proved,
            stats=EngineStats(highs=outcome),
        )
