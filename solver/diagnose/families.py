"""Which families of limit rows cannot hold together, once an engine proved a model
infeasible: the LP relaxation re-solved with each family (capacity hours, account caps,
the move budget, a balance band) dropped in turn, and the elastic LP that says by how much
the closest fractional plan still misses each limit."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from solver.diagnose.wording import relax_hints
from solver.errors import InfeasibleError
from solver.models.lp import block_rows, build_lp, solve_lp
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


def shortfalls(problem: Problem) -> list[str]:
    """By how much the limits must give for the rules to hold, in each rep's own units.

    Elastic LP: every limit row gets a slack s_r >= 0 costing 1 / max(|limit|, 1), so the
    LP finds the fractional assignment missing the limits by the least total share; the
    rows with s_r > 0 are named with s_r. A fractional plan can only miss by less than a
    real one, so each figure is the least the limit has to move.
    """
    lp = build_lp(problem)
    origin = block_rows(problem.blocks)
    n_rows = lp.a_ub.shape[0]
    if not n_rows:
        return []
    weight = np.zeros(n_rows)
    weight[: len(origin)] = 1.0 / np.maximum(np.abs(lp.b_ub[: len(origin)]), 1.0)
    slack = sp.hstack([lp.a_ub, -sp.identity(n_rows, format="csr")], format="csr")
    a_eq = sp.hstack([lp.a_eq, sp.csr_matrix((lp.a_eq.shape[0], n_rows))], format="csr")
    cost = np.concatenate([np.zeros(len(lp.c)), np.where(weight > 0, weight, 1e6)])
    bounds = np.column_stack(
        [np.zeros(len(cost)), np.concatenate([lp.upper, np.full(n_rows, np.inf)])]
    )
    res = linprog(cost, A_ub=slack, b_ub=lp.b_ub, A_eq=a_eq, b_eq=lp.b_eq, bounds=bounds)
    if res.status != 0:
        return []
    missed = res.x[len(lp.c) : len(lp.c) + len(origin)]
    out = []
    for pos in np.argsort(-missed * weight[: len(origin)])[:LISTED_SHORTFALLS]:
        if missed[pos] <= 1e-6:
            break
        k, r, floor = origin[pos]
        block = problem.blocks[k]
        unit = {"hours": " h", "accounts": " accounts"}.get(block.kind, "")
        limit = block.lower[r] if floor else block.upper[r]
        side = "floor" if floor else "ceiling"
        out.append(
            f"even with accounts split between reps, {block.rule} of {block.labels[r]} "
            f"misses its {side} of {limit:,.1f}{unit} by at least {missed[pos]:,.1f}{unit}"
        )
    return out
