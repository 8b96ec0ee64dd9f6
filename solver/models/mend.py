"""Mend a plan that breaks hard rows (a rounded LP breaking band floors and ceilings):
exact shifts, then ejection chains and swaps, that lower the rows' total breach, then
CP-SAT around the reps still breached.

The breach of row r at usage u is ``(max(0, u - upper_r) + max(0, lower_r - u)) /
scale_r``: a share of the row's limit (``RowBlock.scale``), so a value row in dollars and
an hours row count alike, and a move that fills one rep's floor while it breaks another's
ceiling by as much gains nothing. Rows are the integer rows the engines enforce, so a
mended plan keeps what CP-SAT and the incumbent pool check.

:func:`lower_breach` prices, each round, every shift that touches a breached row with its
exact change of breach (numpy, all at once) and ranks those that lower it by their exact
change of objective (:func:`solver.models.moves.move_deltas`) per unit of breach removed:
the cheapest repair first. It makes them in that order, skipping any that shares a row
or an account with one made before it in the round, so each keeps its priced change and
the breach falls with every move. When no shift lowers it, two-shift moves are tried: an
account onto a rep paired with one off it (an ejection chain, or a swap), the
``CHAIN_WIDTH`` lowest-breach shifts each way per rep. :func:`close` then gives CP-SAT
the accounts of one breached rep and a few partners with room, the rows of every other
rep held where they are, until no row is breached.

Measured on clustered 10,000 x 100 with a value band and a workload band, from the LP
optimum's largest shares (40 breached rows, total breach 0.89): the shifts and chains on
each customer's LP pairs and 6 cheapest ones ended with no breach in 4.5 s, 2.0 % above
the LP bound (the rounding alone cost 1.4 %, mostly the balance term). Units: breach in
shares of a limit, cost in cost points.
"""

from __future__ import annotations

import dataclasses
import functools
import time

import numpy as np

from solver.constraints.base import RowBlock, integral_blocks
from solver.models.cpsat import solve_cpsat
from solver.models.lns import part_problem
from solver.models.moves import (
    State,
    apply_shift,
    chain_tables,
    move_deltas,
    net_per_key,
    pairings,
    shift_entries,
    state_of,
)
from solver.models.warmstart import move_usage
from solver.problem import Problem

#: a breach below this (in shares of a limit) counts as none
BREACH_TOL = 1e-12
#: best-ranked moves looked at per round
MOVES_PER_ROUND = 5_000
#: lowest-breach shifts onto and off each rep paired into two-shift moves
CHAIN_WIDTH = 16
#: reps in one CP-SAT neighbourhood of the closing step: a breached rep and partners
CLOSE_REPS = 6
#: seconds of CP-SAT per neighbourhood of the closing step
CLOSE_STEP_S = 2.0


class Rows:
    """The integer rows of a problem with their usage under a plan (pairs ``chosen``)."""

    def __init__(self, blocks: tuple[RowBlock, ...], chosen: np.ndarray) -> None:
        self.blocks = blocks
        self.scales = [b.scale() for b in self.blocks]
        self.usage = [b.usage(chosen) for b in self.blocks]

    def breach(self) -> float:
        """The plan's total breach (module docstring)."""
        return float(
            sum(
                (_excess(b, u, slice(None)) / s).sum()
                for b, u, s in zip(self.blocks, self.usage, self.scales, strict=True)
            )
        )

    @functools.cached_property
    def members(self) -> list[list[np.ndarray]]:
        """Per block, the candidate pairs of each row."""
        return [b.pairs_by_row() for b in self.blocks]

    @property
    def n_ids(self) -> int:
        return int(sum(len(b.upper) for b in self.blocks))

    def row_ids(self, old: np.ndarray, new: np.ndarray) -> np.ndarray:
        """Per move (``old``/``new``: k x moves pairs), the ids of the rows its shifts touch
        (rows of all blocks numbered in turn; ``n_ids`` for no row)."""
        ids, offset = [], 0
        for b in self.blocks:
            for pairs in (old, new):
                r = b.row[pairs]
                ids.append(np.where(r >= 0, r + offset, self.n_ids))
            offset += len(b.upper)
        return np.concatenate(ids)

    def near(self, problem: Problem, chosen: np.ndarray, movable: np.ndarray, pool: np.ndarray):
        """(old, new) pairs of every shift of a movable account onto a pair of ``pool``
        (mask) that touches a breached row (only they can lower the breach): onto a pair
        in the row, or of an account whose chosen pair is in it."""
        onto, accounts = [], []
        for b, usage, members in zip(self.blocks, self.usage, self.members, strict=True):
            for r in np.flatnonzero(_excess(b, usage, slice(None)) > 0):
                onto.append(members[r])
                accounts.append(_holders(problem, chosen, members[r]))
        if not onto:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        mask = np.zeros(len(problem.pair_rep), dtype=bool)
        mask[np.concatenate(onto)] = True
        mask[_pairs_of(problem, np.concatenate(accounts))] = True
        new = np.flatnonzero(mask & pool)
        cust = problem.pair_customer[new]
        old = chosen[cust]
        keep = (new != old) & movable[cust]
        return old[keep], new[keep]

    def deltas(self, old: np.ndarray, new: np.ndarray) -> np.ndarray:
        """Exact change of the total breach of each move (``old``/``new``: k x moves pairs,
        k shifts of distinct accounts per move)."""
        change = np.zeros(old.shape[1])
        for b, usage, scale in zip(self.blocks, self.usage, self.scales, strict=True):
            keys, values = shift_entries(old, new, b.row, b.coeff)
            net, first = net_per_key(keys, values)
            rows = np.maximum(keys, 0)
            before = usage[rows]
            after = _excess(b, before + net, rows) - _excess(b, before, rows)
            change += np.where(first & (keys >= 0), after / scale[rows], 0.0).sum(axis=0)
        return change

    def shift(self, old: int, new: int) -> None:
        move_usage(self.blocks, self.usage, old, new)


