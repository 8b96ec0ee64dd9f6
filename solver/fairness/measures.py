"""Each balance measure per rep against its fair share, and how evenly it spreads.

A plan is judged on every measure a sales leader balances: always workload, accounts and
value, plus the measure of every ``[[balance]]`` table of the scenario (a numeric customer
column included). For measure M with share rule s (:func:`solver.constraints.bands.shares_of`)
each active rep j has

    target t_j = s_j x T,   ratio r_j = M_j / t_j   (1 = exactly its fair share)

T is the total the scenario balances against (:func:`solver.constraints.bands.total_of`,
an input figure the checker recomputes) when a ``[[balance]]`` table names the measure;
otherwise the active reps' own total of the assignment measured. A rep is *in band* when
M_j lies within [lo x t_j, hi x t_j] with the checker's rounding slack: [lo, hi] is the
table's hard band when set, else 1 -+ its tolerance, else 1 -+ :data:`DEFAULT_BAND`.
Without a table, workload and accounts are shared by capacity (a part-time rep is
not judged short of accounts), value equally (reps are paid on what they sell).

A rep whose target is 0 (share 0) is measured against the mean target; when every target
is 0 (a measure column that is empty or all zero) every rep counts as at its fair share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.constraints.bands import TOLERANCE, measure_of, shares_of, total_of
from solver.inputs.facts import PairFacts
from solver.scenario import Scenario

#: half-width of the band of a measure without a hard band or tolerance (+-10 %)
DEFAULT_BAND = 0.10
#: the measures every plan reports, with their share rule when no table names them
ALWAYS = {"workload": "capacity", "accounts": "capacity", "value": "equal"}


@dataclass(frozen=True)
class MeasureRule:
    """How one measure is judged: its key in the metrics (``value``, ``value#2`` for a
    second table on value), what it sums, its share rule and band (ratios to the target),
    and ``kind``: "band" (hard), "tolerance" (soft) or "default" (+-10 %)."""

    key: str
    measure: str
    share: str
    low: float
    high: float
    kind: str
    from_table: bool


def measure_rules(scenario: Scenario) -> tuple[MeasureRule, ...]:
    """Workload, accounts and value (as the scenario's tables judge them, or by default),
    then every other measure a ``[[balance]]`` table names, in table order."""
    tabled: list[MeasureRule] = []
    seen: dict[str, int] = {}
    for table in scenario.balance:
        seen[table.measure] = seen.get(table.measure, 0) + 1
        key = (
            table.measure if seen[table.measure] == 1 else f"{table.measure}#{seen[table.measure]}"
        )
        if table.band is not None:
            (low, high), kind = table.band, "band"
        elif table.tolerance > 0:
            low, high, kind = 1 - table.tolerance, 1 + table.tolerance, "tolerance"
        else:
            low, high, kind = 1 - DEFAULT_BAND, 1 + DEFAULT_BAND, "default"
        tabled.append(MeasureRule(key, table.measure, table.share, low, high, kind, True))
    named = {r.measure for r in tabled}
    defaults = [
        MeasureRule(m, m, share, 1 - DEFAULT_BAND, 1 + DEFAULT_BAND, "default", False)
        for m, share in ALWAYS.items()
        if m not in named
    ]
    order = {m: i for i, m in enumerate(ALWAYS)}
    return tuple(sorted(defaults + tabled, key=lambda r: order.get(r.measure, len(order))))


@dataclass(frozen=True)
class RepMeasure:
    """One measure of an assignment per rep (all reps; leaving reps have target 0)."""

    rule: MeasureRule
    amount: np.ndarray  # M_j, in the measure's unit
    target: np.ndarray  # t_j
    ratio: np.ndarray  # r_j = M_j / t_j
    in_band: np.ndarray  # bool, active reps only are True
    total: float  # T


def rep_measure(assigned: PairFacts, scenario: Scenario, rule: MeasureRule) -> RepMeasure:
    """The measure ``rule`` of the assignment ``assigned`` per rep (see the module)."""
    f = assigned.facts
    active = f.active
    amount = np.bincount(
        assigned.rep, weights=measure_of(assigned, rule.measure, scenario), minlength=f.m
    ).astype(float)
    own = float(amount[active].sum())
    total = total_of(f, rule.measure, scenario) if rule.from_table else own
    share = shares_of(f, rule.share) if active.any() else np.zeros(f.m)
    target = np.where(active, share * total, 0.0)
    mean = float(target[active].mean()) if active.any() else 0.0
    scale = np.where(target > 0, target, mean)
    ratio = np.divide(amount, scale, out=np.ones(f.m), where=scale > 0)
    slack = TOLERANCE * (1.0 + np.abs(amount))
    inside = (amount >= rule.low * target - slack) & (amount <= rule.high * target + slack)
    return RepMeasure(rule, amount, target, ratio, active & inside, total)


def rep_measures(assigned: PairFacts, scenario: Scenario) -> tuple[RepMeasure, ...]:
    """Every measure of :func:`measure_rules` for the assignment ``assigned``."""
    return tuple(rep_measure(assigned, scenario, r) for r in measure_rules(scenario))
