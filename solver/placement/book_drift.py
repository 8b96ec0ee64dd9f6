"""Balance drift of a standing book since its last full rebalance, and whether one is due.

Not the CRM ownership drift of :mod:`solver.export.drift` (owners changed since a plan):
this measures how far the book's balance has moved from what the last full solve left,
as new accounts were placed on it (and, given the CRM's current accounts, as accounts
arrived that no plan has placed yet, or owners changed).

Per measure, on the active reps: workload (utilisation u_j = hours_j / capacity_j) and
accounts (count_j / capacity share) as Gini, CV and in-band share (within +-10 % of the
mean, :data:`solver.metrics.BAND`), and the value Gini. A full rebalance is recommended
when the workload Gini rose by at least ``GINI_RISE``, the share of reps in band fell by
at least ``BAND_DROP``, accounts added since reach ``NEW_SHARE`` of the book, or a rep is
over capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from solver.inputs.facts import Facts, PairFacts
from solver.metrics import BAND, gini, spread
from solver.placement.placing import rebalanced_reference
from solver.placement.standing import StandingBook
from solver.problem import load_inputs

GINI_RISE = 0.02
BAND_DROP = 0.10
NEW_SHARE = 0.10


@dataclass(frozen=True)
class MeasureDrift:
    measure: str
    gini_then: float | None
    gini_now: float
    in_band_then: float | None
    in_band_now: float | None  # None for value, which has no load band


@dataclass(frozen=True)
class BookDrift:
    """The book now against the last full rebalance, and the recommendation."""

    accounts_then: int
    accounts_now: int
    new_since: int  # accounts added since the last full solve (placed or not yet)
    unplaced_now: int  # accounts in the CRM no plan has placed yet (with current data)
    owner_changes: int  # accounts whose CRM owner differs from the plan (with current data)
    measures: list[MeasureDrift]
    out_of_band: list[str]  # active reps outside +-10 % of mean utilisation
    over_capacity: list[str]
    rebalance_due: bool
    reasons: list[str] = field(default_factory=list)
    rebalanced_as_of: str | None = None

    def recommendation(self) -> str:
        if not self.rebalance_due:
            return "no full rebalance needed yet: the book is still close to its last rebalance"
        return "a full rebalance is due: " + "; ".join(self.reasons)


def book_drift(book: StandingBook, current: pd.DataFrame | str | Path | None = None) -> BookDrift:
    """Drift of ``book`` (a plan read as a :class:`StandingBook`); ``current`` is the CRM's
    accounts now (customers table: owners in ``current_rep``), else the plan's own book."""
    reference = rebalanced_reference(book)
    customers, rep, unplaced, changes = book.customers, book.rep, 0, 0
    if current is not None:
        customers, reps = load_inputs(current, book.reps, book.scenario)
        index = {r: j for j, r in enumerate(reps["rep_id"])}
        rep = np.array([index.get(r, -1) for r in customers["current_rep"]], dtype=np.int64)
        planned = dict(
            zip(book.customers["customer_id"], book.customers["current_rep"], strict=True)
        )
        known = customers["customer_id"].map(planned)
        unplaced = int(known.isna().sum())
        changes = int((known.notna() & (known != customers["current_rep"])).sum())
    facts = Facts.build(customers, book.reps, book.scenario)
    owned = np.flatnonzero(rep >= 0)
    assigned = PairFacts.of(facts, owned, rep[owned])
    active = facts.active
    hours = np.bincount(assigned.rep, weights=assigned.workload, minlength=facts.m)
    count = np.bincount(assigned.rep, minlength=facts.m).astype(float)
    share = facts.capacity / facts.capacity[active].sum()
    util = hours / facts.capacity
    value = np.bincount(assigned.rep, weights=facts.value[owned], minlength=facts.m)
    then = reference.get("workload") or {}
    workload = spread(util[active])
    accounts = spread(count[active] / np.maximum(share[active], 1e-12))
    measures = [
        MeasureDrift("workload", then.get("gini"), workload["gini"], then.get("in_band_share"),
                     workload["in_band_share"]),
        MeasureDrift("accounts", None, accounts["gini"], None, accounts["in_band_share"]),
        MeasureDrift("value", reference.get("value_gini"), gini(value[active]), None, None),
    ]  # fmt: skip
    mean = util[active].mean() if active.any() else 0.0
    rep_ids = facts.rep_ids
    out_band = [str(r) for r in rep_ids[active & (np.abs(util - mean) > BAND * mean)]]
    over = [str(r) for r in rep_ids[active & (util > 1.0 + 1e-9)]]
    then_n = int(reference.get("accounts") or book.n)
    new_since = max(len(customers) - then_n, 0)
    reasons = []
    if then.get("gini") is not None and workload["gini"] - then["gini"] >= GINI_RISE:
        reasons.append(f"workload Gini rose from {then['gini']:.3f} to {workload['gini']:.3f}")
    drop = (then.get("in_band_share") or 0.0) - workload["in_band_share"]
    if then.get("in_band_share") is not None and drop >= BAND_DROP:
        reasons.append(
            f"reps within ±10 % of mean load fell from {then['in_band_share']:.0%} to "
            f"{workload['in_band_share']:.0%}"
        )
    if then_n and new_since / then_n >= NEW_SHARE:
        reasons.append(f"{new_since:,} accounts added since ({new_since / then_n:.0%} of the book)")
    if over:
        reasons.append(f"{len(over)} rep(s) over capacity ({', '.join(over[:5])})")
    return BookDrift(
        accounts_then=then_n,
        accounts_now=len(customers),
        new_since=new_since,
        unplaced_now=unplaced,
        owner_changes=changes,
        measures=measures,
        out_of_band=out_band,
        over_capacity=over,
        rebalance_due=bool(reasons),
        reasons=reasons,
        rebalanced_as_of=reference.get("as_of"),
    )
