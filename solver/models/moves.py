"""Fast exact local moves: shift one account to another of its candidate reps, or swap
two accounts between their reps.

A move is k shifts of distinct accounts (k = 1 a shift, k = 2 a swap); every candidate
move is priced at once in numpy, with its exact change of objective: the separable cost
of the new pairs minus the old, plus the change of the balance term
weight x sum_j active |L_j - s_j T| (T = total load), in which the move changes L of the
reps it touches and T, hence every rep's target. The sum over the reps the move leaves
alone is read off sorted breakpoints T = L_j / s_j with prefix sums, so each move costs
O(k^2 + log m). A soft balance band (solver.objectives.bands) changes on the touched reps
only: price x its excess outside the band, after the move minus before. A move is
allowed when every row it fills stays at most at its ceiling and every row it empties at
least at its floor (``lower`` read as no floor when a block has none).

Improving moves are then applied cheapest first, on distinct reps per round, each
re-priced and re-checked against the state left by the ones before it, so the plan keeps
every hard row and its cost drops with each. Swaps are tried when no shift improves: a
swap keeps both reps' account counts, which is what a rep held at its account limit and
short of its share of the hours needs. Units: cost points; rows in their own unit
(hours, accounts).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from solver.interrupt import StopRequest
from solver.problem import Problem

#: a row may be used up to upper - this share of max(1, |upper|) (float sums of the checker)
ROW_SLACK = 1e-9
#: improving shifts re-priced and applied per round (cheapest first)
SHIFTS_PER_ROUND = 2_000
#: cheapest shifts each way per pair of reps whose pairings are tried as swaps
SWAP_WIDTH = 6
#: cheapest shifts onto and off each rep whose pairings are tried as ejection chains
CHAIN_WIDTH = 12


@dataclass
class State:
    """A plan with the sums the moves need: chosen pair, per-block row usage, rep loads."""

    rep: np.ndarray
    chosen: np.ndarray
    usage: list[np.ndarray]
    load: np.ndarray
    soft: list[np.ndarray]  # per soft balance band, its measure per rep


def state_of(problem: Problem, rep: np.ndarray) -> State:
    chosen = problem.pair_index(rep)
    load = np.bincount(rep, weights=problem.pair_load[chosen], minlength=problem.m)
    soft = [t.rep_sums(rep, chosen, problem.m) for t in problem.soft]
    return State(rep.copy(), chosen, [b.usage(chosen) for b in problem.blocks], load, soft)


def _lower(block) -> np.ndarray:
    lower = getattr(block, "lower", None)
    return np.full(len(block.upper), -np.inf) if lower is None else np.asarray(lower, float)


def net_per_key(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per entry (rows of ``keys``: the entries of one move, columns: moves), the sum of
    ``values`` over the move's entries with the same key, and a mask of each key's first
    entry (so every key touched by a move is counted once)."""
    net = np.zeros(keys.shape)
    first = np.ones(keys.shape, dtype=bool)
    for e in range(len(keys)):
        for f in range(len(keys)):
            same = keys[f] == keys[e]
            net[e] += np.where(same, values[f], 0.0)
            if f < e:
                first[e] &= ~same
    return net, first


def shift_entries(old: np.ndarray, new: np.ndarray, at: np.ndarray, amount: np.ndarray):
    """(keys, values) of k-shift moves: each shift takes ``amount[old]`` off key
    ``at[old]`` and puts ``amount[new]`` on ``at[new]``; arrays of 2k x moves."""
    return np.concatenate([at[old], at[new]]), np.concatenate([-amount[old], amount[new]])


