"""LP relaxation with HiGHS (through scipy.optimize): the lower bound and a warm start.

Variables: x_p in [0, 1] per candidate pair; with balance, the total load W >= 0 and, per
active rep, its load L_j >= 0 and deviation d_j >= 0. Minimise sum_p c_p x_p + w sum_j d_j
subject to sum_{p of i} x_p = 1 for each customer, every row block (its ceilings, and its
floors written as -sum a x <= -lower), L_j = sum_{p of j}
load_p x_p, W = sum_p load_p x_p and |L_j - s_j W| <= d_j. Each soft balance band
(solver.objectives.bands) adds, per priced rep, e_j >= 0 costing price_j with
sum_{p of j} a_p x_p - e_j <= upper_j and lower_j - sum_{p of j} a_p x_p - e_j <= 0. Its
optimum is a lower bound on every plan's cost.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from solver.constraints import RowBlock
from solver.models.base import EngineResult, ModelInfeasible, rep_from_x
from solver.models.engine import Context, Relaxation
from solver.models.names import LP, MILP
from solver.models.warmstart import lp_rounding
from solver.objectives.bands import SoftBand
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
    #: per pair, reduced cost above the cheapest reduced cost of its customer (>= 0): a plan
    #: using pair p costs at least ``lagrangian_bound + excess[p]``
    excess: np.ndarray | None = None
    lagrangian_bound: float | None = None


def build_lp(problem: Problem, blocks: tuple[RowBlock, ...] | None = None) -> LinearProgram:
    blocks = problem.blocks if blocks is None else blocks
    n_x = len(problem.pair_rep)
    cols_x = np.arange(n_x)
    bal = problem.balance
    active = np.flatnonzero(bal.active) if bal is not None else np.zeros(0, dtype=np.int64)
    n_var = n_x + (1 + 2 * len(active) if bal is not None else 0)
    soft_reps = [np.flatnonzero(t.price > 0) for t in problem.soft]
    soft_col = n_var
    n_var += sum(len(r) for r in soft_reps)

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
        floored = block.lower > 0  # a floor as -sum a x <= -lower, only where there is one
        if floored.any():
            new_row = np.full(len(block.upper), -1)
            new_row[floored] = np.arange(int(floored.sum())) + offset
            r = new_row[np.where(sel, block.row, 0)]
            on = sel & (r >= 0)
            ub_rows.append(r[on])
            ub_cols.append(cols_x[on])
            ub_vals.append(-block.coeff[on])
            b_ub.append(-block.lower[floored])
            offset += int(floored.sum())

    n_eq = problem.n
    if bal is not None:
        # columns: W (total load), d_j, then L_j (load of active rep j); sparse rows
        # L_j - sum_{p of j} load_p x_p = 0, W - sum_j L_j - (load on other reps) = 0 and
        # +-(L_j - s_j W) - d_j <= 0: every pair appears in one balance row, not three
        na = len(active)
        w_col, d_cols, l_cols = n_x, n_x + 1 + np.arange(na), n_x + 1 + na + np.arange(na)
        c[d_cols] = bal.weight
        row_of_rep = np.full(problem.m, -1)
        row_of_rep[active] = np.arange(na)
        r = row_of_rep[problem.pair_rep]
        sel = r >= 0
        eq_rows += [r[sel] + n_eq, np.arange(na) + n_eq]
        eq_cols += [cols_x[sel], l_cols]
        eq_vals += [-problem.pair_load[sel], np.ones(na)]
        b_eq.append(np.zeros(na))
        n_eq += na
        eq_rows += [np.full(int((~sel).sum()) + na + 1, n_eq)]
        eq_cols += [np.concatenate([cols_x[~sel], l_cols, [w_col]])]
        eq_vals += [np.concatenate([-problem.pair_load[~sel], -np.ones(na), [1.0]])]
        b_eq.append([0.0])
        n_eq += 1
        for sign in (1.0, -1.0):
            rows = np.arange(na) + offset
            ub_rows += [rows, rows, rows]
            ub_cols += [l_cols, np.full(na, w_col), d_cols]
            ub_vals += [np.full(na, sign), -sign * bal.shares[active], -np.ones(na)]
            b_ub.append(np.zeros(na))
            offset += na

    for term, reps in zip(problem.soft, soft_reps, strict=True):
        offset, soft_col = _soft_rows(
            problem, term, reps, soft_col, offset, c, (ub_rows, ub_cols, ub_vals, b_ub)
        )

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


def _soft_rows(
    problem: Problem,
    term: SoftBand,
    reps: np.ndarray,
    col: int,
    offset: int,
    c: np.ndarray,
    ub: tuple[list, list, list, list],
) -> tuple[int, int]:
    """The two rows per priced rep of one soft band and its excess columns e_j (written
    into ``c`` and the row lists ``ub``); returns the next row offset and column."""
    ub_rows, ub_cols, ub_vals, b_ub = ub
    k = len(reps)
    row_of_rep = np.full(problem.m, -1)
    row_of_rep[reps] = np.arange(k)
    r = row_of_rep[problem.pair_rep]
    on = r >= 0
    e_cols = col + np.arange(k)
    c[e_cols] = term.price[reps]
    for sign, limit in ((1.0, term.upper[reps]), (-1.0, -term.lower[reps])):
        ub_rows += [r[on] + offset, np.arange(k) + offset]
        ub_cols += [np.flatnonzero(on), e_cols]
        ub_vals += [sign * term.load[on], -np.ones(k)]
        b_ub.append(limit)
        offset += k
    return offset, col + k


def block_rows(blocks: tuple[RowBlock, ...]) -> list[tuple[int, int, bool]]:
    """(block index, row, is a floor) of each <= row :func:`build_lp` makes from ``blocks``,
    in its order (the balance rows follow them)."""
    out = []
    for k, block in enumerate(blocks):
        out += [(k, r, False) for r in range(len(block.upper))]
        out += [(k, int(r), True) for r in np.flatnonzero(block.lower > 0)]
    return out


@dataclass(frozen=True)
class Pricing:
    """Column generation for large LPs: from ``min_pairs`` pairs the LP starts from each
    customer's ``start_k`` cheapest pairs and adds, per round (at most ``rounds``), up to
    ``add_k`` pairs per customer whose reduced cost is negative."""

    min_pairs: int = 150_000
    start_k: int = 8
    add_k: int = 4
    rounds: int = 30


def _linprog(
    lp: LinearProgram, cols: np.ndarray | None, time_limit_s: float | None, method: str = "highs"
):
    """HiGHS on the LP, or on the columns ``cols`` of it (the rest fixed at 0)."""
    c, a_ub, a_eq, upper = lp.c, lp.a_ub, lp.a_eq, lp.upper
    if cols is not None:
        c, a_ub, a_eq, upper = c[cols], a_ub[:, cols], a_eq[:, cols], upper[cols]
    options: dict = {"presolve": True}
    if time_limit_s is not None:
        options["time_limit"] = max(float(time_limit_s), 0.1)
    return linprog(
        c,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=lp.b_ub if a_ub.shape[0] else None,
        A_eq=a_eq,
        b_eq=lp.b_eq,
        bounds=np.column_stack([np.zeros(len(c)), upper]),
        method=method,
        options=options,
    )


def solve_lp(
    problem: Problem,
    blocks: tuple[RowBlock, ...] | None = None,
    time_limit_s: float | None = None,
    pricing: Pricing | None = None,
) -> LPResult:
    """Solve the LP relaxation; ``bound`` is a valid lower bound when status is optimal."""
    pricing = pricing or Pricing()
    lp = build_lp(problem, blocks)
    start = time.perf_counter()
    if lp.n_x >= pricing.min_pairs:
        priced = _solve_by_pricing(problem, lp, time_limit_s, pricing)
        if priced is not None:
            bound, x, excess = priced
            wall = time.perf_counter() - start
            return LPResult(True, "optimal", bound, x, wall, False, excess, bound)
    res = _linprog(lp, None, time_limit_s)
    wall = time.perf_counter() - start
    if res.status == 0:
        u = res.eqlin.marginals
        v = res.ineqlin.marginals if lp.a_ub.shape[0] else np.zeros(0)
        lagrangian, excess, _ = _dual_view(problem, lp, u, v)
        return LPResult(
            True,
            "optimal",
            float(res.fun),
            res.x[: lp.n_x],
            wall,
            False,
            excess,
            min(lagrangian, float(res.fun)),
        )
    if res.status == 2:
        return LPResult(False, "infeasible", None, None, wall)
    return LPResult(True, "unknown", None, None, wall)


def _dual_view(
    problem: Problem, lp: LinearProgram, u: np.ndarray, v: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Lagrangian bound, per-pair excess and reduced costs for row duals u, v (v <= 0).

    d = c - A_eq'u - A_ub'v over the pairs; with m_i the least d of customer i, every
    feasible x costs at least u'b_eq + v'b_ub + sum_i m_i + sum_p (d_p - m_i) x_p, because
    each customer's x sums to 1 (the balance columns have d >= 0 at an LP optimum).
    """
    n_x = lp.n_x
    reduced = lp.c[:n_x] - lp.a_eq[:, :n_x].T @ u
    if len(v):
        reduced = reduced - lp.a_ub[:, :n_x].T @ v
    starts = problem.customer_starts()[:-1]
    least = np.minimum.reduceat(reduced, starts)
    bound = float(u @ lp.b_eq + (v @ lp.b_ub if len(v) else 0.0) + least.sum())
    return bound, reduced - least[problem.pair_customer], reduced


