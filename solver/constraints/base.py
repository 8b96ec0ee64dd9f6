"""What a hard rule can do: force customers, prune pairs, add rows, check a finished plan."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np

from solver.inputs.facts import Facts, PairFacts
from solver.scenario import Scenario

RowKind = Literal["hours", "accounts", "moves", "value"]
MINUTES_PER_HOUR = 60.0
#: scalings tried, in order, for integer rows that keep exactly the same plans
EXACT_FACTORS = (1.0, MINUTES_PER_HOUR, 1e2, 1e3, 1e4, 1e5, 1e6)
#: inexact scalings put the typical coefficient at this size: rounding moves a row by at
#: most one part in a million per account, so only plans that far inside a floor are lost
FINE_UNITS = 1e6
#: largest scaling, and largest scaled row total (integer engines work in int64)
MAX_FACTOR = 1e9
MAX_SCALED_TOTAL = 1e15


@dataclass(frozen=True)
class RowBlock:
    """Linear rows ``lower[r] <= sum(coeff[p] * x[p] for p in row r) <= upper[r]``; each
    pair in <= 1 row.

    Coefficients are never negative, so a floor of 0 is no floor: ``lower`` defaults to
    zeros (a block of ceilings only). A row with a floor but no ceiling of its own gets an
    ``upper`` no plan can reach (:func:`no_ceiling`).
    """

    rule: str
    kind: RowKind
    row: np.ndarray  # per candidate pair: its row index, -1 when in no row
    coeff: np.ndarray  # per candidate pair, >= 0
    upper: np.ndarray  # per row
    labels: tuple[str, ...]  # per row: rep id, or a name for a global row
    lower: np.ndarray = None  # type: ignore[assignment]  # per row, 0 = no floor

    def __post_init__(self) -> None:
        if self.lower is None:
            object.__setattr__(self, "lower", np.zeros(len(self.upper)))

    def has_floors(self) -> bool:
        return bool(np.any(self.lower > 0))

    def scale(self) -> np.ndarray:
        """Per row, the size of its limits: its ceiling, or for a row with a floor the
        smaller of its ceiling and twice its floor (a floor-only row's ceiling is out of
        reach), at least 1e-9."""
        limit = np.where(self.lower > 0, np.minimum(self.upper, 2.0 * self.lower), self.upper)
        return np.maximum(limit, 1e-9)

    def with_pairs(self, keep: np.ndarray) -> RowBlock:
        """The same rows on the candidate pairs where ``keep`` is true."""
        return dataclasses.replace(self, row=self.row[keep], coeff=self.coeff[keep])

    def integral(self) -> RowBlock:
        """Integer version of the ceilings for integer engines: hours become minutes,
        coefficients rounded up and limits down, so whatever satisfies it satisfies the
        original ceilings too. Floors are kept only where the scaling is exact (rounded
        up); :meth:`integral_blocks` keeps them everywhere."""
        factor = self._factor()
        coeff = np.ceil(self.coeff * factor - 1e-9)
        upper = np.floor(self.upper * factor + 1e-9)
        exact = self.integral_is_exact()
        lower = np.ceil(self.lower * factor - 1e-9) if exact else np.zeros(len(self.upper))
        return RowBlock(self.rule, self.kind, self.row, coeff, upper, self.labels, lower)

    def integral_blocks(self) -> tuple[RowBlock, ...]:
        """Integer rows that only plans keeping these rows satisfy, floors included.

        Exact scaling (whole numbers, or whole minutes) gives one block. Otherwise a block
        with floors becomes two: the ceilings with coefficients rounded up, and the floors
        with coefficients rounded down and limits up (sum floor(a) x >= ceil(L) implies
        sum a x >= L); the second block's ceilings are out of reach.
        """
        ceilings = self.integral()
        if not self.has_floors() or self.integral_is_exact():
            return (ceilings,)
        factor = self._factor()
        coeff = np.floor(self.coeff * factor + 1e-9)
        lower = np.ceil(self.lower * factor - 1e-9)
        floors = RowBlock(
            self.rule,
            self.kind,
            self.row,
            coeff,
            no_ceiling(self.row, coeff, len(self.upper)),
            self.labels,
            lower,
        )
        return ceilings, floors

    def floors_exact(self) -> bool:
        """The integer floors accept exactly the plans that keep these floors: the
        coefficients are whole at the scaling (a whole sum reaches L iff it reaches ceil(L))."""
        scaled = self.coeff * self._factor()
        return bool(np.all(np.abs(scaled - np.round(scaled)) < 1e-9))

    def _factor(self) -> float:
        """Scale to integers: the first of 1, 60 (hours to minutes) and 100 .. 10^6 that
        makes the coefficients and ceilings whole; else minutes for hours of at least one
        hour each (territory workloads), else a power of ten that puts the typical
        coefficient above ``FINE_UNITS`` (small indices such as 0.16 of a workload)."""
        for factor in EXACT_FACTORS:
            if self.is_whole(factor):
                return factor
        positive = self.coeff[self.coeff > 0]
        typical = float(np.median(positive)) if len(positive) else 1.0
        if self.kind == "hours" and typical >= 1.0:
            return MINUTES_PER_HOUR
        total = float(self.coeff.sum()) or 1.0
        factor = min(10.0 ** np.ceil(np.log10(FINE_UNITS / typical)), MAX_FACTOR)
        return float(max(1.0, min(factor, 10.0 ** np.floor(np.log10(MAX_SCALED_TOTAL / total)))))

    def is_whole(self, factor: float = 1.0) -> bool:
        """Coefficients and ceilings are whole numbers once multiplied by ``factor`` (the
        floors need not be: with whole coefficients, rounding a floor up loses no plan)."""

        def whole(values: np.ndarray) -> bool:
            return bool(np.all(np.abs(values * factor - np.round(values * factor)) < 1e-9))

        return whole(self.coeff) and whole(self.upper)

    def integral_is_exact(self) -> bool:
        """:meth:`integral` only rescales the rows (no rounding): the same plans keep them."""
        return any(self.is_whole(factor) for factor in EXACT_FACTORS)

    def least_per_rep(self, pair_rep: np.ndarray, m: int, per_row: np.ndarray) -> np.ndarray:
        """Per rep (``pair_rep``: rep per candidate pair, ``m`` reps), the least of
        ``per_row`` over the rows its pairs are in; inf for a rep in no row."""
        out = np.full(m, np.inf)
        inside = self.row >= 0
        np.minimum.at(out, pair_rep[inside], per_row[self.row[inside]])
        return out

    def usage(self, pairs: np.ndarray) -> np.ndarray:
        """Per row, the sum of the coefficients of ``pairs`` (pair indices) in it."""
        rows = self.row[pairs]
        inside = rows >= 0
        used = np.bincount(
            rows[inside], weights=self.coeff[pairs][inside], minlength=len(self.upper)
        )
        return used.astype(float, copy=False)  # bincount of no pairs gives integers

    def pairs_by_row(self) -> list[np.ndarray]:
        """The candidate pairs of each row, rows in order (empty arrays included)."""
        members = np.flatnonzero(self.row >= 0)
        order = members[np.argsort(self.row[members], kind="stable")]
        bounds = np.searchsorted(self.row[order], np.arange(len(self.upper) + 1))
        return [order[bounds[r] : bounds[r + 1]] for r in range(len(self.upper))]


def no_ceiling(row: np.ndarray, coeff: np.ndarray, n_rows: int) -> np.ndarray:
    """Per row, a ceiling no plan reaches: the sum of all its coefficients, plus 1."""
    inside = row >= 0
    return np.floor(np.bincount(row[inside], weights=coeff[inside], minlength=n_rows)) + 1.0


def integral_blocks(blocks) -> tuple[RowBlock, ...]:
    """Every block's integer rows (:meth:`RowBlock.integral_blocks`), in order."""
    return tuple(part for b in blocks for part in b.integral_blocks())


