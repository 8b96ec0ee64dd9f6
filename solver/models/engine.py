"""One interface for every engine: a name, what it cannot model, and one run method.

An engine is anything that looks at a :class:`~solver.problem.Problem` and returns an
:class:`~solver.models.base.EngineResult`: a plan (min-cost flow, CP-SAT, the
neighbourhood search, HiGHS), a lower bound (the LP relaxation, its Lagrangian dual), or
both. Every engine takes the same three things:

- the problem (engines never read files, frames or rules);
- a start plan (rep index per customer) or None;
- a :class:`Context`: the budget, seed, workers, stop request, progress report, the plan
  pool shared with engines in other threads, the exact objective, and what a bound engine
  learnt of the relaxation (reduced costs, fractional solution).

``supports(problem)`` lists what the engine cannot model, so a request it cannot honour
fails with that list instead of silently dropping a term (:func:`require`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from solver.errors import EngineCapabilityError

if TYPE_CHECKING:
    from solver.interrupt import StopRequest
    from solver.models.base import EngineResult
    from solver.models.incumbents import IncumbentPool
    from solver.problem import Problem

#: progress(cost, engine_bound): hears every plan an engine finds (cost points, min sense)
Report = Callable[[float, float], None]


@dataclass(frozen=True)
class Budget:
    """How long one engine run may take: ``seconds`` of wall clock, or, when
    ``deterministic``, the same figure in the engine's own unit of work (CP-SAT
    deterministic seconds, neighbourhood steps of ``STEP_LIMIT_S``), so the run does not
    depend on the machine's load."""

    seconds: float
    deterministic: bool = False


@dataclass(frozen=True)
class Relaxation:
    """What a bound engine learnt beside its bound, for the engines after it.

    ``excess[p]``: reduced cost of pair p above its customer's cheapest (>= 0); a plan
    using p costs at least ``lagrangian_bound + excess[p]``. ``x``: the fractional (LP) or
    chosen (Lagrangian) pair values. ``total_load``: the load the relaxation spreads over
    the reps (the balance targets of CP-SAT's fixed-target model).
    """

    bound: float | None
    x: np.ndarray | None = None
    excess: np.ndarray | None = None
    lagrangian_bound: float | None = None
    total_load: float | None = None


@dataclass(frozen=True)
class Context:
    """Everything an engine run is given besides the problem and its start plan."""

    budget: Budget
    seed: int = 0
    workers: int = 1
    stop: StopRequest | None = None
    progress: Report | None = None
    pool: IncumbentPool | None = None
    objective: Callable[[np.ndarray], float] | None = None  # exact cost of a plan
    relaxation: Relaxation | None = None
    local_moves: bool = True  # the neighbourhood search also runs exact shifts

    def with_budget(self, seconds: float) -> Context:
        return dataclasses.replace(self, budget=Budget(seconds, self.budget.deterministic))


class Engine(Protocol):
    """The protocol every engine implements (see the module docstring)."""

    #: stable name: scenario choice, registry key, certificate entry
    name: str
    #: how its ``engine_bound`` is obtained, for the certificate ('' when it gives none)
    bound_source: str

    def supports(self, problem: Problem) -> list[str]:
        """What in ``problem`` this engine cannot model, in words (empty: everything)."""
        ...

    def run(self, problem: Problem, start: np.ndarray | None, ctx: Context) -> EngineResult | None:
        """The engine's plan and/or bound, or None when it found no plan in its budget.
        Raises :class:`~solver.models.base.ModelInfeasible` when it proves there is none."""
        ...


def require(engine: Engine, problem: Problem) -> None:
    """Raise :class:`EngineCapabilityError` naming what ``engine`` cannot model."""
    missing = engine.supports(problem)
    if missing:
        raise EngineCapabilityError(
            f"the {engine.name} engine cannot handle "
            + "; ".join(missing)
            + '. Use engine = "cpsat" or "auto".'
        )