@dataclass(frozen=True)
class PricedRound:
    """One round of column generation: the restricted LP's solution on all pairs (0 off
    the columns), the priced bound (valid for every plan, see :func:`pricing_rounds`), the
    per-pair excess at its duals, and how the round ended."""

    bound: float
    x: np.ndarray
    excess: np.ndarray
    objective: float  # the restricted LP's optimum (no bound: pairs are missing)
    slack: float  # largest artificial slack: 0 when the restricted rows all hold
    entering: int  # pairs priced below zero, added for the next round


def pricing_rounds(
    problem: Problem,
    lp: LinearProgram,
    keep: np.ndarray,
    deadline: float | None,
    rounds: int,
    add_k: int,
    narrow: int | None = None,
) -> Iterator[PricedRound]:
    """Column generation over the pair variables from the pairs ``keep``: one
    :class:`PricedRound` per restricted LP solved, until none is priced below zero,
    ``rounds`` rounds, or ``deadline`` (perf_counter seconds; a round cut short yields
    nothing).

    Bound: for duals u (customer rows), v <= 0 (rows <=) of the restricted LP and reduced
    costs d = c - A_eq'u - A_ub'v over all pairs, every feasible x has
    c'x >= u'b_eq + v'b_ub + sum_i min(0, min_{p of i} d_p), since each customer's x sums to
    1 (x <= 1 is implied, so it is left out). That is valid at every round and equals the
    full LP optimum once no reduced cost is negative. Every <= row has an artificial slack
    (:func:`_with_artificial_slacks`), so each restricted LP is feasible; the bound needs
    no slack column, so it holds at any price of theirs.

    With ``narrow`` each later round keeps only the pairs of the last solution, each
    customer's ``narrow`` lowest by the last round's reduced cost and the entering pairs:
    the bound stays valid (it prices every pair), and the smaller LPs solve far faster
    (clustered 10,000 x 100 with both bands: round 1 on 39,202 pairs 12 s, the next five
    on about 20,000 pairs 1.3 to 3.3 s each, ending at the LP optimum).
    """
    n_x = lp.n_x
    lp = _with_artificial_slacks(lp)
    cost = lp.c[:n_x]
    keep = keep | (problem.forced[problem.pair_customer] >= 0)
    extra = np.arange(n_x, len(lp.c))
    tol = 1e-7 * max(1.0, float(np.abs(cost).max(initial=0.0)))
    for _ in range(rounds):
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            return
        cols = np.concatenate([np.flatnonzero(keep), extra])
        # interior point measured faster than simplex on these restricted LPs (10k x 100)
        res = _linprog(lp, cols, left, method="highs-ipm")
        if res.status != 0:
            return
        u = res.eqlin.marginals
        v = res.ineqlin.marginals if lp.a_ub.shape[0] else np.zeros(0)
        bound, excess, reduced = _dual_view(problem, lp, u, v)
        entering = (~keep) & (reduced < -tol)
        x = np.zeros(n_x)
        x[cols[cols < n_x]] = res.x[: int((cols < n_x).sum())]
        slack = float(res.x[len(cols) - lp.a_ub.shape[0] :].max(initial=0.0))
        yield PricedRound(bound, x, excess, float(res.fun), slack, int(entering.sum()))
        if not entering.any():
            return
        if narrow is not None:
            keep = (x > 0) | cheapest_per_customer(problem, excess, narrow)
            keep |= problem.forced[problem.pair_customer] >= 0
        keep = keep | cheapest_per_customer(
            problem, np.where(entering, reduced, np.inf), add_k, finite_only=True
        )