def _fits(problem: Problem, state: State, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Mask of moves (``old``/``new``: k x moves pairs, one shift per row) keeping every
    row: a row the move fills ends at most at its ceiling, a row it empties at least at
    its floor (a row it leaves unchanged is not looked at)."""
    ok = np.ones(old.shape[1], dtype=bool)
    for block, usage in zip(problem.blocks, state.usage, strict=True):
        upper, lower = block.upper, _lower(block)
        room = upper - ROW_SLACK * np.maximum(1.0, np.abs(upper))
        keys, values = shift_entries(old, new, block.row, block.coeff)
        net, first = net_per_key(keys, values)
        inside = first & (keys >= 0)
        rows = np.maximum(keys, 0)
        after = usage[rows] + net
        bad = ((net > 0) & (after > room[rows])) | ((net < 0) & (after < lower[rows]))
        ok &= ~(inside & bad).any(axis=0)
    return ok


def _balance_delta(problem: Problem, state: State, reps: np.ndarray, change: np.ndarray):
    """Exact change of the balance term when each move adds ``change`` (2k x moves, the
    entries of :func:`shift_entries`) to the load of ``reps``."""
    bal = problem.balance
    if bal is None or bal.weight == 0:
        return np.zeros(reps.shape[1])
    act = bal.active
    s = np.where(act, bal.shares, 0.0)
    load = state.load
    total = load.sum()
    new_total = total + change.sum(axis=0)
    # sum over all active reps of |L_j - s_j T'|, from breakpoints L_j / s_j (s_j > 0)
    pos = act & (s > 0)
    zero_share = float(np.abs(load[act & (s <= 0)]).sum())
    t = load[pos] / s[pos]
    order = np.argsort(t)
    t, lp, sp = t[order], load[pos][order], s[pos][order]
    cum_l = np.concatenate([[0.0], np.cumsum(lp)])
    cum_s = np.concatenate([[0.0], np.cumsum(sp)])
    k = np.searchsorted(t, new_total)
    below = new_total * cum_s[k] - cum_l[k]
    above = (cum_l[-1] - cum_l[k]) - new_total * (cum_s[-1] - cum_s[k])
    spread = below + above + zero_share
    # replace the reps the move touches by their loads after it
    net, first = net_per_key(reps, change)
    target = s[reps] * new_total
    swapped = (np.abs(load[reps] + net - target) - np.abs(load[reps] - target)) * act[reps]
    now = float(np.abs(load - s * total)[act].sum())
    return bal.weight * (spread + (swapped * first).sum(axis=0) - now)


def move_deltas(
    problem: Problem, state: State, cost: np.ndarray, old: np.ndarray, new: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(exact objective change, mask of moves keeping every row) of moves made of k
    shifts of distinct accounts, ``old[t, c]`` -> ``new[t, c]`` (pairs, k x moves);
    ``cost`` is ``pair_cost``. A soft balance band (solver.objectives.bands) changes on the
    reps the move touches only: price x its excess outside the band, after minus before."""
    delta = (cost[new] - cost[old]).sum(axis=0)
    reps, change = shift_entries(old, new, problem.pair_rep, problem.pair_load)
    delta += _balance_delta(problem, state, reps, change)
    for term, sums in zip(problem.soft, state.soft, strict=True):
        _, load = shift_entries(old, new, problem.pair_rep, term.load)
        net, first = net_per_key(reps, load)

        def priced(x: np.ndarray, term=term) -> np.ndarray:
            upper, lower = term.upper[reps], term.lower[reps]
            return term.price[reps] * np.maximum(0.0, np.maximum(x - upper, lower - x))

        delta += ((priced(sums[reps] + net) - priced(sums[reps])) * first).sum(axis=0)
    return delta, _fits(problem, state, old, new)


def shift_deltas(
    problem: Problem, state: State, cost: np.ndarray, pairs: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(candidate pairs, exact objective change) of every allowed shift of a free account
    onto one of ``pairs`` (all candidate pairs when None); ``cost`` is ``pair_cost``."""
    old, new = _candidates(problem, state, pairs)
    delta, ok = move_deltas(problem, state, cost, old[None], new[None])
    return new[ok], delta[ok]


def apply_shift(problem: Problem, state: State, new: int) -> None:
    i = int(problem.pair_customer[new])
    old = int(state.chosen[i])
    for block, usage in zip(problem.blocks, state.usage, strict=True):
        if block.row[old] >= 0:
            usage[block.row[old]] -= block.coeff[old]
        if block.row[new] >= 0:
            usage[block.row[new]] += block.coeff[new]
    state.load[problem.pair_rep[old]] -= problem.pair_load[old]
    state.load[problem.pair_rep[new]] += problem.pair_load[new]
    for term, sums in zip(problem.soft, state.soft, strict=True):
        sums[problem.pair_rep[old]] -= term.load[old]
        sums[problem.pair_rep[new]] += term.load[new]
    state.rep[i] = problem.pair_rep[new]
    state.chosen[i] = new


def _candidates(problem: Problem, state: State, pairs: np.ndarray | None):
    """(old, new) pairs of every shift of a free account onto ``pairs`` (all when None)."""
    new = np.arange(len(problem.pair_rep)) if pairs is None else pairs
    cust = problem.pair_customer[new]
    old = state.chosen[cust]
    keep = (new != old) & (problem.forced[cust] < 0)
    return old[keep], new[keep]


def swap_moves(
    problem: Problem,
    state: State,
    cost: np.ndarray,
    old: np.ndarray,
    new: np.ndarray,
    alone: np.ndarray,
    width: int = SWAP_WIDTH,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(old, new, exact change) of swaps that keep every row, made of the shifts ``old``
    -> ``new`` (``alone``: each one's change on its own, rows not checked): account i of
    rep a goes to rep b and account j of b to a; ``old``/``new`` of the result are 2 x
    swaps. A swap keeps both reps' account counts, so it can trade a small account for a
    large one where a rep is at its account limit. Tried: for each pair of reps, every
    pairing of the ``width`` cheapest shifts each way."""
    m = problem.m
    group = problem.pair_rep[old] * m + problem.pair_rep[new]
    top, rank = _cheapest(group, alone, width)
    groups, slot = np.unique(group[top], return_inverse=True)
    empty = np.zeros((2, 0), dtype=np.int64)
    if not len(groups):
        return empty, empty, np.zeros(0)
    table = np.full((len(groups), width), -1, dtype=np.int64)
    table[slot, rank] = top
    a, b = groups // m, groups % m
    pos = np.minimum(np.searchsorted(groups, b * m + a), len(groups) - 1)
    both = np.flatnonzero((a < b) & (groups[pos] == b * m + a))
    return _paired(problem, state, cost, old, new, table[both], table[pos[both]])


def _paired(problem, state, cost, old, new, firsts: np.ndarray, seconds: np.ndarray):
    """(old, new, exact change) of the two-shift moves that keep every row: per row of
    ``firsts`` and ``seconds`` (shift positions, -1 = none), every shift of the one
    followed by every shift of the other."""
    one, two = pairings(firsts, seconds)
    old2, new2 = np.stack([old[one], old[two]]), np.stack([new[one], new[two]])
    delta, ok = move_deltas(problem, state, cost, old2, new2)
    return old2[:, ok], new2[:, ok], delta[ok]


def _cheapest(key: np.ndarray, alone: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions, rank) of the ``width`` lowest ``alone`` of each ``key``, by key then rank."""
    order = np.lexsort((alone, key))
    k = key[order]
    first = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    rank = np.arange(len(k)) - np.repeat(first, np.diff(np.r_[first, len(k)]))
    return order[rank < width], rank[rank < width]


def chain_moves(
    problem: Problem,
    state: State,
    cost: np.ndarray,
    old: np.ndarray,
    new: np.ndarray,
    alone: np.ndarray,
    width: int = CHAIN_WIDTH,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(old, new, exact change) of ejection chains that keep every row, made of the
    shifts ``old`` -> ``new`` (``alone`` as in :func:`swap_moves`): account i goes from
    rep a to rep b and account j from b on to rep c (c = a is a swap). A chain carries
    load across a rep that should keep its own, from a rep over its share towards one
    under it. Tried: for each rep b, every pairing of the ``width`` cheapest shifts onto
    it with the ``width`` cheapest off it."""
    return _paired(problem, state, cost, old, new, *chain_tables(problem, old, new, alone, width))


def chain_tables(problem: Problem, old, new, alone, width: int) -> list[np.ndarray]:
    """Per rep b, the positions of the ``width`` lowest-``alone`` shifts ``old`` -> ``new``
    onto b, then of those off b (-1 = none): the two halves of chains through b."""
    tables = []
    for key in (problem.pair_rep[new], problem.pair_rep[old]):  # onto b, then off b
        top, rank = _cheapest(key, alone, width)
        table = np.full((problem.m, width), -1, dtype=np.int64)
        table[key[top], rank] = top
        tables.append(table)
    return tables


def pairings(firsts: np.ndarray, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``firsts`` and ``seconds`` (shift positions, -1 = none), every shift of
    the one with every shift of the other: the two positions of each pairing."""
    one = np.broadcast_to(firsts[:, :, None], (len(firsts), firsts.shape[1], seconds.shape[1]))
    two = np.broadcast_to(seconds[:, None, :], one.shape)
    valid = (one >= 0) & (two >= 0)
    return one[valid], two[valid]


def _apply(
    problem: Problem,
    state: State,
    cost: np.ndarray,
    moves: tuple[np.ndarray, np.ndarray, np.ndarray],
    touched: np.ndarray,
    deadline: float | None,
    per_rep: int = 1,
) -> int:
    """Make the improving ``moves`` (old, new: k x moves pairs; change) cheapest first,
    each on reps that moves made before it in this round touched fewer than ``per_rep``
    times (``touched``, a count per rep, updated) and on accounts not moved yet in it,
    each re-priced and re-checked just before; returns the accounts moved."""
    old, new, delta = moves
    good = np.flatnonzero(delta < -1e-9)
    order = good[np.argsort(delta[good], kind="stable")][:SHIFTS_PER_ROUND]
    # the per-move checks read plain lists: one numpy call per move costs more than the
    # checks themselves on a round of thousands of candidates
    olds = old[:, order].T.tolist()
    accounts = problem.pair_customer[old[:, order]].T.tolist()
    reps_of = np.concatenate([problem.pair_rep[old[:, order]], problem.pair_rep[new[:, order]]])
    moved = 0
    for c, reps, account, was in zip(order, reps_of.T.tolist(), accounts, olds, strict=True):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        if any(touched[r] >= per_rep for r in reps) or any(
            state.chosen[i] != p for i, p in zip(account, was, strict=True)
        ):
            continue  # a rep used up this round, or an account an earlier move took
        change, ok = move_deltas(problem, state, cost, old[:, c : c + 1], new[:, c : c + 1])
        if ok[0] and change[0] < -1e-9:
            for p in new[:, c]:
                apply_shift(problem, state, int(p))
            touched[np.unique(reps)] += 1
            moved += len(new)
    return moved


def descend(
    problem: Problem,
    rep: np.ndarray,
    pairs: np.ndarray | None = None,
    rounds: int = 1_000,
    deadline: float | None = None,
    swaps: bool = True,
    stop: StopRequest | None = None,
    per_rep: int = 1,
) -> tuple[np.ndarray, int]:
    """Apply improving shifts onto ``pairs`` (all when None), and with ``swaps`` improving
    swaps (:func:`swap_moves`) when no shift improves, until neither does, ``rounds``
    rounds are done, ``deadline`` (perf_counter seconds) has passed or ``stop`` is set
    (an early stop, Ctrl-C); returns the plan and the number of accounts moved.
    A round makes at most ``per_rep`` moves on each rep (1: moves on distinct reps, whose
    round prices stay exact until applied; more: far more moves per round on a book with
    many accounts per rep, each still exact when made); the next prices
    only the moves on or onto the reps it touched, and a round over every pair ends the
    descent once no move improves. Each move is re-priced and re-checked just before."""
    state = state_of(problem, rep)
    cost = problem.pair_cost
    pool = np.arange(len(problem.pair_rep)) if pairs is None else pairs
    dirty = None  # the pairs the last round may have changed; None = all of ``pool``
    made = 0
    for _ in range(rounds):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        if stop is not None and stop.is_set():
            break
        old, new = _candidates(problem, state, pool if dirty is None else pool[dirty])
        delta, ok = move_deltas(problem, state, cost, old[None], new[None])
        touched = np.zeros(problem.m, dtype=np.int64)
        moves = (old[None, ok], new[None, ok], delta[ok])
        applied = _apply(problem, state, cost, moves, touched, deadline, per_rep)
        if not applied and swaps:
            pairs_of = (swap_moves(problem, state, cost, old, new, delta),
                        chain_moves(problem, state, cost, old, new, delta))  # fmt: skip
            moves = tuple(np.concatenate(parts, axis=-1) for parts in zip(*pairs_of, strict=True))
            applied = _apply(problem, state, cost, moves, touched, deadline, per_rep)
        made += applied
        if not applied and dirty is None:
            break
        hit = touched > 0
        on = hit[problem.pair_rep[pool]] | hit[state.rep[problem.pair_customer[pool]]]
        dirty = np.flatnonzero(on) if applied else None
    return state.rep, made
