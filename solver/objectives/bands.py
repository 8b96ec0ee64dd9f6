"""Soft balance bands: a tolerance free of cost around each rep's target, a weight beyond it.

A ``[[balance]]`` table with ``weight > 0`` prices, for every active rep j,

    cost_j = weight x 100 x max(0, |M_j - t_j| - tolerance x t_j) / t_j

with M_j the rep's measure summed over its accounts (as for the hard band, see
:mod:`solver.constraints.bands`) and t_j = s_j x T its target: its share of the measure's
total T, a figure of the inputs. Unit: cost points per percentage point of the rep's
target beyond the tolerance, so one weight means the same on hours, accounts and value
(20 = a rep 1 % of its target outside the tolerance costs 20 points, as much as 20 km of
driving with ``weights.travel = 1``). A rep whose target is 0 (share 0) is measured
against the mean target of the active reps instead.

Per rep the cost is ``price_j x max(0, M_j - upper_j, lower_j - M_j)`` with
``price_j = weight x 100 / t_j`` cost points per unit of the measure and
``lower_j, upper_j = (1 -+ tolerance) x t_j``: a convex piecewise-linear function of a
linear row, which every engine prices as it prices a row (LP columns, Lagrangian
multipliers capped at the price, CP-SAT deviation variables). Leaving reps own nothing
and carry no term.

The term is named ``balance[measure]`` (``balance[value]``); ``weights.balance`` stays
the workload balance term of :mod:`solver.objectives.balance`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from solver.constraints.bands import measure_of, shares_of, total_of
from solver.inputs.facts import PairFacts
from solver.scenario import Scenario

PREFIX = "balance"


@dataclass(frozen=True, eq=False)
class SoftBand:
    """One soft balance term on a problem's pairs (arrays per pair and per rep)."""

    name: str  # "balance[value]"
    measure: str
    unit: str  # "h", "accounts", "" (value and columns)
    load: np.ndarray  # per pair: what it adds to its rep's measure
    target: np.ndarray  # per rep: t_j (0 for leaving reps)
    lower: np.ndarray  # per rep: (1 - tolerance) x t_j
    upper: np.ndarray  # per rep: (1 + tolerance) x t_j
    price: np.ndarray  # per rep: cost points per unit of the measure beyond the band, 0 = off

    def rep_sums(self, rep: np.ndarray, chosen: np.ndarray, m: int) -> np.ndarray:
        """M_j: the measure per rep of the pairs ``chosen`` (whose reps are ``rep``)."""
        return np.bincount(rep, weights=self.load[chosen], minlength=m)

    def excess(self, sums: np.ndarray) -> np.ndarray:
        """Per rep, how far M_j lies outside [lower_j, upper_j] (measure units, >= 0)."""
        return np.maximum(0.0, np.maximum(sums - self.upper, self.lower - sums))

    def cost_of(self, sums: np.ndarray) -> float:
        return float(self.price @ self.excess(sums))

    def subset(self, keep: np.ndarray) -> SoftBand:
        return dataclasses.replace(self, load=self.load[keep])

    def shifted(self, offset: np.ndarray) -> SoftBand:
        """The same term for a part of the book, the rest carrying ``offset`` per rep."""
        return dataclasses.replace(self, lower=self.lower - offset, upper=self.upper - offset)


def _unit(measure: str, scenario: Scenario) -> str:
    if measure == "workload":
        return "accounts" if scenario.workload_unit == "accounts" else "h"
    return "accounts" if measure == "accounts" else ""


def soft_bands(pairs: PairFacts, scenario: Scenario) -> tuple[SoftBand, ...]:
    """The soft terms of the scenario's ``[[balance]]`` tables with a weight above 0."""
    f = pairs.facts
    out = []
    for table in scenario.balance:
        if table.weight <= 0:
            continue
        target = shares_of(f, table.share) * total_of(f, table.measure, scenario)
        target = np.where(f.active, target, 0.0)
        mean = target[f.active].mean() if f.active.any() else 0.0
        scale = np.where(target > 0, target, mean)
        price = np.where(
            f.active & (scale > 0), table.weight * 100.0 / np.maximum(scale, 1e-300), 0
        )
        out.append(
            SoftBand(
                f"{PREFIX}[{table.measure}]",
                table.measure,
                _unit(table.measure, scenario),
                measure_of(pairs, table.measure, scenario).astype(float),
                target,
                np.where(f.active, (1.0 - table.tolerance) * target, 0.0),
                np.where(f.active, (1.0 + table.tolerance) * target, 0.0),
                price,
            )
        )
    return _merged(out)


def _merged(terms: list[SoftBand]) -> tuple[SoftBand, ...]:
    """Two tables on one measure keep distinct names (``balance[value]``, ``balance[value]#2``)."""
    seen: dict[str, int] = {}
    out = []
    for term in terms:
        seen[term.name] = seen.get(term.name, 0) + 1
        name = term.name if seen[term.name] == 1 else f"{term.name}#{seen[term.name]}"
        out.append(dataclasses.replace(term, name=name))
    return tuple(out)


def costs(
    terms: tuple[SoftBand, ...], rep: np.ndarray, chosen: np.ndarray, m: int
) -> dict[str, float]:
    """Cost of each soft term for the pairs ``chosen`` (their reps ``rep``), by name."""
    return {t.name: t.cost_of(t.rep_sums(rep, chosen, m)) for t in terms}
