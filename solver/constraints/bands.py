"""Balance bands and rep floors: each active rep's book within a band of its fair share.

A band (a ``[[balance]]`` table with ``band = [lo, hi]``) gives every active rep j the row

    lo x s_j x T  <=  M_j  <=  hi x s_j x T

with M_j the rep's measure, summed over its accounts (workload hours of effort + travel
from that rep, or accounts when ``workload_unit = "accounts"``; accounts; value; any
numeric customer column), s_j its share (``capacity_hours`` / active total, 1 / active
reps, or a rep column / its active total) and T the total of the measure.

T is a figure of the inputs, so every row is linear in one rep's accounts (one row per
rep, as every engine expects) and the checker recomputes it from the raw inputs. For
accounts, value and customer columns it is simply the book's total: every account is
assigned exactly once, so every plan has the same total. Workload hours are not fixed
(travel depends on the owner); their T is the book's least workload: every account's
effort plus its travel from the nearest active rep. No plan carries less, so the band's
ceiling is the stricter side: with band [0.85, 1.15] a rep carries at most 1.15 x its
share of that least total, and at least 0.85 x it.

Rep floors: the rep columns ``min_hours``, ``min_accounts`` and ``min_value`` (blank = no
floor) are absolute floors of the same rows, with no ceiling of their own (the capacity
rules hold the ceilings). Leaving reps own nothing: they get no band row, and a floor set
on one cannot hold.

Rows are named ``balance_band[measure]`` (``balance_band[min_hours]`` for a floor).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.constraints.base import HardRule, RowBlock, RowKind, Violation, no_ceiling
from solver.errors import InputError, InputIssue
from solver.inputs.facts import Facts, PairFacts
from solver.scenario import BalanceBand, Scenario

NAME = "balance_band"
#: relative slack the checker allows on a band's limits (rounding of sums)
TOLERANCE = 1e-6
#: customers per chunk when the least workload is computed (bounds memory at large n x m)
CHUNK = 2_000


@dataclass(frozen=True)
class Band:
    """One family of rows: per rep a floor (0 = none) and a ceiling (inf = none)."""

    rule: str  # "balance_band[value]"
    kind: RowKind
    unit: str  # "h", "accounts", "" (value and columns)
    measure: str  # "workload", "accounts", "value", a column, or the floor's column
    lower: np.ndarray  # per rep
    upper: np.ndarray  # per rep
    basis: np.ndarray  # per rep, text: where the limits come from, for messages

    def rows(self) -> np.ndarray:
        """Reps with a row (a floor above 0 or a finite ceiling)."""
        return (self.lower > 0) | np.isfinite(self.upper)


def measure_of(pairs: PairFacts, measure: str, scenario: Scenario) -> np.ndarray:
    """What each pair adds to its rep's ``measure``."""
    f = pairs.facts
    if measure == "workload":
        if scenario.workload_unit == "accounts":
            return np.ones(len(pairs.rep))
        return pairs.workload
    if measure == "accounts":
        return np.ones(len(pairs.rep))
    if measure == "value":
        return f.value[pairs.customer]
    return f.customer_columns[measure][pairs.customer]


def _kind(measure: str, scenario: Scenario) -> tuple[RowKind, str]:
    if measure == "workload":
        return ("accounts", "accounts") if scenario.workload_unit == "accounts" else ("hours", "h")
    if measure == "accounts":
        return "accounts", "accounts"
    return "value", ""


def shares_of(facts: Facts, share: str) -> np.ndarray:
    """s_j per rep (0 for leaving reps): capacity, equal, or a rep column, over active reps."""
    if share == "capacity":
        weight = facts.capacity
    elif share == "equal":
        weight = np.ones(facts.m)
    else:
        weight = facts.rep_columns[share]
    weight = np.where(facts.active, weight, 0.0)
    total = weight.sum()
    if not facts.active.any():
        return weight  # no active rep: nothing to balance (the rules say why no plan)
    if total <= 0:
        column = "capacity_hours" if share == "capacity" else share
        rule = f"a [[balance]] share column must be above 0 for some active rep ({share})"
        raise InputError([InputIssue("reps", column, rule)])
    return weight / total


def total_of(facts: Facts, measure: str, scenario: Scenario) -> float:
    """T: the measure's total over the book (workload: the least workload, see above)."""
    if measure == "accounts" or (measure == "workload" and scenario.workload_unit == "accounts"):
        return float(facts.n)
    if measure == "value":
        return float(facts.value.sum())
    if measure == "workload":
        return least_workload(facts)
    return float(facts.customer_columns[measure].sum())


