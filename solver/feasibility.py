"""Explain infeasibility in business words before (and after) an engine runs.

Pre-checks find the common causes directly: customers with no eligible rep, protected or
locked work above a rep's capacity, total demand above total capacity. When an engine
still proves a scenario infeasible, :func:`diagnose_blocks` finds which families of rows
(capacity hours, account caps, move budget) cannot hold together, by re-solving the LP
relaxation with each family dropped.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, NoReturn

import numpy as np

from solver.errors import InfeasibleError

if TYPE_CHECKING:
    from solver.problem import Problem

MAX_LISTED = 10

SUGGESTIONS = {
    "max_travel": "raise max_travel_km for nearby reps, or set rules.max_travel = false",
    "required_specialty": "add the specialty to some reps, or set rules.required_specialty = false",
    "region": "give the customers' region a rep, or set rules.region = false",
    "key_account_seniority": "lower rules.key_account_min_seniority",
    "leaving_rep": "keep a rep active, hire one, or remove the lock to the leaving rep",
    "forbidden_pair": "remove the pair from rules.forbidden",
    "capacity_hours": "raise capacity_hours, or set rules.capacity_hours = false",
    "max_accounts": "raise max_accounts, or set rules.max_accounts = false",
    "disruption_budget": "raise rules.max_moves / rules.max_moves_pct",
}


def infeasible(reasons: list[str], suggestions: list[str]) -> InfeasibleError:
    """The error for ``reasons`` (at most MAX_LISTED shown) and deduplicated suggestions."""
    shown = reasons[:MAX_LISTED]
    if len(reasons) > MAX_LISTED:
        shown.append(f"... and {len(reasons) - MAX_LISTED} more of the same kind")
    return InfeasibleError(shown, list(dict.fromkeys(suggestions)))


def raise_infeasible(reasons: list[str], suggestions: list[str]) -> NoReturn:
    raise infeasible(reasons, suggestions)


def precheck(problem: Problem, blocked: dict[int, Counter]) -> None:
    """Raise InfeasibleError naming customers, reps and rules when a cause is evident."""
    reasons: list[str] = []
    suggestions: list[str] = []
    ids, reps = problem.customer_ids, problem.rep_ids
    for i, counts in sorted(blocked.items()):
        if problem.forced[i] >= 0:
            rule = next(iter(counts))
            reasons.append(
                f"customer {ids[i]} is {problem.forced_reason[i]} to "
                f"{reps[problem.forced[i]]}, which the {rule} rule does not allow"
            )
        else:
            parts = ", ".join(f"{k} reps excluded by {rule}" for rule, k in counts.most_common())
            reasons.append(f"customer {ids[i]} has no eligible rep ({parts})")
        suggestions += [SUGGESTIONS[r] for r in counts if r in SUGGESTIONS]
    if reasons:
        raise_infeasible(reasons, suggestions)

    for block in problem.blocks:
        if block.kind == "moves":
            continue
        reasons += (
            _forced_overload(problem, block)
            or _too_big_anywhere(problem, block)
            or _aggregate_overload(problem, block)
        )
        if reasons:
            suggestions += [SUGGESTIONS.get(block.rule, "relax the capacity rules")]
            suggestions.append("end some protections or locks early (protected_until / locks)")
            raise_infeasible(reasons, suggestions)


def _unit(block) -> str:
    return "h" if block.kind == "hours" else "accounts"


def _forced_overload(problem: Problem, block) -> list[str]:
    is_forced = problem.forced[problem.pair_customer] >= 0
    sel = is_forced & (block.row >= 0)
    load = np.bincount(block.row[sel], weights=block.coeff[sel], minlength=len(block.upper))
    out = []
    for r in np.flatnonzero(load > block.upper + 1e-9):
        out.append(
            f"rep {block.labels[r]} holds {load[r]:,.1f} {_unit(block)} of protected or "
            f"locked accounts; its {block.rule} limit is {block.upper[r]:,.1f}"
        )
    return out


def _too_big_anywhere(problem: Problem, block) -> list[str]:
    """Customers that need more than the limit of every row they could go to."""
    in_block = block.row >= 0
    cust = problem.pair_customer
    fits = np.zeros(problem.n, dtype=bool)
    fits_pairs = ~in_block
    fits_pairs[in_block] = block.coeff[in_block] <= block.upper[block.row[in_block]] + 1e-9
    fits[cust[fits_pairs]] = True
    out = []
    for i in np.flatnonzero(~fits):
        mine = in_block & (cust == i)
        least = block.coeff[mine].min()
        most = block.upper[block.row[mine]].max()
        out.append(
            f"customer {problem.customer_ids[i]} needs at least {least:,.1f} "
            f"{_unit(block)} under {block.rule}; no eligible rep has more than "
            f"{most:,.1f} (check its lat/lon and effort)"
        )
    return out


def _aggregate_overload(problem: Problem, block) -> list[str]:
    """Demand each customer makes at the least on this block's rows, summed, vs the total."""
    in_block = block.row >= 0
    cust = problem.pair_customer
    has_free = np.bincount(cust[~in_block], minlength=problem.n) > 0
    least = np.full(problem.n, np.inf)
    np.minimum.at(least, cust[in_block], block.coeff[in_block])
    need = np.where(has_free | ~np.isfinite(least), 0.0, least).sum()
    total = block.upper[np.unique(block.row[in_block])].sum()  # rows that can take an account
    if need > total + 1e-9:
        return [
            f"the accounts need at least {need:,.1f} {_unit(block)} under {block.rule} even "
            f"with each on its lightest eligible rep; the reps' limits total {total:,.1f}"
        ]
    return []


def diagnose_blocks(problem: Problem) -> InfeasibleError:
    """Name the row families whose removal makes the LP relaxation feasible."""
    from solver.models.lp import solve_lp  # engines import this module; keep the edge one-way

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
    names = culprits or [b.rule for b in problem.blocks]
    return InfeasibleError(reasons, [SUGGESTIONS[r] for r in names if r in SUGGESTIONS])
