"""The pipeline's entry points: explain a proved infeasibility, or a solve without a plan."""

from __future__ import annotations

from solver.diagnose.core import conflict_core, explain_conflict
from solver.diagnose.families import diagnose_blocks
from solver.errors import InfeasibleError
from solver.problem import Problem

#: the conflict core (one CP-SAT model over every pair) is tried up to this many pairs
CORE_MAX_PAIRS = 200_000


def explain_infeasibility(problem: Problem, time_limit_s: float = 30.0) -> InfeasibleError:
    """The conflict core in business words; the family diagnosis when CP-SAT finds no core
    in time (or finds a plan: then the families that cannot hold together are named)."""
    core = conflict_core(problem, time_limit_s)
    if core:
        return explain_conflict(problem, core)
    return diagnose_blocks(problem)


def explain_no_plan(problem: Problem, time_limit_s: float) -> InfeasibleError | None:
    """When a solve ends without any plan: the conflict core if CP-SAT proves one within
    ``time_limit_s`` on a model small enough for it, else None (no plan in time)."""
    if len(problem.pair_rep) > CORE_MAX_PAIRS:
        return None
    core = conflict_core(problem, time_limit_s)
    return explain_conflict(problem, core) if core else None
