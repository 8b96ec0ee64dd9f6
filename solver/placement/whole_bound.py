"""A batch bound over whole accounts: the Lagrangian of the batch's assignment rows.

The balance dual (:mod:`solver.placement.balance_bound`) and the LP fill every rep to its
target with parts of accounts; a plan gives a rep whole accounts. This bound keeps them
whole. Each batch account i has a multiplier u_i on its row "placed exactly once"; the
book's total load W (which sets every target s_j W) is a variable with one multiplier
mu on its definition W = sum of the loads placed, and every rep gets its own copy W_j
of it, mu split as mu_j = s_j nu_j (sum_j mu_j = mu). With the rows relaxed the batch
falls apart into one problem per rep: which of its candidate accounts S it takes, whole,

    F_j = min_S sum_{p in S} (c_p - u_i + mu l_p) + min_{t in T_j} [w |A_j + l(S) - t| - nu_j t]

(A_j the rep's standing load, l(S) the load S adds, T_j = s_j [W_lo, W_hi] the targets a
plan of cost at most the known plan's can give the rep), within the rep's own ceilings
(floors, rows shared by reps and soft bands, never negative, are dropped: a relaxation).
For any u and nu in [-w, w] every such plan costs at least (cost points, min)

    L(u, nu) = sum_i u_i + mu (sum_j A_j) + sum_j F_j.

``F_j`` is solved exactly over the rep's accounts that can help (those whose reduced cost,
plus all the rep's negative ones, is below a choice known at once: none, one account, or
the cheapest few), at most :data:`MAX_ITEMS` of them: every subset priced, its ceilings
checked. Any subset with another account costs at least the rep's negative reduced costs
plus that account's, so L stays a bound when more than ``MAX_ITEMS`` could help.

Where W can lie: the balance dual's reduced costs rc_p >= 0 (:func:`~solver.placement.
balance_bound.balance_dual`) price every plan at least g(sigma) + sum rc, so a plan no
dearer than the known one (the optimum is one) uses only pairs with rc_p <= U - g and
its W lies between the least and the most load those pairs reach within that budget (a
one-multiplier Lagrangian of that knapsack on a grid). The other pairs are dropped.

The multipliers start at the balance dual's (u_i the account's least price with the
balance priced by sigma, nu = -w sigma: L is then at least g, and each rep's subproblem
now pays for missing its target with whole accounts). Two refinements follow until a
deadline, on the slice of W with the lowest bound: cutting it in two (a slice is a
restriction, so its bound holds for both halves, and each rep's targets narrow), and a
subgradient step on that slice's u. The bound is the lowest over the slices; nu stays
at -w sigma (steps on it did not raise the bound in the measurements).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from solver.models.base import EngineResult
from solver.models.stopping import gap
from solver.placement.balance_bound import BalanceDual
from solver.problem import Problem

#: most accounts one rep's subsets are enumerated over (2^8 subsets)
MAX_ITEMS = 8
#: multipliers of the one-dimensional knapsack Lagrangian that bounds W (cost points per h)
LAMBDAS = np.r_[0.0, np.logspace(-4, 3, 57)]
#: the first subgradient step's share of the distance to the known plan, halved after
#: ``STALL_STEPS`` steps without a better bound
THETA, STALL_STEPS = 0.1, 3
#: the refinement ends after this many rounds, or this many without a better bound (so a
#: small batch ends the same way whatever the machine's speed)
MAX_ROUNDS, STOP_ROUNDS = 400, 40
ENGINE = "whole accounts"


@dataclass(frozen=True)
class _Reps:
    """The per-rep data of the subproblems (index j over the problem's reps)."""

    standing: np.ndarray  # A_j, load
    shares: np.ndarray  # s_j, 0 outside the balance
    active: np.ndarray  # in the balance term
    lo: np.ndarray  # T_j's ends: s_j W_lo, s_j W_hi
    hi: np.ndarray
    window: tuple[float, float]  # W_lo, W_hi: the book's total load in a plan within U
    room: tuple[np.ndarray, ...]  # per rep-owned block: what each rep's row has left
    owned: tuple[int, ...]  # the blocks whose rows each belong to one rep


@dataclass(frozen=True)
class _Pairs:
    """The candidate pairs kept (batch accounts onto real reps)."""

    customer: np.ndarray
    rep: np.ndarray
    cost: np.ndarray
    load: np.ndarray
    coeff: tuple[np.ndarray, ...]  # per owned block, 0 outside its rows


@dataclass
class _Leaf:
    """A slice [low, high] of the book's total load W: the best bound of its plans, and
    its multipliers u with the bound and subgradient there."""

    low: float
    high: float
    best: float
    u: np.ndarray
    value: float
    slope: np.ndarray  # 1 - (how many reps take account i), per batch account
    theta: float = 0.0  # the step's share of the distance to the known plan
    stall: int = 0  # steps since the last better bound
    best_u: np.ndarray | None = None  # the u that gave ``best`` (None: ``u``)


def whole_account_bound(
    problem: Problem, size: int, upper: float, dual: BalanceDual, deadline: float,
    tolerance: float = 0.0,
) -> EngineResult | None:  # fmt: skip
    """The bound of the module docstring on the batch ``problem`` (its first ``size``
    customers are the accounts placed, the others one pair each, the last rep
    "unplaced"), from the balance ``dual``'s multipliers, refined by ``deadline``
    (perf_counter seconds); ``upper``: the cost of a plan known. None when no bound comes
    out (an account a plan within ``upper`` may leave unplaced).

    The refinement alternates two steps on the slice of W with the lowest bound: cut it
    in two halves (each a restriction of it, so its bound holds for both), and a
    subgradient step on its u (Polyak's towards ``upper``, a share ``THETA`` halved
    after ``STALL_STEPS`` steps without a better bound), for at most ``MAX_ROUNDS``
    rounds and until ``STOP_ROUNDS`` in a row leave the bound as it was. The bound is the
    lowest over the slices."""
    started = time.perf_counter()
    setup = None if size == 0 else _setup(problem, size, upper, dual.sigma, dual.bound)
    if setup is None:
        return None
    reps, pairs, constant, u = setup
    bal = problem.balance
    w = 0.0 if bal is None else float(bal.weight)
    nu = np.where(reps.active, -w * dual.sigma, 0.0)
    slices = w > 0 and float(reps.shares.sum()) > 0

    def leaf(low: float, high: float, u: np.ndarray, floor: float) -> _Leaf:
        window = dataclasses.replace(reps, lo=reps.shares * low, hi=reps.shares * high)
        value, taken = _evaluate(window, pairs, u, nu, w, constant, size)
        slope = 1.0 - np.bincount(pairs.customer[taken], minlength=size)
        return _Leaf(low, high, max(value, floor), u, value, slope, THETA)

    leaves = [leaf(*reps.window, u, dual.bound)]
    rounds, last, since = 0, dual.bound, 0
    while time.perf_counter() < deadline and rounds < MAX_ROUNDS and since < STOP_ROUNDS:
        worst = min(leaves, key=lambda leaf: leaf.best)
        if gap(upper, worst.best) <= tolerance:
            break
        since = 0 if worst.best > last + 1e-9 * max(1.0, abs(last)) else since + 1
        last = max(last, worst.best)
        rounds += 1
        leaves.remove(worst)
        norm = float(worst.slope @ worst.slope)
        divisible = slices and worst.high - worst.low > 1e-9
        if divisible and (rounds % 2 == 1 or norm == 0):
            middle = (worst.low + worst.high) / 2
            start = worst.u if worst.best_u is None else worst.best_u  # its best multipliers
            for a, b in ((worst.low, middle), (middle, worst.high)):
                half = leaf(a, b, start, worst.best)
                half.theta = worst.theta
                leaves.append(half)
            continue
        if norm == 0:  # every account taken once: no step raises this slice's bound
            leaves.append(worst)
            break
        step = worst.theta * max(upper - worst.value, 0.0) / norm
        moved = leaf(worst.low, worst.high, worst.u + step * worst.slope, worst.best)
        better = moved.value > worst.best
        previous = worst.u if worst.best_u is None else worst.best_u
        moved.best_u = moved.u if better else previous
        moved.stall = 0 if better else worst.stall + 1
        moved.theta = worst.theta / 2 if moved.stall >= STALL_STEPS else worst.theta
        moved.stall %= STALL_STEPS
        leaves.append(moved)
    best = min(leaf.best for leaf in leaves)
    return EngineResult(
        None, "feasible", ENGINE, time.perf_counter() - started, engine_bound=best,
        bound_source=f"Lagrangian of the assignment rows over whole accounts per rep "
        f"({len(leaves)} slices of the book's load, {rounds} rounds)",
    )  # fmt: skip


def _setup(
    problem: Problem, size: int, upper: float, sigma: np.ndarray, g: float
) -> tuple[_Reps, _Pairs, float, np.ndarray] | None:
    """The reps' data, the pairs a plan no dearer than ``upper`` can use, the constant
    (the standing books' own costs) and the start u (each account's least reduced price)."""
    m = problem.m
    bal = problem.balance
    w = 0.0 if bal is None else float(bal.weight)
    active = np.zeros(m, bool) if bal is None else bal.active.copy()
    shares = np.where(active, 0.0 if bal is None else bal.shares, 0.0)
    cost, load, rep, customer = (problem.pair_cost, problem.pair_load, problem.pair_rep,
                                 problem.pair_customer)  # fmt: skip
    d = cost + w * load * (sigma[rep] - float(shares @ sigma))
    starts = problem.customer_starts()[:-1]
    least = np.minimum.reduceat(d, starts)
    rc = d - least[customer]
    budget = max(upper - g, 0.0) * (1 + 1e-9) + 1e-9
    held = customer >= size
    standing = np.bincount(rep[held], weights=load[held], minlength=m)
    constant = float(cost[held].sum())
    keep = ~held & (rc <= budget)  # leaving an account unplaced (rep m - 1) is one choice
    if np.any(np.bincount(customer[keep], minlength=size) == 0):
        return None  # an account with no pair a plan within ``upper`` can use
    c, r, dr, ld = customer[keep], rep[keep], rc[keep], load[keep]
    low, high = _load_range(c, ld, dr, budget, size)
    owned = tuple(k for k, b in enumerate(problem.blocks) if _owned(b, rep))
    room, coeff = [], []
    for k in owned:
        block = problem.blocks[k]
        left = block.upper - block.usage(np.flatnonzero(held))  # per row; one row per rep
        room.append(np.maximum(block.least_per_rep(rep, m, left), 0.0))
        coeff.append(np.where(block.row[keep] >= 0, block.coeff[keep], 0.0))
    total = standing.sum()
    reps = _Reps(standing, shares, active, shares * (total + low), shares * (total + high),
                 (total + low, total + high), tuple(room), owned)  # fmt: skip
    pairs = _Pairs(c, r, cost[keep], ld, tuple(coeff))
    # the start: u_i the least price of account i with the balance priced by sigma, as in
    # the balance dual (so L >= g there)
    return reps, pairs, constant, least[:size].copy()


def _owned(block, rep: np.ndarray) -> bool:
    """Whether every row of ``block`` holds the pairs of one rep only, and every rep's
    pairs lie in one row at most (its row is then a ceiling on its subset alone)."""
    inside = block.row >= 0
    owner = np.full(len(block.upper), -1)
    owner[block.row[inside]] = rep[inside]
    row_of = np.full(int(rep.max(initial=0)) + 1, -1)
    row_of[rep[inside]] = block.row[inside]
    return bool(
        np.all(owner[block.row[inside]] == rep[inside])
        and np.all(row_of[rep[inside]] == block.row[inside])
    )


def _load_range(
    customer: np.ndarray, load: np.ndarray, rc: np.ndarray, budget: float, size: int
) -> tuple[float, float]:
    """The least and the most load the batch adds in a plan whose reduced costs sum to at
    most ``budget``: for every lambda >= 0, min sum l >= sum_i min_p (l_p + lambda rc_p) -
    lambda budget (and the mirror for the most); the best over :data:`LAMBDAS`."""
    starts = np.searchsorted(customer, np.arange(size))
    low = max(
        float(np.minimum.reduceat(load + lam * rc, starts).sum()) - lam * budget for lam in LAMBDAS
    )
    high = min(
        float(np.maximum.reduceat(load - lam * rc, starts).sum()) + lam * budget for lam in LAMBDAS
    )
    return low, high


def _evaluate(
    reps: _Reps, pairs: _Pairs, u: np.ndarray, nu: np.ndarray, w: float, constant: float,
    size: int,
) -> tuple[float, np.ndarray]:  # fmt: skip
    """L(u, nu) and the pairs the reps' subproblems take."""
    mu = float(reps.shares @ nu)
    value = float(u.sum()) + mu * float(reps.standing.sum()) + constant
    r = pairs.cost - u[pairs.customer] + (mu - nu[pairs.rep]) * pairs.load
    m = len(reps.standing)
    order = np.lexsort((r, pairs.rep))
    rep_sorted = pairs.rep[order]
    r_sorted = r[order]
    first = np.searchsorted(rep_sorted, np.arange(m + 1))
    negative = np.bincount(rep_sorted, weights=np.minimum(r_sorted, 0.0), minlength=m)
    empty = _penalty(reps.standing, reps, nu, w)  # the empty choice's penalty, >= 0
    # a plan of each rep known at once: the best of its single accounts and of the
    # prefixes of its accounts by reduced cost; an account helps only below it
    load_sorted = pairs.load[order]
    single = r_sorted + _penalty(reps.standing[rep_sorted] + load_sorted, reps, nu, w, rep_sorted)
    offset = np.r_[0.0, np.cumsum(r_sorted)]
    offset_l = np.r_[0.0, np.cumsum(load_sorted)]
    prefix_r = offset[1:] - offset[first[rep_sorted]]
    prefix_l = offset_l[1:] - offset_l[first[rep_sorted]]
    prefix = prefix_r + _penalty(reps.standing[rep_sorted] + prefix_l, reps, nu, w, rep_sorted)
    known = empty.copy()
    np.minimum.at(known, rep_sorted, np.minimum(single, prefix))
    helps = r_sorted < (known - negative)[rep_sorted]
    count = np.bincount(rep_sorted[helps], minlength=m)  # a prefix of each rep's pairs
    items = np.minimum(count, MAX_ITEMS)
    # every subset with an account beyond the enumerated ones costs at least this
    rest = np.full(m, np.inf)
    beyond = items < np.diff(first)
    rest[beyond] = negative[beyond] + np.maximum(r_sorted[first[:-1][beyond] + items[beyond]], 0.0)
    best = np.zeros(m)
    taken = []
    for k in np.unique(items):
        group = np.flatnonzero(items == k)
        if k == 0:
            best[group] = empty[group]
            continue
        idx = order[first[group][:, None] + np.arange(k)]  # (reps, k) pair indices
        masks = ((np.arange(2**k)[:, None] >> np.arange(k)) & 1).astype(float)  # (2^k, k)
        f = r[idx] @ masks.T
        loads = reps.standing[group][:, None] + pairs.load[idx] @ masks.T
        f += _penalty(loads, reps, nu, w, group)
        for block_coeff, room in zip(pairs.coeff, reps.room, strict=True):
            over = block_coeff[idx] @ masks.T > room[group][:, None] + 1e-9
            f[over] = np.inf
        pick = np.argmin(f, axis=1)
        best[group] = f[np.arange(len(group)), pick]
        chosen = masks[pick].astype(bool)
        taken.append(idx[chosen])
    value += float(np.minimum(best, rest).sum() - (nu * reps.standing).sum())
    taken_pairs = np.concatenate(taken) if taken else np.zeros(0, np.int64)
    return value, taken_pairs


def _penalty(
    loads: np.ndarray, reps: _Reps, nu: np.ndarray, w: float, group: np.ndarray | None = None
) -> np.ndarray:
    """psi_j(L) + nu_j L >= 0 per rep (rows of ``loads`` are the reps of ``group``, or all):
    0 on [lo_j, hi_j], slope (w - nu_j) below it and (w + nu_j) above; 0 outside the
    balance."""
    sel = slice(None) if group is None else group
    lo, hi, n, act = reps.lo[sel], reps.hi[sel], nu[sel], reps.active[sel]
    if loads.ndim == 2 and group is not None:
        lo, hi, n, act = lo[:, None], hi[:, None], n[:, None], act[:, None]
    pen = (w - n) * np.maximum(lo - loads, 0.0) + (w + n) * np.maximum(loads - hi, 0.0)
    return np.where(act, pen, 0.0)
