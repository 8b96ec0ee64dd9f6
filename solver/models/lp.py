"""LP relaxation with HiGHS (through scipy.optimize): the lower bound and a warm start.

Variables: x_p in [0, 1] per candidate pair; with balance, the total load W >= 0 and one
deviation d_j >= 0 per active rep. Minimise sum_p c_p x_p + w sum_j d_j subject to
sum_{p of i} x_p = 1 for each customer, every row block, W = sum_p load_p x_p and
|L_j - s_j W| <= d_j. Its optimum is a lower bound on every plan's cost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from solver.constraints import RowBlock
from solver.problem import Problem


@dataclass(frozen=True)
class LinearProgram:
    c: np.ndarray
    a_ub: sp.csr_matrix
    b_ub: np.ndarray
    a_eq: sp.csr_matrix
    b_eq: np.ndarray
    upper: np.ndarray  # variable upper bounds (lower bounds are all 0)
    n_x: int  # the first n_x variables are the pair variables


@dataclass(frozen=True)
class LPResult:
    feasible: bool
    status: str
    bound: float | None  # optimal LP objective (min sense); None when not solved
    x: np.ndarray | None
    wall_s: float
    integral: bool = False  # milp: x is a 0/1 solution


def build_lp(problem: Problem, blocks: tuple[RowBlock, ...] | None = None) -> LinearProgram:
    blocks = problem.blocks if blocks is None else blocks
    n_x = len(problem.pair_rep)
    cols_x = np.arange(n_x)
    bal = problem.balance
    active = np.flatnonzero(bal.active) if bal is not None else np.zeros(0, dtype=np.int64)
    n_var = n_x + (1 + len(active) if bal is not None else 0)

    c = np.zeros(n_var)
    c[:n_x] = problem.pair_cost
    upper = np.full(n_var, np.inf)
    upper[:n_x] = 1.0

    eq_rows = [problem.pair_customer]
    eq_cols = [cols_x]
    eq_vals = [np.ones(n_x)]
    b_eq = [np.ones(problem.n)]

    ub_rows, ub_cols, ub_vals, b_ub = [], [], [], []
    offset = 0
    for block in blocks:
        sel = block.row >= 0
        ub_rows.append(block.row[sel] + offset)
        ub_cols.append(cols_x[sel])
        ub_vals.append(block.coeff[sel])
        b_ub.append(block.upper)
        offset += len(block.upper)

    if bal is not None:
        w_col = n_x
        c[n_x + 1 :] = bal.weight
        # W - sum load x = 0
        eq_rows += [np.full(n_x, problem.n), [problem.n]]
        eq_cols += [cols_x, [w_col]]
        eq_vals += [-problem.pair_load, [1.0]]
        b_eq.append([0.0])
        row_of_rep = np.full(problem.m, -1)
        row_of_rep[active] = np.arange(len(active))
        r = row_of_rep[problem.pair_rep]
        sel = r >= 0
        for sign in (1.0, -1.0):
            # sign (L_j - s_j W) - d_j <= 0
            ub_rows += [
                r[sel] + offset,
                np.arange(len(active)) + offset,
                np.arange(len(active)) + offset,
            ]
            ub_cols += [cols_x[sel], np.full(len(active), w_col), n_x + 1 + np.arange(len(active))]
            ub_vals += [
                sign * problem.pair_load[sel],
                -sign * bal.shares[active],
                -np.ones(len(active)),
            ]
            b_ub.append(np.zeros(len(active)))
            offset += len(active)

    n_eq = problem.n + (1 if bal is not None else 0)
    a_eq = sp.csr_matrix(
        (np.concatenate(eq_vals), (np.concatenate(eq_rows), np.concatenate(eq_cols))),
        shape=(n_eq, n_var),
    )
    if ub_rows:
        a_ub = sp.csr_matrix(
            (np.concatenate(ub_vals), (np.concatenate(ub_rows), np.concatenate(ub_cols))),
            shape=(offset, n_var),
        )
        b = np.concatenate(b_ub).astype(float)
    else:
        a_ub, b = sp.csr_matrix((0, n_var)), np.zeros(0)
    return LinearProgram(c, a_ub, b, a_eq, np.concatenate(b_eq).astype(float), upper, n_x)


def solve_lp(
    problem: Problem, blocks: tuple[RowBlock, ...] | None = None, time_limit_s: float | None = None
) -> LPResult:
    """Solve the LP relaxation; ``bound`` is a valid lower bound when status is optimal."""
    lp = build_lp(problem, blocks)
    start = time.perf_counter()
    options = {"presolve": True}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    res = linprog(
        lp.c,
        A_ub=lp.a_ub if lp.a_ub.shape[0] else None,
        b_ub=lp.b_ub if lp.a_ub.shape[0] else None,
        A_eq=lp.a_eq,
        b_eq=lp.b_eq,
        bounds=np.column_stack([np.zeros(len(lp.c)), lp.upper]),
        method="highs",
        options=options,
    )
    wall = time.perf_counter() - start
    if res.status == 0:
        return LPResult(True, "optimal", float(res.fun), res.x[: lp.n_x], wall)
    if res.status == 2:
        return LPResult(False, "infeasible", None, None, wall)
    return LPResult(True, "unknown", None, None, wall)


def solve_milp(problem: Problem, time_limit_s: float, gap: float = 1e-6) -> LPResult:
    """HiGHS branch-and-bound on the same model with x integral (scipy.optimize.milp)."""
    lp = build_lp(problem)
    integrality = np.zeros(len(lp.c))
    integrality[: lp.n_x] = 1
    constraints = [LinearConstraint(lp.a_eq, lp.b_eq, lp.b_eq)]
    if lp.a_ub.shape[0]:
        constraints.append(LinearConstraint(lp.a_ub, -np.inf, lp.b_ub))
    start = time.perf_counter()
    res = milp(
        lp.c,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(np.zeros(len(lp.c)), lp.upper),
        options={"time_limit": float(time_limit_s), "mip_rel_gap": gap, "disp": False},
    )
    wall = time.perf_counter() - start
    if res.x is None:
        status = "infeasible" if res.status == 2 else "no_solution"
        return LPResult(res.status != 2, status, None, None, wall)
    bound = getattr(res, "mip_dual_bound", None)
    status = "optimal" if res.status == 0 else "feasible"
    return LPResult(
        True,
        status,
        None if bound is None else float(bound),
        np.round(res.x[: lp.n_x]),
        wall,
        integral=True,
    )
