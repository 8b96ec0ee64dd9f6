"""When a search may end before its time limit: proved close enough, or no longer improving.

Two early stops, both optional:

- **gap tolerance** g: the search ends as soon as its best plan costs at most
  ``bound + g x |cost|``, i.e. gap = (cost - bound) / |cost| <= g, the same gap the
  certificate reports (bound: the LP or Lagrangian lower bound of the solve);
- **stall** s seconds: the search ends when no plan has improved for s seconds (a share of
  the time limit, see ``Scenario.stall_share``).

The monitor hears every plan the engines report (``report(cost, engine_bound)``, the same
calls the progress bar gets) and sets the search's stop request, which every engine
already polls. A deterministic run checks only the gap, and only inside those calls, so
where it stops depends on the search's steps and never on the clock.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from solver.interrupt import StopRequest

#: what ``StopRequest.signal_name`` holds when the monitor ended the search
GAP_REACHED = "gap tolerance"
STALLED = "stall"
#: seconds between two looks at the clock for the stall rule
STALL_POLL_S = 0.1


@dataclass(frozen=True)
class StopRules:
    """``gap_tolerance`` as a fraction (0.005 = 0.5 %); ``stall_s`` in seconds; None = off."""

    gap_tolerance: float | None = None
    stall_s: float | None = None


def gap(cost: float, bound: float | None) -> float | None:
    """(cost - bound) / |cost|, clamped at 0; None without a bound (min sense, cost points)."""
    if bound is None or not math.isfinite(bound):
        return None
    return max(0.0, cost - bound) / max(abs(cost), 1e-9)


class SearchMonitor:
    """Ends a search through ``stop`` once a :class:`StopRules` rule holds."""

    def __init__(
        self,
        rules: StopRules,
        bound: float | None,
        stop: StopRequest,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.rules = rules
        self.bound = bound
        self.stop = stop
        self._clock = clock
        self._lock = threading.Lock()
        self.best = math.inf
        self.last_improvement = clock()
        self.reason: str | None = None
        self._done = threading.Event()
        self._watch: threading.Thread | None = None

    def report(self, cost: float, engine_bound: float = math.nan) -> None:
        """A plan of exact cost ``cost`` was found (``engine_bound`` is not used)."""
        with self._lock:
            if cost < self.best - 1e-9 * max(1.0, abs(cost)):
                self.best = cost
                self.last_improvement = self._clock()
            tol = self.rules.gap_tolerance
            g = gap(self.best, self.bound)
            if tol is not None and g is not None and g <= tol:
                self._end(GAP_REACHED)

    def stalled(self) -> bool:
        """No improvement for ``stall_s`` seconds (checked by the watch thread)."""
        limit = self.rules.stall_s
        return limit is not None and self._clock() - self.last_improvement >= limit

    def _end(self, reason: str) -> None:
        if self.reason is None and not self.stop.is_set():
            self.reason = reason
            self.stop.set(reason)

    def __enter__(self) -> SearchMonitor:
        """Start watching the clock for the stall rule (a daemon thread, when it is on)."""
        self.last_improvement = self._clock()
        if self.rules.stall_s is not None:
            self._watch = threading.Thread(target=self._watch_stall, name="stall", daemon=True)
            self._watch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._watch is not None:
            self._watch.join()

    def _watch_stall(self) -> None:
        while not self._done.wait(STALL_POLL_S):
            if self.stalled():
                with self._lock:
                    self._end(STALLED)
                return