def _holders(problem: Problem, chosen: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The accounts whose chosen pair is one of ``pairs``."""
    return problem.pair_customer[pairs[chosen[problem.pair_customer[pairs]] == pairs]]


def _pairs_of(problem: Problem, accounts: np.ndarray) -> np.ndarray:
    """Every candidate pair of ``accounts`` (pairs are sorted by customer)."""
    starts = problem.customer_starts()
    first, count = starts[accounts], starts[accounts + 1] - starts[accounts]
    return np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())


def _excess(block: RowBlock, usage: np.ndarray, rows) -> np.ndarray:
    upper, lower = block.upper[rows], block.lower[rows]
    return np.maximum(usage - upper, 0.0) + np.maximum(lower - usage, 0.0)


def mend(
    problem: Problem,
    rep: np.ndarray,
    deadline: float,
    seed: int = 0,
    workers: int = 1,
    pool: np.ndarray | None = None,
) -> np.ndarray | None:
    """A plan keeping every integer row, made from ``rep``: the moves of :func:`lower_breach`
    onto the pairs ``pool`` (mask; all when None) until none lowers the breach, then
    :func:`close` on the rows still breached; None when ``deadline`` (perf_counter
    seconds) passes first."""
    blocks = integral_blocks(problem.blocks)
    rep = lower_breach(problem, blocks, rep, deadline, pool)
    if rep is None or time.perf_counter() >= deadline:
        return None
    return close(problem, blocks, rep, deadline, seed, workers)


def lower_breach(
    problem: Problem,
    blocks: tuple[RowBlock, ...],
    rep: np.ndarray,
    deadline: float,
    pool: np.ndarray | None = None,
) -> np.ndarray | None:
    """``rep`` after shifts onto the pairs ``pool`` (mask; all when None), then two-shift
    moves when no shift helps, that lower the breach of ``blocks``, each round ranked by
    their exact change of objective per unit of breach removed (module docstring), until
    none lowers it or ``deadline`` passes."""
    chosen = problem.pair_index(rep)
    if (chosen < 0).any():
        return None
    rows = Rows(blocks, chosen)
    state = state_of(problem, rep)
    movable = problem.forced < 0
    pool = np.ones(len(problem.pair_rep), dtype=bool) if pool is None else pool
    while rows.breach() > BREACH_TOL and time.perf_counter() < deadline:
        old, new = rows.near(problem, state.chosen, movable, pool)
        alone = rows.deltas(old[None], new[None])
        if not _make(problem, rows, state, _ranked(problem, state, old[None], new[None], alone)):
            pairs = _two_shifts(problem, rows, old, new, alone)
            if not _make(problem, rows, state, _ranked(problem, state, *pairs)):
                break
    return state.rep


def _ranked(problem: Problem, state: State, old: np.ndarray, new: np.ndarray, change):
    """The moves that lower the breach (``change``), cheapest per unit of breach removed
    first (the exact change of objective, :func:`solver.models.moves.move_deltas`); at
    most ``MOVES_PER_ROUND``."""
    good = np.flatnonzero(change < -BREACH_TOL)
    extra, _ = move_deltas(problem, state, problem.pair_cost, old[:, good], new[:, good])
    order = good[np.argsort(extra / -change[good], kind="stable")][:MOVES_PER_ROUND]
    return old[:, order], new[:, order]


def _make(problem: Problem, rows: Rows, state: State, moves) -> int:
    """Make ``moves`` in order, skipping any that shares a row or an account with one made
    before it in this call (so each one's priced change of breach is still exact; making
    those re-priced as well measured worse: more cost and a breach it could not close);
    returns the moves made."""
    old, new = moves
    ids = rows.row_ids(old, new)
    used = np.zeros(rows.n_ids + 1, dtype=bool)  # the last slot: no row
    seen = np.zeros(problem.n, dtype=bool)
    cust = problem.pair_customer
    made = 0
    for c in range(old.shape[1]):
        accounts = cust[new[:, c]]
        if used[ids[:, c]].any() or seen[accounts].any():
            continue
        used[ids[:, c]] = True
        used[-1] = False
        seen[accounts] = True
        for p, q in zip(old[:, c].tolist(), new[:, c].tolist(), strict=True):
            rows.shift(p, q)
            apply_shift(problem, state, q)
        made += 1
    return made


def _two_shifts(problem: Problem, rows: Rows, old, new, alone):
    """Two-shift moves: for each rep b, every pairing of its ``CHAIN_WIDTH`` lowest-breach
    shifts onto b with those off b (a chain a -> b -> c, or a swap when c = a), accounts
    distinct; returned as (old, new) of 2 x moves, with their exact change."""
    one, two = pairings(*chain_tables(problem, old, new, alone, CHAIN_WIDTH))
    cust = problem.pair_customer
    distinct = cust[new[one]] != cust[new[two]]
    one, two = one[distinct], two[distinct]
    old2, new2 = np.stack([old[one], old[two]]), np.stack([new[one], new[two]])
    return old2, new2, rows.deltas(old2, new2)


def _row_reps(problem: Problem, block: RowBlock) -> np.ndarray:
    """Per row of ``block``, the rep all its pairs belong to, or -1 (a row over several
    reps, or none)."""
    inside = block.row >= 0
    low = np.full(len(block.upper), problem.m, dtype=np.int64)
    high = np.full(len(block.upper), -1, dtype=np.int64)
    np.minimum.at(low, block.row[inside], problem.pair_rep[inside])
    np.maximum.at(high, block.row[inside], problem.pair_rep[inside])
    return np.where(low == high, low, -1)


def close(
    problem: Problem,
    blocks: tuple[RowBlock, ...],
    rep: np.ndarray,
    deadline: float,
    seed: int = 0,
    workers: int = 1,
) -> np.ndarray | None:
    """A plan keeping every integer row, from ``rep`` that breaks a few: CP-SAT on the
    accounts of one breached rep and ``CLOSE_REPS - 1`` partners (drawn in proportion to
    their room inside their own rows), every other row that is breached held where it
    is; each neighbourhood's plan keeps its breached rows, so the breach falls with each
    solved one. None when ``deadline`` passes with rows still breached."""
    rng = np.random.default_rng(seed)
    chosen = problem.pair_index(rep)
    rows = Rows(blocks, chosen)
    owners = [_row_reps(problem, b) for b in rows.blocks]
    movable = problem.forced < 0
    rep = rep.copy()
    while rows.breach() > BREACH_TOL:
        left = deadline - time.perf_counter()
        if left <= 0.1:
            return None
        broken, room = [], np.ones(problem.m)
        parts = zip(rows.blocks, rows.usage, rows.scales, owners, strict=True)
        for b, usage, scale, owner in parts:
            bad = _excess(b, usage, slice(None)) > 0
            broken += owner[bad & (owner >= 0)].tolist()
            share = np.minimum(b.upper - usage, usage - b.lower) / scale
            np.minimum.at(room, owner[owner >= 0], np.clip(share[owner >= 0], 0.0, 1.0))
        if not broken:
            return None  # only rows over several reps are breached: not this step's job
        hood = np.zeros(problem.m, dtype=bool)
        hood[rng.choice(broken)] = True
        weight = np.where(hood, 0.0, room + 1e-9)
        k = min(CLOSE_REPS - 1, int((weight > 0).sum()))
        if k:
            hood[rng.choice(problem.m, size=k, replace=False, p=weight / weight.sum())] = True
        free = movable & hood[rep]
        keep = free[problem.pair_customer] & hood[problem.pair_rep]
        held = []
        for b, usage, owner in zip(rows.blocks, rows.usage, owners, strict=True):
            out = ~np.isin(owner, np.flatnonzero(hood))  # rows outside: kept where they are
            lower = np.where(out, np.minimum(b.lower, usage), b.lower)
            upper = np.where(out, np.maximum(b.upper, usage), b.upper)
            held.append(dataclasses.replace(b, lower=lower, upper=upper))
        sub, free_idx, fixed_load = part_problem(problem, rep, chosen, tuple(held), free, keep)
        step = min(CLOSE_STEP_S, left)
        result = solve_cpsat(
            sub,
            step,
            int(rng.integers(1 << 30)),
            workers,
            hint=rep[free_idx],
            total_load=float(problem.pair_load[chosen].sum()),
            load_offset=fixed_load,
            infeasible_raises=False,
            deadline=time.perf_counter() + step,
        )
        if result is None:
            continue
        rep[free_idx] = result.rep
        chosen = problem.pair_index(rep)
        rows = Rows(rows.blocks, chosen)
    return rep
