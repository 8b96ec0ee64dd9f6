"""LP-guided start: take each customer's largest LP share, then repair broken rows greedily.

Repair relieves an over-full row by moving its accounts to the alternative pairs that fit
every row and cost least per unit of load relieved; then, for a row below its floor (a
balance band, a rep's minimum), brings in the accounts whose moves cost least per unit of
load gained, never taking another row below its floor (or, when no single move can, the
cheapest swap of an account in for one out). Each pass makes many such moves at once,
cheapest first, one per account, each checked against every ceiling and floor as the
moves before it left them, until they cover the row's excess or shortfall
(:func:`_relieve`): a move budget over by thousands of accounts takes a few scans of the
candidates, not thousands. Returns None when the greedy repair gets stuck or its
deadline passes.
"""

from __future__ import annotations

import time

import numpy as np

from solver.constraints.base import integral_blocks
from solver.models.base import rep_from_x
from solver.problem import Problem

EPS = 1e-6
#: accounts tried on each side of a swap when no single move lifts a row to its floor
SWAP_CANDIDATES = 30


def lp_rounding(problem: Problem, x: np.ndarray) -> np.ndarray | None:
    return repair(problem, rep_from_x(problem, x))


def repair(problem: Problem, rep: np.ndarray, deadline: float | None = None) -> np.ndarray | None:
    """A plan keeping every hard row, made from ``rep`` by the greedy moves above, or None
    when they get stuck or ``deadline`` (perf_counter seconds) passes first."""
    chosen = problem.pair_index(rep)
    if (chosen < 0).any():
        return None
    blocks = integral_blocks(problem.blocks)  # what the integer engines enforce
    usage = [b.usage(chosen) for b in blocks]
    cost = problem.pair_cost
    starts = problem.customer_starts()
    free = problem.forced < 0
    for _ in range(4 * problem.n + 10):
        if deadline is not None and time.perf_counter() >= deadline:
            return None
        over = _broken(blocks, usage, lambda b, u: u > b.upper + EPS)
        under = None if over else _broken(blocks, usage, lambda b, u: u < b.lower - EPS)
        if over is None and under is None:
            return problem.pair_rep[chosen]
        if over is not None:
            k, r = over
            members = np.flatnonzero((blocks[k].row[chosen] == r) & free)
            lens = starts[members + 1] - starts[members]
            owner = np.repeat(members, lens)
            q = np.arange(len(owner)) - np.repeat(np.cumsum(lens) - lens, lens) + starts[owner]
            p = chosen[owner]
            # load relieved: all of p's, less what q puts back into the same row
            gain = blocks[k].coeff[p] - np.where(blocks[k].row[q] == r, blocks[k].coeff[q], 0.0)
            need = usage[k][r] - blocks[k].upper[r]
        else:
            k, r = under
            q = np.flatnonzero(blocks[k].row == r)
            owner = problem.pair_customer[q]
            p = chosen[owner]
            keep = free[owner] & (blocks[k].row[p] != r)
            q, owner, p = q[keep], owner[keep], p[keep]
            gain = blocks[k].coeff[q]  # load brought to the row below its floor
            need = blocks[k].lower[r] - usage[k][r]
        ok = (q != p) & (gain > EPS)
        ok[ok] = _fits(blocks, usage, p[ok], q[ok])
        if not ok.any():
            swap = _best_swap(problem, blocks, usage, chosen, q, p, under) if under else None
            if swap is None:
                return None
            for i, new in swap:
                move_usage(blocks, usage, chosen[i], new)
                chosen[i] = new
            continue
        ok = np.flatnonzero(ok)
        score = (cost[q[ok]] - cost[p[ok]]) / gain[ok]
        if not _relieve(blocks, usage, chosen, owner[ok], p[ok], q[ok], score, gain[ok], need):
            return None
    return None


