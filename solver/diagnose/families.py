"""Which families of limit rows cannot hold together, once an engine proved a model
infeasible: the LP relaxation re-solved with each family (capacity hours, account caps,
the move budget, a balance band) dropped in turn, and the elastic LP that says by how much
the closest fractional plan still misses each limit."""

from __future__ import annotations

import numpy as np

from solver.diagnose.phase_one import PhaseOne, elastic_lp
from solver.diagnose.wording import relax_hints
from solver.errors import InfeasibleError
from solver.models.lp import block_rows, solve_lp
from solver.problem import Problem


def diagnose_blocks(problem: Problem) -> InfeasibleError:
    """Name the row families whose removal makes the LP relaxation feasible."""
    culprits = []
    for k, block in enumerate(problem.blocks):
        rest = problem.blocks[:k] + problem.blocks[k + 1 :]
        if solve_lp(problem, blocks=rest).feasible:
            culprits.append(block.rule)
    if culprits:
        reasons = [
            f"the {', '.join(culprits)} rule(s) cannot hold together with the "
            "protections, locks and eligibility rules"
        ]
    else:
        reasons = [
            "the capacity, account and move-budget rules conflict in combination "
            f"({', '.join(b.rule for b in problem.blocks)})"
        ]
    reasons += shortfalls(problem)
    names = culprits or [b.rule for b in problem.blocks]
    return InfeasibleError(reasons, relax_hints(names))


#: limits listed by the elastic LP
LISTED_SHORTFALLS = 6


def shortfalls(problem: Problem, phase: PhaseOne | None = None) -> list[str]:
    """By how much the limits must give for the rules to hold, in each rep's own units,
    from the elastic LP (:mod:`solver.diagnose.phase_one`): the rows the closest fractional
    plan misses, with by how much and which share of the limit it reaches. A fractional
    plan can only miss by less than a real one."""
    phase = phase if phase is not None else elastic_lp(problem)
    origin = block_rows(problem.blocks)
    if not phase.solved or not len(origin):
        return []
    missed = phase.missed
    limits = np.array([problem.blocks[k].lower[r] if f else problem.blocks[k].upper[r]
                       for k, r, f in origin])  # fmt: skip
    out = []
    for pos in np.argsort(-missed / np.maximum(np.abs(limits), 1.0))[:LISTED_SHORTFALLS]:
        if missed[pos] <= 1e-6:
            break
        k, r, floor = origin[pos]
        block = problem.blocks[k]
        unit = {"hours": " h", "accounts": " accounts"}.get(block.kind, "")
        limit = limits[pos]
        if floor:
            reach = (limit - missed[pos]) / limit if limit > 0 else 0.0
            out.append(
                f"even with accounts split between reps, rep {block.labels[r]} reaches only "
                f"{reach:.2f} of its {block.rule} floor: {limit - missed[pos]:,.1f}{unit} "
                f"against a floor of {limit:,.1f}{unit}"
            )
        else:
            out.append(
                f"even with accounts split between reps, {block.rule} of {block.labels[r]} "
                f"ends {missed[pos]:,.1f}{unit} above its ceiling of {limit:,.1f}{unit}"
            )
    return out
