"""What a hard rule can do: force customers, prune pairs, add rows, check a finished plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from solver.inputs.facts import Facts, PairFacts
from solver.scenario import Scenario

RowKind = Literal["hours", "accounts", "moves"]
MINUTES_PER_HOUR = 60.0


@dataclass(frozen=True)
class RowBlock:
    """Linear rows ``sum(coeff[p] * x[p] for p in row r) <= upper[r]``; each pair in <= 1 row."""

    rule: str
    kind: RowKind
    row: np.ndarray  # per candidate pair: its row index, -1 when in no row
    coeff: np.ndarray  # per candidate pair
    upper: np.ndarray  # per row
    labels: tuple[str, ...]  # per row: rep id, or a name for a global row

    def integral(self) -> RowBlock:
        """Integer version for integer engines: hours become minutes, coefficients rounded
        up and limits down, so whatever satisfies it satisfies the original rows too."""
        factor = 1.0 if self.is_whole() else MINUTES_PER_HOUR
        coeff = np.ceil(self.coeff * factor - 1e-9)
        upper = np.floor(self.upper * factor + 1e-9)
        return RowBlock(self.rule, self.kind, self.row, coeff, upper, self.labels)

    def is_whole(self, factor: float = 1.0) -> bool:
        """Coefficients and limits are whole numbers once multiplied by ``factor``."""
        return bool(
            np.all(np.abs(self.coeff * factor - np.round(self.coeff * factor)) < 1e-9)
            and np.all(np.abs(self.upper * factor - np.round(self.upper * factor)) < 1e-9)
        )

    def integral_is_exact(self) -> bool:
        """:meth:`integral` only rescales the rows (no rounding): the same plans keep them."""
        return self.is_whole() or self.is_whole(MINUTES_PER_HOUR)

    def usage(self, pairs: np.ndarray) -> np.ndarray:
        """Per row, the sum of the coefficients of ``pairs`` (pair indices) in it."""
        rows = self.row[pairs]
        inside = rows >= 0
        return np.bincount(
            rows[inside], weights=self.coeff[pairs][inside], minlength=len(self.upper)
        )

    def pairs_by_row(self) -> list[np.ndarray]:
        """The candidate pairs of each row, rows in order (empty arrays included)."""
        members = np.flatnonzero(self.row >= 0)
        order = members[np.argsort(self.row[members], kind="stable")]
        bounds = np.searchsorted(self.row[order], np.arange(len(self.upper) + 1))
        return [order[bounds[r] : bounds[r + 1]] for r in range(len(self.upper))]


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

    def rows(self, pairs: PairFacts, scenario: Scenario, forced: np.ndarray) -> RowBlock | None:
        """Linear rows over the candidate pairs (None = none)."""
        return None

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        """Violations in a finished plan, ``assigned`` holding one pair per customer."""
        return []


def per_rep_sums(assigned: PairFacts, weights: np.ndarray) -> np.ndarray:
    """Sum of ``weights`` per rep over the assigned pairs (length m)."""
    return np.bincount(assigned.rep, weights=weights, minlength=assigned.facts.m)