def least_workload(facts: Facts) -> float:
    """Sum over accounts of effort + travel hours from the nearest active rep."""
    reps = np.flatnonzero(facts.active)
    if not len(reps):
        return float(facts.effort.sum())
    total = 0.0
    for start in range(0, facts.n, CHUNK):
        cust = np.arange(start, min(start + CHUNK, facts.n))
        pairs = PairFacts.of(facts, np.repeat(cust, len(reps)), np.tile(reps, len(cust)))
        total += float(pairs.workload.reshape(len(cust), len(reps)).min(axis=1).sum())
    return total


def _band(facts: Facts, table: BalanceBand, scenario: Scenario) -> Band:
    lo, hi = table.band
    share = shares_of(facts, table.share)
    total = total_of(facts, table.measure, scenario)
    kind, unit = _kind(table.measure, scenario)
    on = facts.active
    what = "least workload" if kind == "hours" else "total"
    basis = np.array(
        [
            f"band [{lo:g}, {hi:g}] x its {table.share} share {s:.1%} of the book's {what} "
            f"{amount(total, unit)}"
            for s in share
        ],
        dtype=object,
    )
    return Band(
        f"{NAME}[{table.measure}]",
        kind,
        unit,
        table.measure,
        np.where(on, lo * share * total, 0.0),
        np.where(on, hi * share * total, np.inf),
        basis,
    )


def _floor(facts: Facts, column: str) -> Band | None:
    floor = getattr(facts, column)
    has = ~np.isnan(floor)
    if not has.any():
        return None
    kind, unit = {
        "min_hours": ("hours", "h"),
        "min_accounts": ("accounts", "accounts"),
        "min_value": ("value", ""),
    }[column]
    measure = {"min_hours": "workload", "min_accounts": "accounts", "min_value": "value"}[column]
    basis = np.full(facts.m, f"its {column}", dtype=object)
    return Band(
        f"{NAME}[{column}]",
        kind,
        unit,
        measure,
        np.where(has, np.nan_to_num(floor), 0.0),
        np.full(facts.m, np.inf),
        basis,
    )


def bands(facts: Facts, scenario: Scenario) -> list[Band]:
    """Every band and rep floor the scenario and the reps table set."""
    out = [_band(facts, t, scenario) for t in scenario.balance if t.band is not None]
    out += [b for c in ("min_hours", "min_accounts", "min_value") if (b := _floor(facts, c))]
    return out


def amount(x: float, unit: str) -> str:
    """``2.5 h``, ``3 accounts``, ``2 moves``, ``85,742.9`` (value and columns: no unit)."""
    return f"{x:,.0f} {unit}" if unit in ("accounts", "moves") else f"{x:,.1f} {unit}".strip()


class BandRule(HardRule):
    """Each active rep's measures within their bands, and every rep floor reached."""

    name = NAME
    relax = (
        "widen the band of the [[balance]] table named, or lower the rep's min_hours / "
        "min_accounts / min_value"
    )

    def enabled(self, scenario: Scenario) -> bool:
        return True  # rep floors come from the data; no band and no floor: no rows

    def rows(
        self, pairs: PairFacts, scenario: Scenario, forced: np.ndarray
    ) -> tuple[RowBlock, ...]:
        f = pairs.facts
        blocks = []
        for band in bands(f, scenario):
            has = band.rows()
            row_of_rep = np.full(f.m, -1, dtype=np.int64)
            row_of_rep[has] = np.arange(int(has.sum()))
            row = row_of_rep[pairs.rep]
            coeff = measure_of(pairs, band.measure, scenario)
            upper = band.upper[has]
            reach = no_ceiling(row, coeff, int(has.sum()))
            blocks.append(
                RowBlock(
                    band.rule,
                    band.kind,
                    row,
                    coeff.astype(float),
                    np.where(np.isfinite(upper), upper, reach),
                    tuple(map(str, f.rep_ids[has])),
                    band.lower[has].copy(),
                )
            )
        return tuple(blocks)

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        f = assigned.facts
        out = []
        for band in bands(f, scenario):
            coeff = measure_of(assigned, band.measure, scenario)
            got = np.bincount(assigned.rep, weights=coeff, minlength=f.m)
            slack = TOLERANCE * (1.0 + np.abs(got))
            for j in np.flatnonzero(band.rows() & (got < band.lower - slack)):
                out.append(self._violation(band, j, got[j], "below its floor", band.lower[j], f))
            for j in np.flatnonzero(band.rows() & (got > band.upper + slack)):
                out.append(self._violation(band, j, got[j], "above its ceiling", band.upper[j], f))
        return out

    def _violation(
        self, band: Band, j: int, got: float, side: str, limit: float, f: Facts
    ) -> Violation:
        rep = str(f.rep_ids[j])
        text = (
            f"rep {rep} carries {amount(got, band.unit)} of {band.measure}, {side} "
            f"{amount(limit, band.unit)} ({band.basis[j]})"
        )
        return Violation(band.rule, text, rep_id=rep)
