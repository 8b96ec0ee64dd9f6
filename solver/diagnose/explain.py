"""The pipeline's entry points: explain a proved infeasibility, or a solve without a plan.

The LP decides first: when the limits cannot hold even with accounts split between reps
(the elastic LP of :mod:`solver.diagnose.phase_one`, a fraction of a second on small
models), its certificate, shrunk by a deletion filter of LP solves, names the limits, and
the closest split plan says how far each is out of reach. Only limits that hold
fractionally but not in whole accounts go to the CP-SAT conflict core.
"""

from __future__ import annotations

import time

import numpy as np

from solver.diagnose.core import Limit, conflict_core, explain_conflict, limits_of
from solver.diagnose.families import diagnose_blocks, shortfalls
from solver.diagnose.phase_one import PhaseOne, dual_phase_one, elastic_lp, minimal_rows
from solver.errors import InfeasibleError
from solver.models.lp import Pricing
from solver.problem import Problem

#: the conflict core (one CP-SAT model over every pair) is tried up to this many pairs
CORE_MAX_PAIRS = 200_000


def explain_infeasibility(problem: Problem, time_limit_s: float = 30.0) -> InfeasibleError:
    """The LP's conflicting limits when the LP proves them; else the CP-SAT conflict core
    in business words; the family diagnosis when CP-SAT finds no core in time (or finds a
    plan: then the families that cannot hold together are named)."""
    deadline = time.perf_counter() + time_limit_s
    phase = elastic_lp(problem, time_limit_s)
    if phase.proved:
        return explain_phase_one(problem, phase, deadline)
    core = conflict_core(problem, max(deadline - time.perf_counter(), 1.0))
    if core:
        return explain_conflict(problem, core)
    return diagnose_blocks(problem)


def explain_phase_one(problem: Problem, phase: PhaseOne, deadline: float) -> InfeasibleError:
    """The limits the certificate of ``phase`` blames, with how far the floors are out of
    reach (or the closest split plan's shortfalls). On models the LP solves whole, the
    LP's own certificate, shrunk to a minimal set while time allows."""
    if len(problem.pair_rep) < Pricing().min_pairs:  # the LP's own certificate, shrunk
        exact = elastic_lp(problem, max(deadline - time.perf_counter(), 1.0))
        phase = exact if exact.proved else phase
        rows = minimal_rows(problem, phase.blamed, deadline)
    else:
        rows = phase.blamed
    core = limits_of(problem, rows)
    reach = floors_out_of_reach(problem, core) or shortfalls(problem, phase)
    return explain_conflict(problem, core, reach)


def floors_out_of_reach(problem: Problem, core: list[Limit]) -> list[str]:
    """Per rule, the floors of the core's reps against all the accounts those reps may
    own could carry to them together (each account counted once, on its heaviest pair):
    "R1, R2 can reach at most 0.56 of their floors under balance_band[value]: ..."."""
    out = []
    for block in problem.blocks:
        mine = [lim for lim in core if lim.floor and lim.rule == block.rule]
        if not mine:
            continue
        rows = np.array([block.labels.index(lim.label) for lim in mine])
        need = float(block.lower[rows].sum())
        into = np.isin(block.row, rows)
        most = np.zeros(problem.n)
        np.maximum.at(most, problem.pair_customer[into], block.coeff[into])
        reach = float(most.sum())
        if reach < need - 1e-9:
            names = ", ".join(lim.label for lim in mine)
            unit = f" {mine[0].unit}" if mine[0].unit else ""
            whose = "their floors" if len(mine) > 1 else "its floor"
            out.append(
                f"{names} can reach at most {reach / need:.2f} of {whose} under {block.rule}: "
                f"the accounts they may own (eligible, not protected or locked elsewhere) "
                f"carry {reach:,.1f}{unit} against {need:,.1f}{unit}"
            )
    return out


def explain_no_plan(problem: Problem, time_limit_s: float) -> InfeasibleError | None:
    """When a solve ends without any plan: the conflict core if CP-SAT proves one within
    ``time_limit_s`` on a model small enough for it; on a larger one the elastic LP's dual
    (:func:`solver.diagnose.phase_one.dual_phase_one`) and the limits it blames when it
    proves them out of reach (a hand-made 8,000 x 60 book whose move budget left the
    hours and account ceilings out of reach: 0.45 s); else None (no plan in time)."""
    deadline = time.perf_counter() + time_limit_s
    if len(problem.pair_rep) > CORE_MAX_PAIRS:
        phase = dual_phase_one(problem, time_limit_s)
        return explain_phase_one(problem, phase, deadline) if phase.proved else None
    core = conflict_core(problem, time_limit_s)
    return explain_conflict(problem, core) if core else None
