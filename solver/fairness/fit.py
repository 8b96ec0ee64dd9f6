"""Do key accounts sit with experienced reps? The value-seniority fit of an assignment.

Owner strength is :meth:`solver.inputs.facts.Facts.rep_strength` (0..1: half seniority,
half performance). The fit is read three ways:

- Spearman's rho between an account's value and its owner's strength (-1..1);
- the mean owner strength of tier-A accounts against tier-C accounts (tiers as given, or
  derived from value rank: top 10 % A, bottom 60 % C);
- the mean owner strength of the top :data:`TOP_SHARE` of accounts by value against the
  bottom :data:`TOP_SHARE`.

A group with no account has no mean (None).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.inputs.facts import PairFacts

#: share of accounts, by value, in the top (and in the bottom) group
TOP_SHARE = 0.20


@dataclass(frozen=True)
class SeniorityFit:
    """Spearman's rho and the mean owner strength of each group (None: empty group)."""

    spearman: float
    tier_a: float | None
    tier_c: float | None
    top_value: float | None
    bottom_value: float | None


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation: Pearson's correlation of the average ranks (ties share
    their mean rank), -1..1; the caller makes sure neither side is constant."""
    rank_x = pd.Series(x).rank(method="average").to_numpy()
    rank_y = pd.Series(y).rank(method="average").to_numpy()
    return float(np.corrcoef(rank_x, rank_y)[0, 1])


def seniority_fit(assigned: PairFacts) -> SeniorityFit:
    """The fit of the accounts ``assigned`` (each with its owner)."""
    f = assigned.facts
    value = f.value[assigned.customer]
    strength = f.rep_strength()[assigned.rep]
    rho = (
        spearman(value, strength)
        if len(value) > 1 and np.ptp(strength) > 0 and np.ptp(value) > 0
        else 0.0
    )
    tier = f.tier[assigned.customer].astype(str)
    k = int(np.ceil(TOP_SHARE * len(value)))
    order = np.argsort(-value, kind="stable")
    top, bottom = order[:k], order[len(order) - k :] if k else order[:0]
    return SeniorityFit(
        spearman=rho,
        tier_a=_mean(strength[tier == "A"]),
        tier_c=_mean(strength[tier == "C"]),
        top_value=_mean(strength[top]),
        bottom_value=_mean(strength[bottom]),
    )
