"""Reasons in business words: why each customer has its rep, and a term-by-term explanation.

A reason is derived from the finished plan alone: the rule that forced the rep, the
previous rep's status, or the cost difference against the previous / cheapest rep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solver.constraints import active_rules
from solver.inputs.facts import PairFacts
from solver.objectives import balance
from solver.objectives.bands import PREFIX as SOFT_PREFIX
from solver.objectives.bands import SoftBand

if TYPE_CHECKING:
    from solver.problem import Problem

TERM_WORDS = {
    "travel": "travel",
    "specialty": "specialty fit",
    "value_fit": "value fit (seniority)",
    "continuity": "continuity",
    balance.NAME: "workload balance",
}
#: balance deltas are computed for this many customers at a time (rows x reps floats)
DELTA_CHUNK = 2_000


def _ineligible_rule(problem: Problem, customers: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """Name of the first rule that forbids each (customer, rep) pair; '' when none does."""
    assert problem.facts is not None
    pairs = PairFacts.of(problem.facts, customers, reps)
    out = np.full(len(customers), "", dtype=object)
    for rule in active_rules(problem.scenario):
        mask = rule.allowed(pairs, problem.scenario)
        if mask is not None:
            out[(out == "") & ~mask] = rule.name
    return out


def balance_delta(problem: Problem, rep: np.ndarray, customers: np.ndarray, alt: np.ndarray):
    """Balance cost of the plan ``rep`` minus that of the same plan with customer
    ``customers[k]`` on pair ``alt[k]`` instead (one customer at a time, cost points).

    With L the rep loads, s the shares and c_p, c_q the loads of the two pairs:
    B' = w x sum_active |L' - s x sum L'|, where L' moves c_p off rep[i] and c_q onto the
    alternative's rep. Negative: balance favours the plan's choice.
    """
    out = np.zeros(len(customers))
    bal = problem.balance
    if bal is None or len(customers) == 0:
        return out
    chosen = problem.pair_index(rep)
    load = np.bincount(rep, weights=problem.pair_load[chosen], minlength=problem.m)
    total = load.sum()
    now = bal.weight * np.abs(load - bal.shares * total)[bal.active].sum()
    c_p = problem.pair_load[chosen[customers]]
    c_q = problem.pair_load[alt]
    for lo in range(0, len(customers), DELTA_CHUNK):
        k = slice(lo, lo + DELTA_CHUNK)
        rows = np.arange(len(c_p[k]))
        moved_total = total - c_p[k] + c_q[k]
        dev = load[None, :] - bal.shares[None, :] * moved_total[:, None]
        np.subtract.at(dev, (rows, rep[customers[k]]), c_p[k])
        np.add.at(dev, (rows, problem.pair_rep[alt[k]]), c_q[k])
        out[k] = now - bal.weight * np.abs(dev[:, bal.active]).sum(axis=1)
    return out


def soft_delta(
    problem: Problem, term: SoftBand, rep: np.ndarray, customers: np.ndarray, alt: np.ndarray
) -> np.ndarray:
    """A soft balance band's cost in the plan ``rep`` minus its cost with customer
    ``customers[k]`` on pair ``alt[k]`` instead (cost points; only the two reps change:
    the plan's rep loses the account's measure, the other rep gains it)."""
    chosen = problem.pair_index(rep)
    sums = term.rep_sums(rep, chosen, problem.m)
    a, b = rep[customers], problem.pair_rep[alt]
    out_a = sums[a] - term.load[chosen[customers]]
    in_b = sums[b] + term.load[alt]

    def cost(j: np.ndarray, s: np.ndarray) -> np.ndarray:
        excess = np.maximum(0.0, np.maximum(s - term.upper[j], term.lower[j] - s))
        return term.price[j] * excess

    return cost(a, sums[a]) + cost(b, sums[b]) - cost(a, out_a) - cost(b, in_b)


def term_deltas(
    problem: Problem, rep: np.ndarray, customers: np.ndarray, alt: np.ndarray
) -> dict[str, np.ndarray]:
    """Per term, the plan's cost minus its cost with each customer on pair ``alt`` instead
    (cost points; negative = that term favours the plan's choice). Balance included."""
    chosen = problem.pair_index(rep)[customers]
    deltas = {name: cost[chosen] - cost[alt] for name, cost in problem.pair_terms.items()}
    if problem.balance is not None:
        deltas[balance.NAME] = balance_delta(problem, rep, customers, alt)
    for term in problem.soft:
        deltas[term.name] = soft_delta(problem, term, rep, customers, alt)
    return deltas


def term_words(name: str) -> str:
    """A term in words; a soft band names its measure (``balance[value]``: value balance)."""
    if name in TERM_WORDS:
        return TERM_WORDS[name]
    if name.startswith(SOFT_PREFIX + "["):
        return f"{name[len(SOFT_PREFIX) + 1 :].split(']')[0]} balance"
    return name


def _decider(deltas: dict[str, np.ndarray], k: int) -> tuple[str, float, float]:
    """(term in words, its delta, total delta) of row k: the term favouring the choice most."""
    name = min(deltas, key=lambda t: deltas[t][k])
    total = float(sum(d[k] for d in deltas.values()))
    return term_words(name), float(deltas[name][k]), total


def _runner_up(problem: Problem, rep: np.ndarray) -> np.ndarray:
    """Per customer, its cheapest candidate pair other than the plan's (-1: none)."""
    cost = problem.pair_cost.copy()
    cost[problem.pair_index(rep)] = np.inf
    order = np.lexsort((cost, problem.pair_customer))  # by customer, cheapest first
    starts = problem.customer_starts()
    out = np.full(problem.n, -1, dtype=np.int64)
    has = np.diff(starts) > 1
    out[has] = order[starts[:-1][has]]
    return out


def _blocking_rule(
    problem: Problem, rep: np.ndarray, customers: np.ndarray, alt: np.ndarray
) -> np.ndarray:
    """Per customer, the first row rule (capacity, account cap, move budget, a balance
    band or rep floor, whose floor the rep left would fall below) that the
    single move to pair ``alt`` would break in the plan ``rep``; '' when none would."""
    out = np.full(len(customers), "", dtype=object)
    chosen = problem.pair_index(rep)
    for block in problem.blocks:
        used = block.usage(chosen)
        p, q = chosen[customers], alt
        row = block.row[q]
        inside = row >= 0
        after = np.where(inside, used[np.maximum(row, 0)] + block.coeff[q], 0.0)
        after -= np.where(inside & (block.row[p] == row), block.coeff[p], 0.0)
        over = inside & (after > block.upper[np.maximum(row, 0)] + 1e-9)
        src = block.row[p]
        leaves = (src >= 0) & (src != row)
        rest = used[np.maximum(src, 0)] - block.coeff[p]
        under = leaves & (rest < block.lower[np.maximum(src, 0)] - 1e-9)
        out[(out == "") & (over | under)] = block.rule
    return out


def forced_by(problem: Problem, rep: np.ndarray) -> np.ndarray:
    """Per customer, the hard rule that decided its rep ('' when the objective did): a
    protection or lock, a rule that no longer lets the previous rep keep it (a leaving rep,
    key-account seniority, region, travel, specialty), or a protection released because
    its rep leaves."""
    f = problem.facts
    assert f is not None
    out = np.where(problem.forced >= 0, problem.forced_reason, "").astype(object)
    prev = f.current
    prev_pair = problem.pair_index(np.maximum(prev, 0))
    gone = np.flatnonzero((prev >= 0) & (prev_pair < 0) & (prev != rep) & (problem.forced < 0))
    until = problem.customers["protected_until"].to_numpy(dtype=object)
    for i, rule in zip(gone, _ineligible_rule(problem, gone, prev[gone]), strict=True):
        old = f.rep_ids[prev[i]]
        if rule == "leaving_rep":
            out[i] = f"leaving rep {old} (active = false)"
        else:
            out[i] = f"{rule or 'candidate'} rule: {old} may no longer own it"
    for i in np.flatnonzero(f.released >= 0):
        released = f"protection of leaving rep {f.rep_ids[f.released[i]]} until {until[i]} released"
        out[i] = f"{out[i]}; {released}" if out[i] else released
    return out


def reasons(
    problem: Problem, rep: np.ndarray, chosen: np.ndarray, customers: np.ndarray | None = None
) -> np.ndarray:
    """One sentence per customer (of ``customers`` only, when given): the rule that forced
    its rep, or the term that decided it against the alternative (its previous rep when
    that one could keep it, else the runner-up), from the same per-term deltas
    :func:`explain_customer` prints."""
    f = problem.facts
    assert f is not None
    rows = np.arange(problem.n) if customers is None else np.asarray(customers)
    prev = f.current
    prev_pair = problem.pair_index(np.maximum(prev, 0))
    prev_pair[prev < 0] = -1
    runner = _runner_up(problem, rep)
    moved_by_choice = (prev >= 0) & (prev != rep) & (prev_pair >= 0)
    alt = np.where(moved_by_choice, prev_pair, runner)
    asked = np.zeros(problem.n, dtype=bool)
    asked[rows] = True
    compared = np.flatnonzero(asked & (problem.forced < 0) & (prev != rep) & (alt >= 0))
    deltas = term_deltas(problem, rep, compared, alt[compared])
    blocked = _blocking_rule(problem, rep, compared, alt[compared])
    row_of = {int(i): k for k, i in enumerate(compared)}
    why_forced = forced_by(problem, rep)
    until = problem.customers["protected_until"].to_numpy(dtype=object)
    out = np.empty(problem.n, dtype=object)
    for i in rows:
        r = f.rep_ids[rep[i]]
        old = f.rep_ids[prev[i]] if prev[i] >= 0 else ""
        versus = ""
        if i in row_of:
            k = row_of[i]
            word, delta, total = _decider(deltas, k)
            other = f.rep_ids[problem.pair_rep[alt[i]]]
            head = f"to {r}" if moved_by_choice[i] else f"{r} over {other}"
            if total < 0:
                versus = f"{head}: {-total:.0f} lower cost, decided by {word} ({delta:+.0f})"
            elif blocked[k]:
                versus = f"{head}: {other} has no room ({blocked[k]} rule)"
            else:
                versus = (
                    f"{head}: {other} would cost {total:.0f} less, within the plan's gap "
                    "to the bound"
                )
        if problem.forced[i] >= 0:
            if not problem.forced_reason[i].startswith("protected"):
                out[i] = (
                    f"moved to {r}: locked by the scenario"
                    if old and old != r
                    else (f"locked to {r} by the scenario")
                )
            elif old == r:
                out[i] = f"protected until {until[i]}: stays with {r}, who made first contact"
            elif old:
                out[i] = f"moved to {r}, which holds its protection until {until[i]}"
            else:
                out[i] = (
                    f"new account protected until {until[i]}: goes to {r}, who made first contact"
                )
        elif prev[i] == rep[i]:
            out[i] = f"kept with current rep {r}"
        elif prev[i] < 0:
            out[i] = f"new account: {versus or f'{r} is its only eligible rep'}"
        elif not moved_by_choice[i]:
            cause = why_forced[i] or "a hard rule"
            out[i] = f"moved from {old} ({cause}); {versus or f'{r} is its only eligible rep'}"
        else:
            out[i] = f"moved from {old} {versus}"
    return out if customers is None else out[rows]


def explain_customer(problem: Problem, rep: np.ndarray, customer_id: str) -> str:
    """Multi-line explanation: the assigned rep against the same alternative the CSV reason
    names (the previous rep it moved from, else the runner-up), term by term with the
    balance term's change, and the deciding term."""
    ids = list(problem.customer_ids)
    if customer_id not in ids:
        raise KeyError(f"unknown customer_id {customer_id!r}")
    i = ids.index(customer_id)
    reps = problem.rep_ids
    starts = problem.customer_starts()
    seg = np.arange(starts[i], starts[i + 1])
    p = int(problem.pair_index(rep)[i])
    lines = [f"customer {customer_id} -> {reps[rep[i]]}"]
    if problem.forced[i] >= 0:
        lines.append(f"decided by a hard rule: {problem.forced_reason[i]}")
        return "\n".join(lines)
    others = seg[seg != p]
    if len(others) == 0:
        lines.append("decided by the hard rules: it is the only eligible rep")
        return "\n".join(lines)
    cost = problem.pair_cost
    q = int(others[np.argmin(cost[others])])
    prev = problem.facts.current[i] if problem.facts is not None else -1
    prev_pair = (
        int(problem.pair_index(np.maximum(problem.facts.current, 0))[i]) if prev >= 0 else -1
    )
    if prev >= 0 and prev != rep[i] and prev_pair >= 0:  # compared as its CSV reason is
        q = prev_pair
        lines.append(f"compared with its previous rep {reps[prev]} ({len(seg)} eligible reps)")
    else:
        lines.append(f"runner-up: {reps[problem.pair_rep[q]]} ({len(seg)} eligible reps)")
    w = max([18, *(len(t.name) + 9 for t in problem.soft)])  # label column
    lines.append(f"{'term':<{w}}{'assigned':>12}{'other':>12}{'difference':>12}")
    for name, values in problem.pair_terms.items():
        lines.append(
            f"{name:<{w}}{values[p]:>12.1f}{values[q]:>12.1f}{values[p] - values[q]:>+12.1f}"
        )
    deltas = term_deltas(problem, rep, np.array([i]), np.array([q]))
    total = sum(float(d[0]) for d in deltas.values())
    if balance.NAME in deltas:
        lines.append(f"{'balance (plan)':<{w}}{'':>12}{'':>12}{deltas[balance.NAME][0]:>+12.1f}")
    for term in problem.soft:
        label = f"{term.name} (plan)"
        lines.append(f"{label:<{w}}{'':>12}{'':>12}{deltas[term.name][0]:>+12.1f}")
    lines.append(f"{'total':<{w}}{'':>12}{'':>12}{total:>+12.1f}")
    word, delta, _ = _decider(deltas, 0)
    lines.append(f"decided by: {word} ({delta:+.1f})")
    if problem.pairs is not None and problem.balance is not None:
        assigned = problem.pairs.subset(problem.pair_index(rep))
        load = balance.rep_loads(assigned, problem.scenario)
        target = balance.targets(assigned, problem.scenario)
        unit = "accounts" if problem.scenario.workload_unit == "accounts" else "h"
        for j in (rep[i], problem.pair_rep[q]):
            lines.append(f"balance: {reps[j]} load {load[j]:,.1f} {unit}, target {target[j]:,.1f}")
    if total > 0:
        lines.append(
            "the runner-up is cheaper on its own; the plan keeps it away for the capacity "
            "or account limits"
        )
    return "\n".join(lines)