@dataclass(frozen=True)
class Violation:
    """A hard rule broken by a plan, in business words."""

    rule: str
    message: str
    customer_id: str = ""
    rep_id: str = ""


class HardRule:
    """Base class: every hook is optional; a rule implements the ones it needs."""

    name: str = ""
    #: what a user can change when this rule makes a scenario infeasible (in their words)
    relax: str = ""
    #: eligibility rules are waived for a customer's forced (protected / locked) rep
    waived_when_forced: bool = False

    def enabled(self, scenario: Scenario) -> bool:
        return True

    def forced(self, facts: Facts, scenario: Scenario) -> tuple[np.ndarray, str] | None:
        """Rep index each customer must keep (-1 = free), and the wording of why."""
        return None

    def allowed(self, pairs: PairFacts, scenario: Scenario) -> np.ndarray | None:
        """Mask of pairs this rule permits (None = all)."""
        return None

    def rows(
        self, pairs: PairFacts, scenario: Scenario, forced: np.ndarray
    ) -> RowBlock | tuple[RowBlock, ...] | None:
        """Linear rows over the candidate pairs: a block, several, or None."""
        return None

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        """Violations in a finished plan, ``assigned`` holding one pair per customer."""
        return []


def per_rep_sums(assigned: PairFacts, weights: np.ndarray) -> np.ndarray:
    """Sum of ``weights`` per rep over the assigned pairs (length m)."""
    return np.bincount(assigned.rep, weights=weights, minlength=assigned.facts.m)