def fill(
    problem: Problem, score: np.ndarray, deadline: float | None = None, spare: float = 0.0
) -> np.ndarray | None:
    """A rep per customer, filled in rounds (None when ``deadline`` passes first); rows
    may be left broken by the customers that found no room. Each round, every customer not yet
    placed asks for its lowest-``score`` pair that fits the room left on every ceiling
    row; each row takes the asking customers that lose most by missing their pair
    (regret: their second-lowest ``score`` less their lowest) while they fit. A customer
    with no pair that fits takes its lowest-``score`` pair, for a repair to mend. Where
    the repair of the cheapest choice is stuck (a metro whose reps all sit at their
    account limit, so no single move makes room), this fills every rep only up to its
    limits in the first place (``models/first_plan.py``)."""
    blocks = integral_blocks(problem.blocks)
    # ceilings less ``spare`` of them on rows other than account limits
    tops = [b.upper if b.kind == "accounts" else b.upper * (1.0 - spare) for b in blocks]
    cust = problem.pair_customer
    starts = problem.customer_starts()
    chosen = np.full(problem.n, -1, dtype=np.int64)
    forced = problem.forced[cust] >= 0
    fixed = np.flatnonzero(forced & (problem.pair_rep == problem.forced[cust]))
    chosen[cust[fixed]] = fixed
    usage = [b.usage(fixed) for b in blocks]
    order = np.lexsort((score, cust))
    least = score[order[starts[:-1]]]
    second = np.full(problem.n, np.inf)
    two = np.diff(starts) > 1
    second[two] = score[order[starts[:-1][two] + 1]]
    regret = second - least
    while True:
        if deadline is not None and time.perf_counter() >= deadline:
            return None
        open_ = chosen[cust] < 0
        fits = open_.copy()
        for b, u, top in zip(blocks, usage, tops, strict=True):
            r = np.maximum(b.row, 0)
            fits &= (b.row < 0) | (u[r] + b.coeff <= top[r] + EPS)
        asks = np.flatnonzero(fits)
        if not len(asks):
            break
        best = np.full(problem.n, np.inf)
        np.minimum.at(best, cust[asks], score[asks])
        asks = asks[score[asks] <= best[cust[asks]]]
        asks = asks[np.unique(cust[asks], return_index=True)[1]]  # one per customer
        take = np.ones(len(asks), dtype=bool)
        for b, u, top in zip(blocks, usage, tops, strict=True):  # highest regret first
            row = b.row[asks]
            by = np.lexsort((-regret[cust[asks]], row))
            r, c = row[by], np.where(row[by] >= 0, b.coeff[asks[by]], 0.0)
            first = np.r_[True, r[1:] != r[:-1]]
            run = np.cumsum(c)
            run -= np.repeat(run[first] - c[first], np.diff(np.r_[np.flatnonzero(first), len(r)]))
            ok = (r < 0) | (u[np.maximum(r, 0)] + run <= top[np.maximum(r, 0)] + EPS)
            take[by[~ok]] = False
        asks = asks[take]
        if not len(asks):  # every row's first asker alone fits, so this cannot happen
            break
        chosen[cust[asks]] = asks
        for b, u in zip(blocks, usage, strict=True):
            u += b.usage(asks)
    left = np.flatnonzero(chosen < 0)
    chosen[left] = order[starts[left]]
    return problem.pair_rep[chosen]


def _relieve(blocks, usage, chosen, owner, p, q, score, gain, need: float) -> int:
    """Make the moves (pair p -> pair q of customer ``owner``) cheapest ``score`` first,
    each only if it still fits every row after the ones before it (:func:`_fits`), at
    most one per customer, until their ``gain`` covers ``need``; returns the moves made.
    The scores do not depend on the rows, so these are the moves one greedy move per scan
    would make (bar a candidate the moves before it let fit), from one scan."""
    moved = np.zeros(len(chosen), dtype=bool)
    made, covered = 0, 0.0
    for c in np.argsort(score, kind="stable").tolist():
        i, pc, qc = int(owner[c]), p[c : c + 1], q[c : c + 1]
        if moved[i] or not _fits(blocks, usage, pc, qc)[0]:
            continue
        move_usage(blocks, usage, int(pc[0]), int(qc[0]))
        chosen[i], moved[i] = qc[0], True
        made, covered = made + 1, covered + float(gain[c])
        if covered >= need - EPS:
            break
    return made


