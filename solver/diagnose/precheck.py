"""Evident reasons no plan can exist, found while a problem is built (no engine runs).

Customers with no eligible rep, protected or locked work above a rep's limit, an account
too big for every rep it may go to, total demand above total capacity, a rep's floor (a
balance band, min_hours / min_accounts / min_value) above all it may own, floors that
together need more than the whole book, limits in accounts that no whole number of
accounts meets.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from solver.diagnose.wording import raise_infeasible, relax_hints

if TYPE_CHECKING:
    from solver.problem import Problem


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
        suggestions += relax_hints(counts)
    if reasons:
        raise_infeasible(reasons, suggestions)

    for block in problem.blocks:
        if block.kind == "moves":
            continue
        reasons += (
            _forced_overload(problem, block)
            or _too_big_anywhere(problem, block)
            or _aggregate_overload(problem, block)
            or _floor_out_of_reach(problem, block)
            or _floors_above_total(problem, block)
            or _whole_accounts(problem, block)
        )
        if reasons:
            suggestions += relax_hints([block.rule]) or ["relax the capacity rules"]
            suggestions.append("end some protections or locks early (protected_until / locks)")
            raise_infeasible(reasons, suggestions)


def _unit(block) -> str:
    return {"hours": "h", "accounts": "accounts"}.get(block.kind, "")


def _amount(x: float, block) -> str:
    return f"{x:,.1f} {_unit(block)}".rstrip()


def _floor_out_of_reach(problem: Problem, block) -> list[str]:
    """Reps whose floor is above what all the accounts they may own carry together."""
    sel = block.row >= 0
    reach = np.bincount(block.row[sel], weights=block.coeff[sel], minlength=len(block.upper))
    out = []
    for r in np.flatnonzero(reach < block.lower - 1e-9):
        share = reach[r] / block.lower[r]
        out.append(
            f"rep {block.labels[r]} can reach at most {share:.2f} of its floor under "
            f"{block.rule}: the accounts it may own (eligible, not protected or locked "
            f"elsewhere) carry {_amount(reach[r], block)} against a floor of "
            f"{_amount(block.lower[r], block)}"
        )
    return out


def _floors_above_total(problem: Problem, block) -> list[str]:
    """The floors together need more than every account on its heaviest pair delivers."""
    in_block = block.row >= 0
    most = np.zeros(problem.n)
    np.maximum.at(most, problem.pair_customer[in_block], block.coeff[in_block])
    need = float(block.lower.sum())
    if need > most.sum() + 1e-9:
        return [
            f"the floors under {block.rule} total {_amount(need, block)}, but all accounts "
            f"together carry at most {_amount(float(most.sum()), block)}"
        ]
    return []


def _forced_overload(problem: Problem, block) -> list[str]:
    is_forced = problem.forced[problem.pair_customer] >= 0
    sel = is_forced & (block.row >= 0)
    load = np.bincount(block.row[sel], weights=block.coeff[sel], minlength=len(block.upper))
    out = []
    for r in np.flatnonzero(load > block.upper + 1e-9):
        out.append(
            f"rep {block.labels[r]} holds {_amount(load[r], block)} of protected or "
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
        hint = " (check its lat/lon and effort)" if block.kind == "hours" else ""
        out.append(
            f"customer {problem.customer_ids[i]} needs at least {_amount(least, block)} "
            f"under {block.rule}; no eligible rep has more than {_amount(most, block)}{hint}"
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


def _whole_accounts(problem: Problem, block) -> list[str]:
    """Limits counted in accounts hold in whole accounts only: a floor of 8.14 needs 9
    accounts and a ceiling of 9.9 allows 9. A rep with no whole number between its floor
    and ceiling, or floors that rounded up need more accounts than the book has, or
    ceilings on every account's reps that rounded down hold fewer, leave no plan."""
    in_block = block.row >= 0
    if block.kind != "accounts" or not np.allclose(block.coeff[in_block], 1.0):
        return []
    least = np.maximum(np.ceil(block.lower - 1e-6), 0.0)
    most = np.floor(block.upper + 1e-6)
    out = [
        f"rep {block.labels[r]} must hold between {block.lower[r]:,.2f} and "
        f"{block.upper[r]:,.2f} accounts under {block.rule}: no whole number lies between"
        for r in np.flatnonzero(least > most)
    ]
    if out:
        return out
    if least.sum() > problem.n:
        return [
            f"the floors under {block.rule} need {least.sum():,.0f} accounts in whole "
            f"accounts ({_per_rep(block, least)}), but the book has {problem.n:,}"
        ]
    if in_block.all() and np.isfinite(most).all() and most.sum() < problem.n:
        return [
            f"the ceilings under {block.rule} hold {most.sum():,.0f} accounts in whole "
            f"accounts ({_per_rep(block, most)}), but the book has {problem.n:,}"
        ]
    return []


def _per_rep(block, counts: np.ndarray, most: int = 8) -> str:
    """'T1 9, T2 13, T3 9' (the first ``most`` rows with a count, then '...')."""
    rows = np.flatnonzero(counts > 0)
    text = ", ".join(f"{block.labels[r]} {counts[r]:,.0f}" for r in rows[:most])
    return text + (", ..." if len(rows) > most else "")
