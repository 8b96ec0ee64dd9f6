"""Fast exact local moves: shift one account to another of its candidate reps.

Every shift of every free account is priced at once in numpy, with its exact change of
objective: the separable cost of the new pair minus the old, plus the change of the
balance term weight x sum_j active |L_j - s_j T| (T = total load), in which the move
changes L of the two reps and T, hence every rep's target. The sum over the reps the move
leaves alone is read off sorted breakpoints T = L_j / s_j with prefix sums, so each shift
costs O(log m). A soft balance band (solver.objectives.bands) changes on the two reps
only: price x its excess outside the band, after the move minus before. A shift is
allowed when every row of every block stays within ``lower <= usage <= upper``
(``lower`` read as no floor when a block has none).

Improving shifts are then applied one at a time, cheapest first, each re-priced and
re-checked against the state left by the ones before it, so the plan keeps every hard row
and its cost drops with each. Units: cost points; rows in their own unit (hours, accounts).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from solver.problem import Problem

#: a row may be used up to upper - this share of max(1, |upper|) (float sums of the checker)
ROW_SLACK = 1e-9
#: improving shifts re-priced and applied per round (cheapest first)
SHIFTS_PER_ROUND = 2_000


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


def _soft_delta(problem: Problem, state: State, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Exact change of every soft balance band when pair ``old`` gives way to ``new``."""
    a, b = problem.pair_rep[old], problem.pair_rep[new]
    delta = np.zeros(len(old))
    for term, sums in zip(problem.soft, state.soft, strict=True):

        def priced(j: np.ndarray, x: np.ndarray, term=term) -> np.ndarray:
            return term.price[j] * np.maximum(0.0, np.maximum(x - term.upper[j], term.lower[j] - x))

        delta += priced(a, sums[a] - term.load[old]) - priced(a, sums[a])
        delta += priced(b, sums[b] + term.load[new]) - priced(b, sums[b])
    return delta


def _lower(block) -> np.ndarray:
    lower = getattr(block, "lower", None)
    return np.full(len(block.upper), -np.inf) if lower is None else np.asarray(lower, float)


def _fits(problem: Problem, state: State, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Mask of shifts (pair ``old`` -> pair ``new`` of the same customer) keeping every row."""
    ok = np.ones(len(new), dtype=bool)
    for block, usage in zip(problem.blocks, state.usage, strict=True):
        upper, lower = block.upper, _lower(block)
        room = upper - ROW_SLACK * np.maximum(1.0, np.abs(upper))
        r_old, r_new = block.row[old], block.row[new]
        c_old, c_new = block.coeff[old], block.coeff[new]
        same = r_old == r_new
        # the row the account joins (or its own row, when both pairs are in one)
        into = r_new >= 0
        after = usage[np.maximum(r_new, 0)] + c_new - np.where(same, c_old, 0.0)
        rn = np.maximum(r_new, 0)
        grows = after > usage[rn]
        ok &= ~into | ~grows | (after <= room[rn])
        ok &= ~into | grows | (after >= lower[rn])
        # the row it leaves (when different)
        out = (r_old >= 0) & ~same
        ro = np.maximum(r_old, 0)
        left = usage[ro] - c_old
        ok &= ~out | (left >= lower[ro]) | (c_old <= 0)
        ok &= ~out | (left <= room[ro]) | (c_old >= 0)
    return ok


def _balance_delta(
    problem: Problem, state: State, a: np.ndarray, b: np.ndarray, la: np.ndarray, lb: np.ndarray
) -> np.ndarray:
    """Exact change of the balance term when load ``la`` leaves rep a and ``lb`` joins b."""
    bal = problem.balance
    if bal is None or bal.weight == 0:
        return np.zeros(len(a))
    act = bal.active
    s = np.where(act, bal.shares, 0.0)
    load = state.load
    total = load.sum()
    new_total = total + lb - la
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

    # replace reps a and b by their loads after the move
    def gap(rep: np.ndarray, change: np.ndarray) -> np.ndarray:
        return np.abs(load[rep] + change - s[rep] * new_total) * act[rep]

    zero = np.zeros(len(a))
    swapped = gap(a, -la) + gap(b, lb) - gap(a, zero) - gap(b, zero)
    now = float(np.abs(load - s * total)[act].sum())
    return bal.weight * (spread + swapped - now)


def shift_deltas(
    problem: Problem, state: State, cost: np.ndarray, pairs: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(candidate pairs, exact objective change) of every allowed shift of a free account
    onto one of ``pairs`` (all candidate pairs when None); ``cost`` is ``pair_cost``."""
    new = np.arange(len(problem.pair_rep)) if pairs is None else pairs
    cust = problem.pair_customer[new]
    old = state.chosen[cust]
    keep = (new != old) & (problem.forced[cust] < 0)
    new, old = new[keep], old[keep]
    keep = _fits(problem, state, old, new)
    new, old = new[keep], old[keep]
    delta = cost[new] - cost[old]
    delta += _balance_delta(
        problem,
        state,
        problem.pair_rep[old],
        problem.pair_rep[new],
        problem.pair_load[old],
        problem.pair_load[new],
    )
    if problem.soft:
        delta += _soft_delta(problem, state, old, new)
    return new, delta


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


def descend(
    problem: Problem,
    rep: np.ndarray,
    pairs: np.ndarray | None = None,
    rounds: int = 50,
    deadline: float | None = None,
) -> tuple[np.ndarray, int]:
    """Apply improving shifts onto ``pairs`` (all when None) until none is left, ``rounds``
    rounds are done or ``deadline`` (perf_counter seconds) has passed; returns the plan and
    the number of shifts made. Each shift is re-priced and re-checked just before."""
    state = state_of(problem, rep)
    cost = problem.pair_cost
    made = 0
    for _ in range(rounds):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        new, delta = shift_deltas(problem, state, cost, pairs)
        good = np.flatnonzero(delta < -1e-9)
        applied = 0
        for p in new[good[np.argsort(delta[good], kind="stable")][:SHIFTS_PER_ROUND]]:
            if deadline is not None and time.perf_counter() >= deadline:
                break
            again, change = shift_deltas(problem, state, cost, np.array([p]))
            if len(again) and change[0] < -1e-9:
                apply_shift(problem, state, int(p))
                applied += 1
        made += applied
        if not applied:
            break
    return state.rep, made