def _solve_by_pricing(
    problem: Problem, lp: LinearProgram, time_limit_s: float | None, pricing: Pricing
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Column generation (:func:`pricing_rounds`) from each customer's ``start_k``
    cheapest pairs; None when it cannot finish (then the caller solves the full LP)."""
    deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s
    keep = cheapest_per_customer(problem, lp.c[: lp.n_x], pricing.start_k)
    rounds = pricing_rounds(problem, lp, keep, deadline, pricing.rounds, pricing.add_k)
    kept = deque(rounds, maxlen=1)  # the last round only
    last = kept[0] if kept else None
    if last is None or last.entering or last.slack > 1e-9:
        return None  # rows still need the slacks, or not priced out: the full LP decides
    return last.bound, last.x, last.excess


def _with_artificial_slacks(lp: LinearProgram) -> LinearProgram:
    """Drop the implied x <= 1 and give every <= row a slack, so each restricted LP is
    feasible; at the optimum of a feasible full LP they are 0. A unit of slack costs
    1,000 x the largest cost over the smallest row coefficient: more than moving accounts
    to cover that unit, and far less than the total cost it was before (which put the
    objective range at 1e12 and cost the interior point about 10 of its 77 iterations on
    clustered 10,000 x 100 with both bands)."""
    n_rows = lp.a_ub.shape[0]
    coeff = np.abs(lp.a_ub.data)
    smallest = float(coeff[coeff > 0].min(initial=1.0))
    penalty = 1e3 * max(1.0, float(np.abs(lp.c).max(initial=0.0))) / min(1.0, smallest)
    a_ub = sp.hstack([lp.a_ub, -sp.identity(n_rows, format="csr")], format="csr")
    a_eq = sp.hstack([lp.a_eq, sp.csr_matrix((lp.a_eq.shape[0], n_rows))], format="csr")
    upper = np.concatenate(
        [np.where(np.arange(len(lp.c)) < lp.n_x, np.inf, lp.upper), np.full(n_rows, np.inf)]
    )
    c = np.concatenate([lp.c, np.full(n_rows, penalty)])
    return LinearProgram(c, a_ub, lp.b_ub, a_eq, lp.b_eq, upper, lp.n_x)


def cheapest_per_customer(
    problem: Problem, score: np.ndarray, k: int, finite_only: bool = False
) -> np.ndarray:
    """Mask of each customer's k lowest-score pairs (pairs are sorted by customer)."""
    order = np.lexsort((score, problem.pair_customer))
    cust = problem.pair_customer[order]
    rank = np.arange(len(order)) - np.searchsorted(cust, cust, side="left")
    chosen = order[rank < k]
    if finite_only:
        chosen = chosen[np.isfinite(score[chosen])]
    mask = np.zeros(len(score), dtype=bool)
    mask[chosen] = True
    return mask


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


class LpBound:
    """The LP relaxation as an engine: its bound, its rounded and repaired solution as the
    start plan, and its reduced costs. An infeasible LP proves the model infeasible."""

    name = LP

    def supports(self, problem: Problem) -> list[str]:
        return []

    def run(self, problem: Problem, start: np.ndarray | None, ctx: Context) -> EngineResult:
        lp = solve_lp(problem, time_limit_s=max(ctx.budget.seconds, 1.0))
        if not lp.feasible:
            raise ModelInfeasible("the LP relaxation is infeasible")
        hint = lp_rounding(problem, lp.x) if lp.x is not None else None
        total = float(problem.pair_load @ lp.x) if lp.x is not None else None
        return EngineResult(
            hint,
            "feasible",
            self.name,
            lp.wall_s,
            engine_bound=lp.bound,
            bound_source="LP relaxation (HiGHS via scipy.optimize.linprog)",
            relaxation=Relaxation(lp.bound, lp.x, lp.excess, lp.lagrangian_bound, total),
        )


class HighsMip:
    """HiGHS branch-and-bound on the whole model (scipy.optimize.milp)."""

    name = MILP

    def supports(self, problem: Problem) -> list[str]:
        return []

    def run(self, problem: Problem, start: np.ndarray | None, ctx: Context) -> EngineResult | None:
        mip = solve_milp(problem, ctx.budget.seconds)
        if mip.x is None:
            return None
        return EngineResult(
            rep_from_x(problem, mip.x),
            mip.status,
            self.name,
            mip.wall_s,
            engine_bound=mip.bound,
            bound_source="HiGHS branch-and-bound dual bound (scipy.optimize.milp)",
        )
