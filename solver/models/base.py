"""What every engine returns, and the helpers engines share (pair lookup, integer scaling)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from solver.problem import Problem

if TYPE_CHECKING:
    from solver.models.branch_and_cut import Outcome
    from solver.models.engine import Relaxation
    from solver.models.lns import SearchStats


class ModelInfeasible(Exception):
    """An engine proved its model has no plan. Engines never explain why: the pipeline
    asks :mod:`solver.diagnose` for that, in business words."""


@dataclass(frozen=True)
class EngineStats:
    """What the engines of a solve counted, typed (the note says the same in words)."""

    #: the neighbourhood search's counters (steps, improving steps, start and end cost)
    search: SearchStats | None = None
    #: HiGHS branch-and-cut's run, alone or beside the search (status, proof, plans found)
    highs: Outcome | None = None
    #: who found the plan returned, when engines in several threads offered plans
    plan_by: str | None = None


@dataclass(frozen=True)
class EngineResult:
    """A complete assignment (rep index per customer) and what the engine knows about it."""

    rep: np.ndarray | None  # None: a bound engine that has no plan to offer
    status: str  # "optimal" (proved for the engine's model) or "feasible"
    engine: str
    wall_s: float
    engine_bound: float | None = None  # the engine's own lower bound (min sense), if any
    bound_source: str = ""  # how engine_bound was obtained, for the certificate
    note: str = ""
    search_complete: bool = False  # the engine proved its own model optimal (CP-SAT OPTIMAL)
    #: a bound engine's relaxation (reduced costs, fractional solution) for the next engines
    relaxation: Relaxation | None = None
    #: the engines' typed counters
    stats: EngineStats | None = None


def rep_from_x(problem: Problem, x: np.ndarray) -> np.ndarray:
    """Rep per customer from a 0/1 (or fractional: largest share) pair vector."""
    starts = problem.customer_starts()
    order = np.lexsort((problem.pair_cost, -x, problem.pair_customer))
    first = order[starts[:-1]]
    return problem.pair_rep[first]
