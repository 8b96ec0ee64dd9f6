"""Reasons in business words: why each customer has its rep, and a term-by-term explanation.

A reason is derived from the finished plan alone: the rule that forced the rep, the
previous rep's status, or the cost difference against the previous / cheapest rep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solver.constraints import active_rules
from solver.facts import PairFacts
from solver.objectives import balance

if TYPE_CHECKING:
    from solver.problem import Problem

TERM_WORDS = {
    "travel": "travel",
    "specialty": "specialty fit",
    "value_fit": "value fit (seniority)",
    "continuity": "continuity",
}


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


def _main_driver(problem: Problem, p: int, q: int) -> str:
    """The term that favours pair p over pair q the most, e.g. 'travel -120'."""
    deltas = {name: cost[p] - cost[q] for name, cost in problem.pair_terms.items()}
    name = min(deltas, key=deltas.get)
    return f"{TERM_WORDS.get(name, name)} {deltas[name]:+.0f}"


def reasons(problem: Problem, rep: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    f = problem.facts
    assert f is not None
    cost = problem.pair_cost
    starts = problem.customer_starts()
    prev = f.current
    prev_pair = problem.pair_index(np.maximum(prev, 0))
    prev_pair[prev < 0] = -1
    gone = np.flatnonzero((prev >= 0) & (prev_pair < 0) & (prev != rep))
    why_gone = dict(zip(gone, _ineligible_rule(problem, gone, prev[gone]), strict=True))
    until = problem.customers["protected_until"].to_numpy(dtype=object)
    out = np.empty(problem.n, dtype=object)
    for i in range(problem.n):
        r, p = f.rep_ids[rep[i]], chosen[i]
        seg = slice(starts[i], starts[i + 1])
        cheapest = starts[i] + int(np.argmin(cost[seg]))
        if problem.forced[i] >= 0:
            if problem.forced_reason[i].startswith("protected"):
                out[i] = f"protected until {until[i]}: stays with {r}, who made first contact"
            else:
                out[i] = f"locked to {r} by the scenario"
        elif prev[i] < 0:
            out[i] = (
                f"new account: {r} is its lowest-cost eligible rep"
                if p == cheapest
                else f"new account: {r}; the lowest-cost rep "
                f"{f.rep_ids[problem.pair_rep[cheapest]]}"
                " is needed for capacity or balance"
            )
        elif prev[i] == rep[i]:
            out[i] = f"kept with current rep {r}"
        elif i in why_gone:
            rule = why_gone[i] or "candidate"
            old = f.rep_ids[prev[i]]
            out[i] = (
                f"moved: previous rep {old} is leaving; {r} is the best remaining fit"
                if rule == "leaving_rep"
                else f"moved: previous rep {old} is no longer allowed ({rule} rule)"
            )
        else:
            q = prev_pair[i]
            old = f.rep_ids[prev[i]]
            saving = cost[q] - cost[p]
            if saving > 0:
                out[i] = (
                    f"moved from {old}: {saving:.0f} lower cost ({_main_driver(problem, p, q)})"
                )
            else:
                out[i] = f"moved from {old} to balance workload or respect capacity"
    return out


def explain_customer(problem: Problem, rep: np.ndarray, customer_id: str) -> str:
    """Multi-line explanation: assigned rep, runner-up, cost difference term by term."""
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
    lines.append(f"runner-up: {reps[problem.pair_rep[q]]} ({len(seg)} eligible reps)")
    lines.append(f"{'term':<14}{'assigned':>12}{'runner-up':>12}{'difference':>12}")
    for name, values in problem.pair_terms.items():
        lines.append(
            f"{name:<14}{values[p]:>12.1f}{values[q]:>12.1f}{values[p] - values[q]:>+12.1f}"
        )
    lines.append(f"{'total':<14}{cost[p]:>12.1f}{cost[q]:>12.1f}{cost[p] - cost[q]:>+12.1f}")
    if problem.pairs is not None and problem.balance is not None:
        assigned = problem.pairs.subset(problem.pair_index(rep))
        load = balance.rep_loads(assigned, problem.scenario)
        target = balance.targets(assigned, problem.scenario)
        unit = "accounts" if problem.scenario.workload_unit == "accounts" else "h"
        for j in (rep[i], problem.pair_rep[q]):
            lines.append(f"balance: {reps[j]} load {load[j]:,.1f} {unit}, target {target[j]:,.1f}")
        if cost[p] > cost[q]:
            lines.append(
                "the runner-up is cheaper pair-wise; the plan keeps it away for workload "
                "balance or capacity"
            )
    return "\n".join(lines)
