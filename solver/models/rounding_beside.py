"""Plans from the restricted LP's rounds, made in a thread while the next round solves.

HiGHS solves each restricted LP (:mod:`solver.models.lp_start`) on one core and releases
the interpreter lock while it does, so a second core is free for as long as the rounds
last: on clustered 100,000 x 1,000, 9 rounds of 11 to 35 s each, while the plan a user
saw was the first plan, 24 % above the bound. :class:`RoundingBeside` takes the newest
round's solution, rounds it (:func:`solver.models.lp_start.round_lp`, CP-SAT on one
worker), and improves it by the exact local moves onto each account's cheapest pairs by
that round's reduced costs (:func:`solver.models.first_plan.descents`). It hands every plan
to ``on_plan``, and keeps the cheapest. A newer round's solution cuts the descent short:
rounding a better LP solution gains more than descending from a worse one. Only a round
that took ``min_round_s`` or more is rounded while the next one solves (the next one
likely takes as long, time for the mend: about 5 s at 100,000 x 1,000); a quicker round's
solution waits, since the rounds may be over before its rounding is. At
:meth:`RoundingBeside.close` (the rounds are over) the solution not yet taken is rounded on
every worker, without the descent: the search that follows begins with it.

Every plan it hands on keeps every hard row (the mend and the moves keep them).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np

from solver.interrupt import StopRequest
from solver.models.first_plan import descents
from solver.models.lp_start import Params, round_lp
from solver.problem import Problem

#: on_plan(plan) -> its cost (cost points): hears each plan the thread makes
OnPlan = Callable[[np.ndarray], float]
#: rounds quicker than this (seconds) are not rounded beside the next: on clustered
#: 10,000 x 100 with both bands (rounds of 1 to 7 s, the mend 2 to 4 s) rounding them
#: beside held the search's start back by about 1 s; on clustered 100,000 x 1,000 the
#: rounds took 11 to 35 s
MIN_ROUND_S = 10.0


class RoundingBeside:
    """A thread that rounds the newest LP solution offered (module docstring); ``close()``
    ends it and returns the cheapest plan made, with its cost."""

    def __init__(
        self,
        problem: Problem,
        on_plan: OnPlan,
        deadline: float,
        round_s: float,
        seed: int = 0,
        workers: int = 1,
        per_rep: int = 8,
        params: Params | None = None,
        min_round_s: float = MIN_ROUND_S,
        stop: StopRequest | None = None,
    ) -> None:
        self.problem, self.on_plan = problem, on_plan
        self.deadline, self.round_s, self.seed, self.workers = deadline, round_s, seed, workers
        self.per_rep, self.params, self.min_round_s = per_rep, params or Params(), min_round_s
        self.best: np.ndarray | None = None
        self.best_cost = math.inf
        self.rounded = 0  # solutions rounded into a plan
        self._offered: tuple[np.ndarray, np.ndarray] | None = None
        self._eager = False  # the solution offered came from a slow round: round it now
        self._stop = stop  # the solve's: ends any descent too
        self._newer = StopRequest(stop)  # set when a newer solution waits, or at close
        self._closed = False
        self._failed: BaseException | None = None
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="rounding beside", daemon=True)
        self._thread.start()

    def offer(self, x: np.ndarray, excess: np.ndarray, took_s: float = math.inf) -> None:
        """A round's solution ``x`` and its reduced costs over the cheapest ``excess``
        (both per pair), from a round of ``took_s`` seconds: the next to round, replacing
        any not yet taken; now if the round was slow (module docstring), else at close."""
        with self._wake:
            self._offered = (x, excess)
            self._eager = took_s >= self.min_round_s
            if self._eager:
                self._newer.set()
                self._wake.notify()

    def close(self) -> tuple[np.ndarray | None, float]:
        """Cut the descent short, round the solution not yet taken (module docstring), end
        the thread and return the cheapest plan made (None, inf when there is none).
        Re-raises what the thread raised."""
        with self._wake:
            self._closed = True
            self._newer.set()
            self._wake.notify()
        self._thread.join()
        if self._failed is not None:
            raise self._failed
        return self.best, self.best_cost

    def abandon(self) -> None:
        """Drop the solution not yet taken and tell the thread to end, without waiting for
        it (the caller is unwinding from an error: the thread's plans are of no use)."""
        with self._wake:
            self._closed, self._offered = True, None
            self._newer.set()
            self._wake.notify()

    def _take(self) -> tuple[np.ndarray, np.ndarray, StopRequest, bool] | None:
        """The next solution to round, its stop and whether the rounds are over; None when
        they are and none is left."""
        with self._wake:
            while not (self._offered is not None and self._eager) and not self._closed:
                self._wake.wait()
            if self._offered is None:
                return None
            (x, excess), self._offered = self._offered, None
            self._newer = StopRequest(self._stop)
            if self._closed:
                self._newer.set()
            return x, excess, self._newer, self._closed

    def _work(self) -> None:
        try:
            while (job := self._take()) is not None:
                self._round(*job)
        except BaseException as error:  # handed to the caller at close()
            self._failed = error

    def _round(self, x: np.ndarray, excess: np.ndarray, newer: StopRequest, last: bool) -> None:
        ends = min(self.deadline, time.perf_counter() + self.round_s)
        seed = self.seed + self.rounded
        workers = self.workers if last else 1  # HiGHS has the other core while rounds run
        plan = round_lp(self.problem, x, excess, ends, seed, workers, self.params)
        if plan is None:
            return
        self.rounded += 1
        self._heard(plan)
        if not last:
            descents(self.problem, plan, excess, self.deadline, newer, self.per_rep, self._heard)

    def _heard(self, plan: np.ndarray) -> float:
        cost = self.on_plan(plan)
        if cost < self.best_cost:
            self.best, self.best_cost = plan.copy(), cost
        return cost
