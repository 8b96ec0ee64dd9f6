"""Which families of limit rows cannot hold together, once an engine proved a model
infeasible: the LP relaxation re-solved with each family (capacity hours, account caps,
the move budget) dropped in turn."""

from __future__ import annotations

from solver.diagnose.wording import relax_hints
from solver.errors import InfeasibleError
from solver.models.lp import solve_lp
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
    names = culprits or [b.rule for b in problem.blocks]
    return InfeasibleError(reasons, relax_hints(names))
