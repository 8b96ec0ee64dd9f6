"""Why a new account could not be placed, and what would free room for it.

Two cases, in business words:

- no rep is eligible at all (every rep excluded by travel, region, specialty, tier,
  forbidden pairs, a leaving rep): the rules that excluded them, with how many reps each;
- eligible reps exist but none has room left once the batch is placed: per eligible rep
  the first row it would break (capacity hours, account cap, move budget, or a rule added
  later), the rule that binds most of them, and the smallest change that would make room
  (``rep R7 has 2.5 h left, the account needs 6.1 h``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from solver.constraints import RULES
from solver.constraints.bands import amount
from solver.placement.layout import Layout

RELAX = {rule.name: rule.relax for rule in RULES}
UNITS = {"hours": "h", "accounts": "accounts", "moves": "moves"}


def _relax(rule: str, default: str = "relax it") -> str:
    """What relaxes ``rule``; a band's rows (``balance_band[value]``) share their rule's."""
    return RELAX.get(rule.split("[", 1)[0], default)


@dataclass(frozen=True)
class Unplaced:
    """One account left unplaced: its binding rule, the reason, and what would free room."""

    customer_id: str
    rule: str
    reason: str
    free_room: str


def describe_unplaced(layout: Layout, customers: np.ndarray, rep: np.ndarray) -> list[Unplaced]:
    """Reasons for the ``customers`` (combined-problem indices) left unplaced by the
    plan ``rep`` (rep index per customer of the combined problem, -1 for unplaced ones)."""
    problem = layout.problem
    placed = np.flatnonzero(rep >= 0)
    chosen = np.full(problem.n, -1, dtype=np.int64)
    chosen[placed] = problem.pair_index(rep)[placed]
    used = [b.usage(chosen[placed]) for b in problem.blocks]
    starts = problem.customer_starts()
    out = []
    for i in customers:
        cid = str(problem.customer_ids[i])
        pairs = np.arange(starts[i], starts[i + 1])
        if len(pairs) == 0:
            out.append(_no_eligible_rep(cid, layout.blocked.get(int(i), Counter())))
        else:
            out.append(_no_room(layout, cid, int(i), pairs, used))
    return out


def _no_eligible_rep(cid: str, blocked: Counter) -> Unplaced:
    rule = blocked.most_common(1)[0][0] if blocked else "candidate"
    listed = ", ".join(f"{name} excludes {count}" for name, count in blocked.most_common())
    reason = f"no rep may own it ({listed or 'no candidate rep'})"
    return Unplaced(cid, rule, reason, _relax(rule, "review the account's facts"))


def _no_room(layout: Layout, cid: str, i: int, pairs: np.ndarray, used: list) -> Unplaced:
    problem = layout.problem
    binding: Counter = Counter()
    best: tuple[float, str] | None = None  # (shortfall relative to need, wording)
    for p in pairs:
        rep_id = problem.rep_ids[problem.pair_rep[p]]
        for block, use in zip(problem.blocks, used, strict=True):
            r = block.row[p]
            if r < 0:
                continue
            left = float(block.upper[r] - use[r])
            need = float(block.coeff[p])
            if need <= left + 1e-9:
                continue
            binding[block.rule] += 1
            unit = UNITS.get(block.kind, "")
            wording = (
                f"rep {rep_id} has {amount(max(left, 0), unit)} left under the {block.rule} "
                f"rule, the account needs {amount(need, unit)}: {amount(need - left, unit)} "
                f"more room on {rep_id} would place it"
            )
            short = (need - left) / max(need, 1e-9)
            if best is None or short < best[0]:
                best = (short, wording)
            break
    rule = binding.most_common(1)[0][0] if binding else "capacity"
    protected = problem.forced[i] >= 0
    who = (
        f"its protected rep {problem.rep_ids[problem.pair_rep[pairs[0]]]} is full"
        if protected and len(pairs) == 1
        else f"all {len(pairs)} eligible reps are full"
    )
    listed = ", ".join(f"{name} binds {count}" for name, count in binding.most_common())
    free = best[1] if best else _relax(rule)
    free += "; or let standing accounts move (--allow-moves K), or " + _relax(rule)
    return Unplaced(cid, rule, f"{who} ({listed})", free)