def _best_swap(problem, blocks, usage, chosen, q, p, under) -> list[tuple[int, int]] | None:
    """Two moves that lift row ``under`` when no single move can: an account b comes in
    (pair q), an account a of the row goes to b's old rep; the cheapest pair of moves that
    keeps every ceiling, keeps every other floor that held, and raises the row. Candidates:
    the ``SWAP_CANDIDATES`` heaviest accounts in and lightest accounts out."""
    k, r = under
    b = blocks[k]
    into = np.argsort(-b.coeff[q], kind="stable")[:SWAP_CANDIDATES]
    mine = np.flatnonzero((b.row[chosen] == r) & (problem.forced < 0))
    mine = mine[np.argsort(b.coeff[chosen[mine]], kind="stable")[:SWAP_CANDIDATES]]
    keys = problem.pair_customer * problem.m + problem.pair_rep
    cost = problem.pair_cost
    held = [u >= blk.lower - EPS for blk, u in zip(blocks, usage, strict=True)]
    best, best_cost = None, np.inf
    for t in into:
        qb, pb = int(q[t]), int(p[t])
        cb = int(problem.pair_customer[qb])
        for a in mine:
            key = a * problem.m + problem.pair_rep[pb]
            pos = int(np.searchsorted(keys, key))
            if pos >= len(keys) or keys[pos] != key:
                continue  # a may not go to b's rep
            pa = int(chosen[a])
            trial = [u.copy() for u in usage]
            move_usage(blocks, trial, pb, qb)
            move_usage(blocks, trial, pa, pos)
            if trial[k][r] <= usage[k][r] + EPS:
                continue
            if not all(
                np.all(u <= blk.upper + EPS) and np.all(~h | (u >= blk.lower - EPS))
                for blk, u, h in zip(blocks, trial, held, strict=True)
            ):
                continue
            delta = cost[qb] - cost[pb] + cost[pos] - cost[pa]
            if delta < best_cost:
                best, best_cost = [(cb, qb), (int(a), pos)], delta
    return best


def _broken(blocks, usage, test) -> tuple[int, int] | None:
    """The first (block, row) where ``test(block, usage)`` holds, or None."""
    for k, b in enumerate(blocks):
        rows = np.flatnonzero(test(b, usage[k]))
        if len(rows):
            return k, int(rows[0])
    return None


def _fits(blocks, usage, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per (p, q): moving a customer from pair p to pair q keeps every ceiling, and takes
    no row below its floor (a row already below it may not lose load)."""
    ok = np.ones(len(q), dtype=bool)
    for k, b in enumerate(blocks):
        rq, rp = b.row[q], b.row[p]
        inside = rq >= 0
        extra = b.coeff[q] - np.where(rp == rq, b.coeff[p], 0.0)
        room = np.where(inside, b.upper[np.maximum(rq, 0)] - usage[k][np.maximum(rq, 0)], np.inf)
        ok &= ~inside | (extra <= room + EPS)
        if not b.has_floors():
            continue
        rest_in = usage[k][np.maximum(rq, 0)] + extra  # a move inside one row may shrink it
        ok &= ~inside | (rp != rq) | (extra >= 0) | (rest_in >= b.lower[np.maximum(rq, 0)] - EPS)
        leaves = (rp >= 0) & (rp != rq)
        rest = usage[k][np.maximum(rp, 0)] - b.coeff[p]
        ok &= ~leaves | (rest >= b.lower[np.maximum(rp, 0)] - EPS) | (b.coeff[p] <= 0)
    return ok


def move_usage(blocks, usage, p: int, q: int) -> None:
    """Update ``usage`` (per block, per row) for a customer leaving pair ``p`` for ``q``."""
    for k, b in enumerate(blocks):
        if b.row[p] >= 0:
            usage[k][b.row[p]] -= b.coeff[p]
        if b.row[q] >= 0:
            usage[k][b.row[q]] += b.coeff[q]
