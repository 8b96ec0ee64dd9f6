"""How an infeasibility is worded: the listed reasons and what to relax."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

from solver.constraints import RULES
from solver.errors import InfeasibleError

#: reasons listed by name in one error (the rest are counted)
MAX_LISTED = 10


def relax_hints(rule_names: Iterable[str]) -> list[str]:
    """What to relax for each named rule (its ``relax`` text), in order, without repeats;
    a row family ``rule[part]`` (``balance_band[value]``) takes its rule's text."""
    hints = {rule.name: rule.relax for rule in RULES}
    names = dict.fromkeys(name.split("[")[0] for name in rule_names)
    return [hints[name] for name in names if hints.get(name)]


def infeasible(reasons: list[str], suggestions: list[str]) -> InfeasibleError:
    """The error for ``reasons`` (at most MAX_LISTED shown) and deduplicated suggestions."""
    shown = reasons[:MAX_LISTED]
    if len(reasons) > MAX_LISTED:
        shown.append(f"... and {len(reasons) - MAX_LISTED} more of the same kind")
    return InfeasibleError(shown, list(dict.fromkeys(suggestions)))


def raise_infeasible(reasons: list[str], suggestions: list[str]) -> NoReturn:
    raise infeasible(reasons, suggestions)
